"""The meeting pack with one what-if beside the real figures: the period under other terms,
the alternative's figures on the page in both languages, nothing recorded, and the pack
without a what-if unchanged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from erantis_domain.store import CaseStore
from erantis_rules import Policy
from erantis_rules.cli import app
from erantis_rules.report import MeetingPack, meeting_pack, render_html
from erantis_rules.whatif import what_if
from tests.report.conftest import PERIOD, TEAM
from tests.test_cli import erantis

#: A band of 0 %: any variance at all is settled, so the alternative differs from the default.
NO_BAND = Policy.build(settlement_band_pct=0)
SECTION = re.compile(r'<section aria-labelledby="what-if">.*?</section>\n\n', re.S)


@pytest.fixture(scope="module")
def packs(municipality_db: Path) -> tuple[MeetingPack, MeetingPack]:
    """The pack of TEAM's PERIOD without and with the what-if; the store is left unchanged."""
    with CaseStore.sqlite(municipality_db) as store:
        before = store.last_position()
        plain = meeting_pack(store, TEAM, PERIOD)
        asked = meeting_pack(store, TEAM, PERIOD, what_if=NO_BAND)
        assert store.last_position() == before
    return plain, asked


def _row(page: str, terms: str) -> str:
    start = page.index(f'<tr data-terms="{terms}">')
    return page[start : page.index("</tr>", start)]


def test_the_pack_carries_the_alternatives_figures_when_asked(
    packs: tuple[MeetingPack, MeetingPack], municipality_db: Path
) -> None:
    # given the pack with a what-if under a 0 % band, and what_if over the same store
    plain, asked = packs
    with CaseStore.sqlite(municipality_db) as store:
        [row] = what_if(
            store, policy=NO_BAND, teams={TEAM}, periods={PERIOD}, findings=False
        ).periods
    # then the pack's comparison is what_if's, beside unchanged real figures
    assert plain.what_if is None
    assert asked.what_if == row
    assert asked.ledger == plain.ledger
    alternative = row.alternative
    assert alternative.band_pct == 0 and row.baseline.band_pct == plain.band_pct
    assert alternative.variance_pct != 0 and alternative.band != "inside"
    # and the English page shows the alternative's band, incentive and exposure in its row
    page = render_html(asked, "en")
    assert "What if: other terms" in page and "With a ±0.00 % band this team" in page
    shown = _row(page, "alternative")
    for value in (alternative.incentive_amount, alternative.provider_exposure):
        assert f'data-value="{value}"' in shown
    assert f"band-{alternative.band}" in shown
    assert f'data-value="{row.amount_difference}"' in page


def test_without_a_what_if_the_page_is_the_page_with_it_less_the_section(
    packs: tuple[MeetingPack, MeetingPack],
) -> None:
    # given the pack without and with the what-if
    plain, asked = packs
    for lang in ("da", "en"):
        # when both are drawn
        without, with_it = render_html(plain, lang), render_html(asked, lang)
        # then the page without it has no section, and is byte for byte the other less it
        assert 'id="what-if"' not in without
        assert len(SECTION.findall(with_it)) == 1
        assert SECTION.sub("", with_it) == without


def test_the_danish_page_has_the_what_if_in_danish(
    packs: tuple[MeetingPack, MeetingPack],
) -> None:
    # given the pack with the what-if, drawn in Danish
    _, asked = packs
    section = SECTION.findall(render_html(asked, "da"))[0]
    # then its words are Danish, figures in Danish notation, no English label left
    assert "Hvad nu hvis: andre vilkår" in section and "Med et bånd på ±0,00 %" in section
    assert "Gældende vilkår" in section and "Leverandørens risiko (kr.)" in section
    for english in ("What if", "Terms that apply", "Provider exposure", "Alternative", "with"):
        assert english not in section, english


def test_the_report_command_adds_the_what_if(municipality_db: Path, tmp_path: Path) -> None:
    # given an alternative policy file
    alternative = tmp_path / "band-0.toml"
    alternative.write_text("settlement_band_pct = 0\n", encoding="utf-8")
    args = ["report", "--team", TEAM, "--period", PERIOD, "--db", str(municipality_db)]
    # when the pack is written with --what-if, and with a file that is not there
    out = tmp_path / "pack.html"
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--what-if", str(alternative)])
    missing = erantis(*args, "--out", str(tmp_path / "x.html"), "--what-if", str(tmp_path / "no"))
    # then the pack has the section, and the missing file is refused by name
    assert result.exit_code == 0, result.output
    assert 'id="what-if"' in out.read_text(encoding="utf-8")
    assert missing.status == 2 and "--what-if: no such file" in missing.err
