"""The core works without the ``report`` extra: jinja2 and matplotlib load only to render."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=False
    )


def test_importing_the_library_and_the_pack_loads_no_rendering_dependency() -> None:
    result = _run(
        """
        import sys
        import erantis_rules, erantis_rules.cli, erantis_rules.report, erantis_rules.agenda
        import erantis_domain.projections.indicators
        print(sorted(m for m in ("jinja2", "matplotlib") if m in sys.modules))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_rendering_without_the_extra_names_the_extra() -> None:
    # given an interpreter where matplotlib cannot be imported
    result = _run(
        """
        import sys
        sys.modules["matplotlib"] = None
        from datetime import date
        from erantis_domain.store import CaseStore
        from erantis_rules.report import ReportDependencyMissing, meeting_pack, render_html
        from tests.factories import event
        with CaseStore.memory() as store:
            store.append([event("CaseOpened")])
            pack = meeting_pack(store, "team-nord", "2026-10")
        try:
            render_html(pack)
        except ReportDependencyMissing as exc:
            print(exc)
        """
    )
    # then the error says what to install, with its stable code
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("[E-REPORT-EXTRA-MISSING]")
    assert "erantis[report]" in result.stdout
