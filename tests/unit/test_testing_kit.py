"""The shipped testing kit: the given/when/then helper and the strategies' knobs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest
from hypothesis import Phase, find, settings
from hypothesis import given as hypothesis_given
from hypothesis import strategies as st

import erantis_domain.testing as kit
from erantis_domain.commands import AdmitCitizen, DischargeCitizen, OpenCase
from erantis_domain.errors import CommandRejected, ErantisError
from erantis_domain.testing import (
    case_histories,
    events,
    given,
    municipalities,
    policies,
    team_periods,
)
from erantis_rules import Policy

AT = datetime(2026, 2, 1, 9, tzinfo=UTC)
WHO = {"actor_id": "visitator-1", "role": "visitator"}


def _open(n: int = 1) -> OpenCase:
    return OpenCase(
        event_id=UUID(int=n),
        case_id="case-0001",
        occurred_at=AT,
        recorded_by=WHO,
        team_id="team-1",
        municipality="0756",
    )


def _opened(n: int = 1, **changes: Any) -> dict[str, Any]:
    return {
        "type": "CaseOpened",
        **_open(n).model_dump(mode="json"),
        **changes,
    }


def test_every_public_name_exists_and_is_documented() -> None:
    for name in kit.__all__:
        value = getattr(kit, name)
        if callable(value):
            assert value.__doc__, name


def test_all_lists_exactly_the_public_names() -> None:
    public = {
        n for n, v in vars(kit).items() if not n.startswith("_") and not isinstance(v, type(kit))
    }
    assert public == set(kit.__all__)


def test_then_passes_on_equal_events_and_returns_them() -> None:
    decided = given().when(_open()).then([_opened()])
    assert [e.type for e in decided] == ["CaseOpened"]


def test_then_can_ignore_ids_and_times() -> None:
    other = _opened(99, occurred_at="2030-01-01T00:00:00+00:00")
    given().when(_open()).then([other], ignore=("event_id", "occurred_at"))


def test_then_fails_with_a_diff_naming_the_difference() -> None:
    with pytest.raises(AssertionError) as failure:
        given().when(_open()).then([_opened(municipality="0101")])
    text = str(failure.value)
    assert '-    "municipality": "0101"' in text
    assert '+    "municipality": "0756"' in text


def test_then_fails_when_the_number_of_events_differs() -> None:
    with pytest.raises(AssertionError):
        given().when(_open()).then([])


def test_then_raises_passes_on_the_error_and_its_code() -> None:
    discharge = DischargeCitizen(
        event_id=UUID(int=2), case_id="case-0001", occurred_at=AT, recorded_by=WHO
    )
    error = given(_opened()).when(discharge).then_raises(CommandRejected, code="E-COMMAND-REJECTED")
    assert isinstance(error, ErantisError)


def test_then_raises_fails_on_a_wrong_code_or_no_error() -> None:
    admit = AdmitCitizen(
        event_id=UUID(int=3), case_id="case-0001", occurred_at=AT, recorded_by=WHO,
        institution="Hospital",
    )  # fmt: skip
    with pytest.raises(AssertionError, match="decided"):
        given(_opened()).when(admit).then_raises(CommandRejected)
    with pytest.raises(AssertionError, match="expected code"):
        given(_opened(), [_opened(4)]).when(_open(5)).then_raises(CommandRejected, code="E-X")


def test_given_accepts_events_dicts_and_iterables() -> None:
    scenario = given(_opened(), [_opened(7)])
    assert len(scenario.history) == 2


@pytest.mark.parametrize(
    "make",
    [
        lambda: case_histories(violating={"FRM-004"}),
        lambda: case_histories(violating={"NOPE-1"}),
        lambda: case_histories(compliant=True, violating={"DOC-002"}),
        lambda: team_periods(violating={"DOC-001"}),
        lambda: events(types=["Nonsense"]),
        lambda: events(types=[]),
        lambda: policies(fields=["no_such_field"]),
        lambda: municipalities(n_cases=0),
    ],
)
def test_unsupported_knobs_raise_value_error(make: Any) -> None:
    with pytest.raises(ValueError):
        make().example()


@settings(max_examples=20, database=None)
@hypothesis_given(case_histories(case_id="case-0001", start=date(2026, 1, 5)))
def test_every_history_begins_with_the_intake_and_reaches_a_decision(history: Any) -> None:
    # Asserts what holds for every drawn history, not what shrinking reaches: how far
    # hypothesis shrinks depends on the machine's load.
    types = [e.type for e in history.events]
    assert types[:3] == ["CaseOpened", "ReferralReceived", "FunctionalAbilityAssessed"]
    assert {"VisitationGranted", "VisitationRejected"} & set(types)
    assert {e.case_id for e in history.events} == {"case-0001"}
    assert history.events[0].occurred_at.date() >= date(2026, 1, 5)
    assert history.as_of >= history.events[-1].occurred_at.date()


@pytest.mark.parametrize("rule", sorted(kit.SUPPORTED_CASE_VIOLATIONS))
@settings(max_examples=5, phases=[Phase.generate], database=None)
@hypothesis_given(data=st.data())
def test_each_supported_violation_can_be_generated(rule: str, data: st.DataObject) -> None:
    history = data.draw(case_histories(violating={rule}))
    assert history.violating == {rule}
    times = [e.occurred_at for e in history.events]
    assert times == sorted(times)


def test_policies_draw_known_fields_only() -> None:
    drawn = find(policies(), lambda p: len(p) >= 3)
    assert set(drawn) <= set(kit.POLICY_DEFAULTS)
    only = find(policies(fields=["rehab_max_weeks"]), lambda p: bool(p))
    assert set(only) == {"rehab_max_weeks"}
    assert Policy.from_mapping(only).rehab_max_weeks == only["rehab_max_weeks"]


def test_team_period_breaking_frm_007_is_unsettled_long_after_its_end() -> None:
    team = find(team_periods(violating={"FRM-007"}), lambda t: True)
    assert all(e.type != "PeriodSettled" for e in team.events)
    assert (team.as_of - date.fromisoformat(team.period + "-01")).days > 31


def test_municipality_cases_have_distinct_ids_and_one_as_of() -> None:
    town = find(municipalities(n_cases=3), lambda m: True)
    assert [h.case_id for h in town.cases] == ["case-0001", "case-0002", "case-0003"]
    assert {h.as_of for h in town.cases} == {town.as_of}
    ids = [e.event_id for e in town.all_events]
    assert len(ids) == len(set(ids))


def test_events_honours_types() -> None:
    event = find(events(types=["CaseClosed", "CitizenDischarged"]), lambda e: True)
    assert event.type in {"CaseClosed", "CitizenDischarged"}
