"""The Danish meeting pack entirely in Danish: every rule's title and message in Danish (the
catalogue and its Danish mapping side by side), references without English notes or policy
parameter names, figures and periods written the same in the charts as in the tables, and the
frame line across whole months."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from matplotlib.patches import StepPatch

from erantis_domain.store import CaseStore
from erantis_rules import catalogue
from erantis_rules.report import MeetingPack, meeting_pack, render_html
from erantis_rules.report._charts import frame_figure
from erantis_rules.report._danish import RULES_DA, danish_reference
from erantis_rules.report._labels import labels
from tests.report.conftest import PERIOD, TEAM

#: Words of the English references and titles that must not reach a Danish page.
ENGLISH = re.compile(
    r"\b(Policy|the|of|before|without|need|needs|Transition|unverified|overdue|granted)\b"
)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.fixture(scope="module")
def pack(municipality_db: Path) -> MeetingPack:
    with CaseStore.sqlite(municipality_db) as store:
        return meeting_pack(store, TEAM, PERIOD)


@pytest.fixture(scope="module")
def page(pack: MeetingPack) -> str:
    return render_html(pack, "da")


def test_every_rule_has_a_danish_title_and_message_with_the_same_placeholders() -> None:
    # given the catalogue and its Danish mapping
    rules = {rule.id: rule for rule in catalogue()}
    # then they name the same rules, and each Danish message fills the same placeholders
    assert set(RULES_DA) == set(rules)
    for rule_id, (title, message) in RULES_DA.items():
        assert title and title != rules[rule_id].title, rule_id
        assert _fields(message) == _fields(rules[rule_id].message), rule_id


def test_every_reference_of_the_catalogue_comes_out_in_danish() -> None:
    # given every reference a rule can cite (its own and those under each regime)
    references = {
        reference
        for rule in catalogue()
        for reference in (rule.legal_reference, *(rule.by_regime or {}).values())
    }
    for reference in references:
        # when it is put into Danish
        danish = danish_reference(reference)
        # then no English note and no policy parameter name is left
        assert not ENGLISH.search(danish), (reference, danish)
        assert not re.search(r"\b[a-z]+_[a-z0-9_]+\b", danish), (reference, danish)


def test_the_danish_page_shows_danish_titles_and_references(pack: MeetingPack, page: str) -> None:
    # given a pack with findings and a due list
    assert pack.findings_by_rule and pack.due
    # then no English title, and no policy parameter name, is on the Danish page
    for rule in catalogue():
        assert rule.title not in page, rule.id
    assert "Policy" not in page and not re.search(r">[^<]*\b[a-z]+_[a-z_]+\b[^<]*<", page)
    shown = {row.rule_id for row in pack.findings_by_rule} | {i.rule_id for i in pack.due}
    for rule_id in shown:
        assert RULES_DA[rule_id][0] in page, rule_id


def _chart_texts(page: str) -> list[str]:
    charts = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    assert len(charts) >= 4
    return [
        text.strip()
        for chart in charts
        for text in re.findall(r"<text\b[^>]*>([^<]*)</text>", chart)
        if text.strip()
    ]


def test_charts_write_figures_and_periods_as_the_tables_do(pack: MeetingPack, page: str) -> None:
    # given the charts of the Danish page
    texts = _chart_texts(page)
    assert texts
    # then no decimal point (3.01) and no short period (26-01): 3,01 and 2026-01 as the tables
    assert not [t for t in texts if re.search(r"\d\.\d{1,2}(?!\d)", t)], texts
    assert not [t for t in texts if re.fullmatch(r"\d{2}-\d{2}", t)], texts
    assert {i.period for i in pack.indicators} <= set(texts)


def test_the_frame_line_and_the_band_cover_whole_months(pack: MeetingPack) -> None:
    # given the frame chart of a pack with several months
    t = labels("da")
    figure = frame_figure(pack, t)
    [axes] = figure.axes
    months = len(pack.months)
    assert months >= 2
    # when its step lines (the frame and the band) are taken
    steps = {patch.get_label(): patch for patch in axes.patches if isinstance(patch, StepPatch)}
    # then each runs from the start of the first month to the end of the last
    for label in (t["frame"], t["band"]):
        edges = list(steps[label].get_data().edges)
        assert edges == [x - 0.5 for x in range(months + 1)], label
