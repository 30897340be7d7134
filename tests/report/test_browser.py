"""The meeting pack in a real browser: Debian's Chromium, headless, driven by Playwright.

The browser is the system one (``apt-get install chromium``; CI installs it). Without it the
test is skipped with the command that installs it, except in CI (``CI=true``, as ``.ci/run``
sets), where a missing browser fails. The screenshots are kept under ``test-artifacts/``
(git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Route, sync_playwright

from erantis_domain.projections import BudgetLedger
from erantis_domain.store import CaseStore
from erantis_rules.report import Lang, MeetingPack, meeting_pack, render_html
from tests.report.conftest import PERIOD, TEAM

CHROMIUM = "/usr/bin/chromium"
#: Why the browser test cannot run without Chromium, and what to install.
NO_CHROMIUM = (
    "the browser test needs Debian's Chromium (driven by Playwright, whose own browser download "
    "is not used): apt-get install -y chromium"
)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHARTS = 5


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def chromium() -> str:
    """The system Chromium's path. Missing, the test is skipped with what to install, or
    fails in CI, where the browser is part of the checks."""
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if found is None:
        if _in_ci():
            pytest.fail(NO_CHROMIUM, pytrace=False)
        pytest.skip(NO_CHROMIUM)
    return found


@pytest.mark.parametrize(
    ("ci", "outcome"), [("", pytest.skip.Exception), ("true", pytest.fail.Exception)]
)
def test_without_chromium_the_test_says_what_to_install_and_fails_only_in_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: str, outcome: type[BaseException]
) -> None:
    # given no Chromium at its Debian path nor on PATH, inside CI or not
    monkeypatch.setattr(f"{__name__}.CHROMIUM", str(tmp_path / "chromium"))
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", ci)
    # when the browser is looked for, then the test is skipped (failed in CI) with the command
    with pytest.raises(outcome) as raised:
        chromium()
    assert str(raised.value) == NO_CHROMIUM
    assert "apt-get install -y chromium" in NO_CHROMIUM


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def pack(municipality_db: Path) -> MeetingPack:
    with CaseStore.sqlite(municipality_db) as store:
        return meeting_pack(store, TEAM, PERIOD)


class _Visit:
    """A page opened on a pack file, with what the page asked for and complained about."""

    def __init__(self, browser: Browser, path: Path) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page: Page = browser.new_page(viewport={"width": 1100, "height": 900})
        self.page.on("request", self._request)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri(), wait_until="load")

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(f"{message.type}: {message.text}")

    @staticmethod
    def _route(route: Route) -> None:
        # Anything but the file itself would be a network request: refuse it.
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            route.abort()


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_pack_in_chromium(
    browser: Browser, pack: MeetingPack, municipality: CaseStore, tmp_path: Path, lang: Lang
) -> None:
    # given the pack written to a file
    path = tmp_path / f"pack-{lang}.html"
    path.write_text(render_html(pack, lang), encoding="utf-8")
    # when Chromium opens it
    visit = _Visit(browser, path)
    page = visit.page
    try:
        # then it asks for nothing but the file and reports no error
        assert visit.requests == [path.as_uri()]
        assert visit.errors == []
        # and every chart is drawn: a visible SVG with marks in it
        charts = page.locator("svg.chart")
        assert charts.count() == CHARTS
        for index in range(CHARTS):
            chart = charts.nth(index)
            box = chart.bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 80
            assert chart.locator("path").count() > 10
        # and the figures shown are the projection's
        ledger = BudgetLedger.rebuild(municipality).team_period(TEAM, PERIOD)
        separator = "." if lang == "da" else ","
        for name in ("frame_minutes", "delivered_minutes", "variance_minutes"):
            cell = page.locator(f'[data-figure="{name}"]')
            expected = getattr(ledger, name)
            assert int(cell.get_attribute("data-value") or "") == expected
            assert int(cell.inner_text().replace(separator, "").replace("−", "-")) == expected
        for month in pack.months:
            row = page.locator(f'tr[data-period="{month.period}"] td')
            figures = BudgetLedger.rebuild(municipality).team_period(TEAM, month.period)
            assert int(row.nth(0).get_attribute("data-value") or "") == figures.frame_minutes
            assert int(row.nth(2).get_attribute("data-value") or "") == figures.delivered_minutes
        # and a screenshot is kept as an artifact
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"pack-{lang}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        page.emulate_media(media="print")
        assert page.pdf(format="A4")[:4] == b"%PDF"
    finally:
        page.close()
