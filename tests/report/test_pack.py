"""The meeting pack as data and as HTML: the same figures as the projections, both languages,
self-contained, accessible charts, no personal data."""

from __future__ import annotations

import re
from dataclasses import FrozenInstanceError
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from erantis_domain.errors import InvalidArgumentError, UnknownCaseError
from erantis_domain.events import (
    CaseClosed,
    Event,
    FollowUpRecorded,
    ReferralReceived,
    TimeAdjustedByTeam,
)
from erantis_domain.projections import BudgetLedger
from erantis_domain.projections.indicators import OutcomeIndicators
from erantis_domain.store import CaseStore
from erantis_rules.cli import app
from erantis_rules.engine import check
from erantis_rules.language.model import Finding
from erantis_rules.report import MeetingPack, _pack, meeting_pack, render_html
from erantis_rules.report._labels import LABELS
from erantis_rules.report._pack import HeldLog, pack_over
from tests.report.conftest import PERIOD, TEAM

CHARTS = ("chart-frame", "chart-variance", "chart-indicators", "chart-goals", "chart-findings")


@pytest.fixture(scope="module")
def pack(municipality_db: Path) -> MeetingPack:
    with CaseStore.sqlite(municipality_db) as store:
        return meeting_pack(store, TEAM, PERIOD)


@pytest.fixture(scope="module")
def pages(pack: MeetingPack) -> dict[str, str]:
    return {lang: render_html(pack, lang) for lang in ("da", "en")}


def test_the_pack_has_the_projections_figures(pack: MeetingPack, municipality: CaseStore) -> None:
    # given the projections rebuilt from the same store
    ledger = BudgetLedger.rebuild(municipality)
    indicators = OutcomeIndicators.rebuild(municipality)
    # then the pack's period, history and indicators are theirs
    assert pack.ledger == ledger.team_period(TEAM, PERIOD)
    assert pack.as_of == date(2026, 4, 1)  # the day after the period
    assert [m.period for m in pack.months] == ["2026-01", "2026-02", "2026-03"]
    for month in pack.months:
        figures = ledger.team_period(TEAM, month.period)
        assert (month.frame_minutes, month.delivered_minutes, month.variance_pct) == (
            figures.frame_minutes,
            figures.delivered_minutes,
            figures.variance_pct,
        )
        assert month.band_low <= month.frame_minutes <= month.band_high
    assert pack.current == indicators.team_period(TEAM, PERIOD)
    assert sum(row.count for row in pack.findings_by_rule) == len(pack.findings)
    with pytest.raises(FrozenInstanceError):
        pack.period = "2026-04"  # type: ignore[misc]


def test_every_label_exists_in_both_languages() -> None:
    for key, texts in LABELS.items():
        assert len(texts) == 2 and all(texts), key


def test_the_page_is_self_contained(pages: dict[str, str]) -> None:
    for page in pages.values():
        # no scripts, no external resources of any kind
        assert "<script" not in page
        assert not re.search(r"""(src|href)\s*=\s*["'](?!#)""", page)
        assert not re.search(r"url\(\s*['\"]?(?!#)", page)
        assert "@import" not in page
        # namespace names are identifiers, never fetched
        assert "http" not in re.sub(r'xmlns(:\w+)?="[^"]*"', "", page)


def test_every_chart_has_a_title_a_description_and_a_data_table(pages: dict[str, str]) -> None:
    for lang, page in pages.items():
        for chart in CHARTS:
            assert f'aria-labelledby="{chart}-title {chart}-desc"' in page, (lang, chart)
            assert re.search(rf'<title id="{chart}-title">[^<]+</title>', page)
            assert re.search(rf'<desc id="{chart}-desc">[^<]+</desc>', page)
        for table in ("months", "indicator-trend", "goals-trend", "findings-by-rule"):
            assert f'<table id="{table}">' in page
        assert "@page { size: A4" in page


def test_the_languages_differ_only_in_words(pages: dict[str, str], pack: MeetingPack) -> None:
    assert '<html lang="da">' in pages["da"] and '<html lang="en">' in pages["en"]
    assert "Dialogmødepakke" in pages["da"] and "Dialogue meeting pack" in pages["en"]
    delivered = pack.ledger.delivered_minutes
    assert f'data-value="{delivered}"' in pages["da"] and f'data-value="{delivered}"' in pages["en"]
    # Danish writes 12.345 where English writes 12,345
    if delivered >= 1000:
        assert f"{delivered:,}".replace(",", ".") in pages["da"]
        assert f"{delivered:,}" in pages["en"]


def test_no_free_text_of_the_events_reaches_the_page(
    pages: dict[str, str], municipality: CaseStore
) -> None:
    # given every free text the store holds (reasons, notes)
    texts = set()
    for entry in municipality.replay():
        event = entry.event
        if isinstance(event, ReferralReceived | TimeAdjustedByTeam | CaseClosed):
            texts.add(event.reason)
        elif isinstance(event, FollowUpRecorded):
            texts.add(event.note)
    texts = {text for text in texts if len(text) >= 12}
    assert texts
    # then none of it is in the pack
    for page in pages.values():
        assert not [text for text in texts if text in page]


def test_bad_arguments_name_the_field(municipality: CaseStore, pack: MeetingPack) -> None:
    with pytest.raises(InvalidArgumentError, match="team_id"):
        meeting_pack(municipality, "team-nobody", PERIOD)
    with pytest.raises(InvalidArgumentError, match="period"):
        meeting_pack(municipality, TEAM, "2026-13")
    with pytest.raises(InvalidArgumentError, match="lang"):
        render_html(pack, "de")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("period", "as_of"),
    [
        (PERIOD, None),  # events after the day before the meeting are not known yet
        ("2026-04", date(2026, 5, 1)),  # everything known
    ],
)
def test_a_pack_over_the_log_held_in_memory_is_the_pack_over_the_store(
    municipality: CaseStore, period: str, as_of: date | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the store's whole log held in memory, in its order, as the demo holds it
    log = HeldLog(entry.event for entry in municipality.replay())
    expected = meeting_pack(municipality, TEAM, period, as_of=as_of)
    # when the pack is made over it, counting the checks the pack makes beside the agenda's
    made: list[int] = []

    def counted(events: list[Event], **options: Any) -> list[Finding]:
        made.append(len(events))
        return check(events, **options)

    monkeypatch.setattr(_pack, "check", counted)
    held = pack_over(municipality, log, TEAM, period, as_of=as_of)
    # then it is the pack over the store, and nothing was read from the store but its log
    assert held == expected
    assert render_html(held, "da") == render_html(expected, "da")
    # and the held log answers for a case as the store does
    assert log.case_events("case-000001") == municipality.case_events("case-000001")
    with pytest.raises(UnknownCaseError):
        log.case_events("case-nobody")
    # and with every event known, the pack makes no check of its own: the agenda's serves, and
    # its findings are the team's findings of a check of the whole log
    if as_of is not None:
        assert made == []
        citizens = set(log.ledger.citizens_of(TEAM))
        assert citizens
        ours = [
            finding
            for finding in check(log.events, as_of=as_of)
            if finding.subject in citizens or finding.subject.startswith(f"{TEAM}/")
        ]
        assert list(held.findings) == ours


def test_the_report_command_writes_the_pack(municipality_db: Path, tmp_path: Path) -> None:
    # given the municipality's store
    out = tmp_path / "pack.html"
    # when the report command runs in English
    args = ["report", "--team", TEAM, "--period", PERIOD, "--db", str(municipality_db)]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--lang", "en"])
    # then the file is the pack, and a wrong language is refused
    assert result.exit_code == 0, result.output
    assert "written to" in result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert CliRunner().invoke(app, [*args, "--out", str(out), "--lang", "de"]).exit_code == 2


def test_the_demo_writes_a_pack_and_says_where(tmp_path: Path) -> None:
    # given an empty SQLite file path
    db = tmp_path / "demo.sqlite"
    # when the demo runs
    args = ["demo", "--db", str(db), "--citizens", "20", "--months", "2"]
    result = CliRunner().invoke(app, args)
    # then it wrote the first team's pack of the last month next to the store, and said so
    assert result.exit_code == 0, result.output
    pack = tmp_path / "erantis-demo-pack-team-001-2026-02.html"
    assert pack.is_file()
    assert f"Dialogue meeting pack: {pack}" in result.output.replace("\n", "")


def test_a_demo_on_a_temporary_store_writes_its_pack_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a working folder and no --db
    monkeypatch.chdir(tmp_path)
    # when the demo runs (its store is removed at the end)
    result = CliRunner().invoke(app, ["demo", "--citizens", "20", "--months", "2"])
    # then the pack is kept in the working folder, and the demo says where
    assert result.exit_code == 0, result.output
    pack = tmp_path / "erantis-demo-pack-team-001-2026-02.html"
    assert pack.is_file()
    assert "Dialogue meeting pack:" in result.output


def test_a_team_with_nothing_delivered_yet_still_gets_a_pack() -> None:
    # given a team with one citizen and no decision, visit or finding in the period
    from tests.factories import event

    with CaseStore.memory() as store:
        store.append([event("CaseOpened")])
        # when its pack is made and rendered
        empty = meeting_pack(store, "team-nord", "2026-10")
    pages = [render_html(empty, lang) for lang in ("da", "en")]
    # then the figures are zero or absent, and every section says so rather than failing
    assert (empty.ledger.frame_minutes, empty.ledger.delivered_minutes) == (0, 0)
    assert empty.current.carers_per_14_days is None and empty.findings_by_rule == ()
    assert "Ingen i perioden." in pages[0] and "None in the period." in pages[1]
    assert all(page.count("<svg ") == 4 for page in pages)  # no findings: no findings chart


def test_the_pack_shows_open_agreements_and_trials_without_their_text() -> None:
    # given a team whose September meeting agreed to lower the number of carers per citizen by
    # the end of the year, and a PDSA trial planned for it; visits by two carers in September
    # and by one in October
    from tests.factories import event

    visit = "VisitDelivered"
    history = [
        event("CaseOpened", occurred_at="2026-09-01T10:00:00+02:00"),
        event(visit, delivered_on="2026-09-02", carer_id="ssh-1", visit_id="v1"),
        event(visit, delivered_on="2026-09-03", carer_id="ssh-2", visit_id="v2"),
        event(visit, delivered_on="2026-10-02", carer_id="ssh-1", visit_id="v3"),
        event(
            "DialogueMeetingHeld",
            period="2026-09",
            held_on="2026-10-05",
            occurred_at="2026-10-05T10:00:00+02:00",
            agreements=[
                {
                    "text": "Secret agreement text",
                    "owner": "team_lead",
                    "due": "2026-12-31",
                    "indicator": "carers_per_14_days",
                }
            ],
        ),
        event(
            "ImprovementTrialRecorded",
            period="2026-09",
            on="2026-10-06",
            occurred_at="2026-10-06T10:00:00+02:00",
            note="Secret trial note",
        ),
    ]
    with CaseStore.memory() as store:
        store.append(history)
        # when the October pack is made
        pack = meeting_pack(store, "team-nord", "2026-10")
    pages = [render_html(pack, lang) for lang in ("da", "en")]
    # then the agreement is open, and its indicator went down from 2 carers to 1
    [agreement] = pack.open_agreements
    assert (agreement.owner, agreement.due, agreement.indicator) == (
        "team_lead",
        date(2026, 12, 31),
        "carers_per_14_days",
    )
    assert (agreement.then, agreement.now, agreement.moved) == (
        Decimal("2.00"),
        Decimal("1.00"),
        "down",
    )
    [trial] = pack.trials
    assert (trial.trial_id, trial.stage, trial.on) == ("pdsa-1", "plan", date(2026, 10, 6))
    # and both languages show them, never their free text
    assert 'id="agreements"' in pages[0] and 'id="trials"' in pages[1]
    assert "ned" in pages[0] and "down" in pages[1]
    assert not any("Secret" in page for page in pages)
