"""Every public name exists and is documented; both packages ship ``py.typed``."""

from __future__ import annotations

import importlib
import inspect
from importlib import resources
from types import ModuleType

import pytest

PACKAGES = ["erantis_domain", "erantis_rules"]
#: Public modules of erantis_domain whose own ``__all__`` is part of the contract too.
MODULES = [
    "erantis_domain.case",
    "erantis_domain.errors",
    "erantis_domain.events",
    "erantis_domain.fsiii",
    "erantis_domain.store",
    "erantis_domain.values",
    "erantis_rules.policy_versions",
]


def _public(module_name: str) -> list[tuple[str, object]]:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    assert isinstance(names, list), f"{module_name} has no explicit __all__ list"
    assert len(names) == len(set(names)), f"{module_name}.__all__ repeats a name"
    missing = [name for name in names if not hasattr(module, name)]
    assert missing == [], f"{module_name}.__all__ names missing attributes: {missing}"
    return [(name, getattr(module, name)) for name in names]


def _documented(value: object) -> bool:
    if isinstance(value, ModuleType) or inspect.isclass(value) or inspect.isroutine(value):
        # ``__doc__`` is the object's own docstring: a class does not inherit its base's.
        return bool((value.__doc__ or "").strip())
    return True  # type aliases and constants: existing is enough


@pytest.mark.parametrize("module_name", PACKAGES + MODULES)
def test_every_name_in_all_exists_and_is_documented(module_name: str) -> None:
    # given a public module, when its __all__ is resolved
    public = _public(module_name)
    # then each class, function and module in it has its own docstring
    undocumented = [name for name, value in public if not _documented(value)]
    assert undocumented == [], f"{module_name}: undocumented public names {undocumented}"


@pytest.mark.parametrize("package", PACKAGES)
def test_the_package_is_documented_and_typed(package: str) -> None:
    module = importlib.import_module(package)
    assert (module.__doc__ or "").strip()
    assert resources.files(package).joinpath("py.typed").is_file()


def test_the_package_re_exports_only_public_names_of_its_modules() -> None:
    # given each name erantis_domain re-exports, then its defining module lists it publicly
    import erantis_domain

    for name in erantis_domain.__all__:
        value = getattr(erantis_domain, name)
        owner = getattr(value, "__module__", None)
        if owner is not None and owner.startswith("erantis_domain."):
            assert name in importlib.import_module(owner).__all__, (name, owner)


def test_the_documentation_check_catches_an_undocumented_class() -> None:
    # given a class without a docstring of its own (a subclass of a documented one)
    class Documented:
        """Has a docstring."""

    class Bare(Documented):
        pass

    def bare() -> None:
        pass

    # then the check reports both, and accepts constants
    assert _documented(Documented)
    assert not _documented(Bare)
    assert not _documented(bare)
    assert _documented(42)
