"""What an integrator installs: the library alone pulls no CLI or test libraries, imports
without them, and says which extra a part needs; the wheel ships the schemas and the licence."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from importlib.metadata import distributions, requires
from pathlib import Path

import pytest

import erantis_domain
import erantis_rules
from erantis_rules import durable_available

ROOT = Path(__file__).resolve().parent.parent

#: A meta-path finder refusing the optional libraries, as on a machine without the extras.
BLOCK = textwrap.dedent(
    """
    import sys

    OPTIONAL = {"typer", "rich", "hypothesis", "click", "psycopg", "psycopg_pool"}

    class Refuse:
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in OPTIONAL:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Refuse())
    """
)


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCK + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def test_the_library_imports_and_checks_without_the_optional_libraries() -> None:
    # given typer, rich, hypothesis and psycopg cannot be imported
    # when the library is imported and used
    done = _run(
        """
        from datetime import date
        import erantis_domain, erantis_rules
        import erantis_domain.projections, erantis_domain.store, erantis_domain.sample
        from erantis_domain.sample import sample_events
        findings = erantis_rules.check(sample_events(), as_of=date(2027, 6, 1))
        store = erantis_domain.CaseStore.memory()
        store.append(sample_events())
        loaded = sorted(m for m in sys.modules if m.partition(".")[0] in OPTIONAL)
        print(len(findings), loaded)
        """
    )
    # then it works and none of them was loaded
    assert done.returncode == 0, done.stderr
    count, loaded = done.stdout.split(" ", 1)
    assert int(count) > 0 and loaded.strip() == "[]"


def test_the_testing_kit_names_its_extra_when_hypothesis_is_missing() -> None:
    done = _run(
        """
        try:
            from erantis_domain.testing import case_histories
        except ImportError as exc:
            print(exc)
        """
    )
    assert done.returncode == 0, done.stderr
    assert "pip install 'erantis[testing]'" in done.stdout


def test_the_synthetic_generator_works_without_hypothesis() -> None:
    # given hypothesis (the testing extra) and the other optional libraries cannot be imported
    # when the synthetic municipality is generated
    done = _run(
        """
        from datetime import date
        from erantis_domain.testing.synthetic import generate

        raw = list(generate(citizens=3, start=date(2026, 1, 1), months=1, seed=1))
        again = list(generate(citizens=3, start=date(2026, 1, 1), months=1, seed=1))
        loaded = sorted(m for m in sys.modules if m.partition(".")[0] in OPTIONAL)
        print(len(raw), raw == again, loaded)
        """
    )
    # then it works, and none of them was loaded
    assert done.returncode == 0, done.stderr
    count, same, loaded = done.stdout.split(" ", 2)
    assert int(count) > 0 and same == "True" and loaded.strip() == "[]"


def test_the_console_script_names_its_extra_in_one_line_when_typer_is_missing() -> None:
    done = _run(
        """
        import runpy
        sys.argv = ["erantis", "rules"]
        runpy.run_module("erantis_rules", run_name="__main__")
        """
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "pip install 'erantis[cli]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_plain_install_requires_only_the_core_libraries() -> None:
    # given the installed distribution's metadata
    declared = requires("erantis") or []
    # when the requirements without an extra are taken
    core = {
        re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower()
        for requirement in declared
        if "extra ==" not in requirement
    }
    # then they are the core libraries, and durable-rules only where it imports
    assert core == {"pydantic", "eventsourcing", "durable-rules"}
    [durable] = [r for r in declared if r.lower().startswith("durable-rules")]
    assert "python_version < '3.13'" in durable.replace('"', "'")
    extras = {r.split("extra ==")[1].strip(" '\"") for r in declared if "extra ==" in r}
    assert extras == {"cli", "testing", "postgres", "report", "encryption", "server"}


def test_both_packages_tell_their_version() -> None:
    assert erantis_domain.__version__ == erantis_rules.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", erantis_rules.__version__)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from this tree."""
    uv = shutil.which("uv")
    assert uv, "uv builds the wheel (the README's first command installs it)"
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(out), "--quiet", str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    [found] = out.glob("erantis-*.whl")
    return found


def test_the_wheel_ships_the_schemas_the_licence_and_the_type_markers(wheel: Path) -> None:
    # given a wheel built from this tree
    # when its contents are listed
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        schema = json.loads(archive.read("erantis_domain/schemas/event.schema.json"))
    # then the schemas (with their $id), the licence and py.typed are inside
    on_disk = {p.name for p in (ROOT / "specs" / "schemas").glob("*.json")}
    assert {f"erantis_domain/schemas/{name}" for name in on_disk} <= names
    assert schema["$id"] == "urn:erantis:schema:event"
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert {"erantis_domain/py.typed", "erantis_rules/py.typed"} <= names


#: What a plain ``pip install erantis`` may bring: the core libraries and their own needs.
CORE = {
    "erantis",
    "pydantic",
    "pydantic-core",
    "annotated-types",
    "typing-extensions",
    "typing-inspection",
    "eventsourcing",
    "durable-rules",
}


def test_the_wheel_installs_into_a_fresh_environment_with_only_the_core(
    wheel: Path, tmp_path: Path
) -> None:
    # given a fresh virtual environment, and the versions this test environment resolved
    # (so the install is read from uv's cache, without the network)
    uv = shutil.which("uv")
    assert uv
    venv = tmp_path / "venv"
    made = subprocess.run(
        [uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    pins = tmp_path / "constraints.txt"
    pins.write_text(
        "".join(
            f"{dist.metadata['Name']}=={dist.version}\n"
            for dist in distributions()
            if dist.metadata["Name"] and dist.metadata["Name"].lower() != "erantis"
        ),
        encoding="utf-8",
    )
    # when the wheel is installed without extras
    install = [uv, "pip", "install", "--quiet", "--python", str(python)]
    given = ["--constraint", str(pins), str(wheel)]
    installed = subprocess.run(
        [*install, "--offline", *given], capture_output=True, text=True, check=False
    )
    if installed.returncode != 0 and "network was disabled" in installed.stderr:
        # uv's cache may lack the index data of this interpreter's wheels (seen on Python
        # 3.13): the same pinned versions from the registry, which CI machines reach.
        installed = subprocess.run([*install, *given], capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stderr
    # then only the core libraries are installed
    listed = subprocess.run(
        [uv, "pip", "list", "--format", "json", "--python", str(python)],
        capture_output=True,
        text=True,
        check=True,
    )
    names = {entry["name"].lower().replace("_", "-") for entry in json.loads(listed.stdout)}
    assert names - {"pip", "setuptools", "wheel"} <= CORE, names
    # and the library checks events there, outside this checkout
    used = subprocess.run(
        [str(python), "-c", USE_INSTALLED], capture_output=True, text=True, check=False,
        cwd=tmp_path,
    )  # fmt: skip
    assert used.returncode == 0, used.stderr
    count, origin = used.stdout.split()
    assert int(count) > 0 and origin.startswith(str(venv))
    # and the console script answers --version, and names the extra its commands need
    script = venv / "bin" / "erantis"
    version = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("erantis "), version.stderr
    rules = subprocess.run([str(script), "rules"], capture_output=True, text=True)
    assert rules.returncode == 2 and "pip install 'erantis[cli]'" in rules.stderr


USE_INSTALLED = """
from datetime import date
import erantis_rules
from erantis_rules import check
from erantis_domain.sample import sample_events
print(len(check(sample_events(), as_of=date(2027, 6, 1))), erantis_rules.__file__)
"""


def test_durable_rules_serves_wherever_erantis_declares_it() -> None:
    # durable-rules is required below Python 3.13 (an environment marker); there it must import,
    # or the tests parametrised over the available evaluators would quietly lose it
    assert durable_available() == (sys.version_info < (3, 13))


def test_checking_events_does_not_import_the_store_backend() -> None:
    # eventsourcing is imported on first use of the store only: it is a sizeable share of the
    # import time of erantis_rules (README: import time)
    done = _run(
        """
        from datetime import date
        from erantis_rules import check
        from erantis_domain import parse_event
        from erantis_domain.sample import sample_events
        check(sample_events(), as_of=date(2027, 6, 1))
        before = "eventsourcing" in sys.modules
        from erantis_domain import CaseStore
        print(before, "eventsourcing" in sys.modules)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]


def test_the_postgresql_store_names_its_extra_when_psycopg_is_missing() -> None:
    done = _run(
        """
        from erantis_domain import CaseStore, StoreConfigurationError
        try:
            CaseStore.postgres(dbname="erantis")
        except StoreConfigurationError as exc:
            print(exc)
        """
    )
    assert done.returncode == 0, done.stderr
    assert "[E-STORE-CONFIG]" in done.stdout and "pip install 'erantis[postgres]'" in done.stdout
    assert "PERSISTENCE_MODULE" not in done.stdout


def test_the_public_names_load_on_first_use_and_keep_their_meaning() -> None:
    # given a fresh interpreter
    done = _run(
        """
        import erantis_rules
        before = "pydantic" in sys.modules
        # when a submodule named like a public function is imported first
        import erantis_rules.catalogue
        from erantis_rules import Policy, catalogue, check
        print(before, callable(erantis_rules.catalogue), catalogue is erantis_rules.catalogue,
              len(catalogue()) > 0, sorted(set(erantis_rules.__all__) - set(dir(erantis_rules))))
        """
    )
    # then importing the package loaded nothing heavy, and `catalogue` is still the function
    assert done.returncode == 0, done.stderr
    assert done.stdout.split(" ", 4) == ["False", "True", "True", "True", "[]\n"]
