"""decide(): each command decides its event, and each hard invariant refuses the command."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from erantis_domain.case import fold
from erantis_domain.commands import (
    COMMAND_TYPES,
    AdjustTime,
    AdmitCitizen,
    CloseCase,
    Command,
    DelegateNursingTask,
    DeliverVisit,
    DischargeCitizen,
    GrantVisitation,
    OpenCase,
    RecordFollowUp,
    RejectVisitation,
    ReviseVisitation,
    RevokeDelegation,
    SuspendDelegation,
)
from erantis_domain.decide import decide
from erantis_domain.errors import CommandRejected, InvalidEventError
from erantis_domain.events import EVENT_TYPES, Event, VisitationGranted, parse_event
from erantis_domain.testing import given

CASE = "case-0001"
TEAM = "team-1"
BASIS = {"act": "SEL", "paragraph": "83", "regime": "SEL-2024"}
_n = 0


def _common(day: date) -> dict[str, Any]:
    global _n
    _n += 1
    return {
        "event_id": UUID(int=_n),
        "case_id": CASE,
        "occurred_at": datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
        "recorded_by": {"actor_id": "visitator-1", "role": "visitator"},
    }


def command(kind: type[Command], day: date = date(2026, 2, 2), /, **fields: Any) -> Any:
    """A command of ``kind`` on ``day`` with sensible defaults for its fields."""
    defaults: dict[type[Command], dict[str, Any]] = {
        OpenCase: {"team_id": TEAM, "municipality": "0756"},
        GrantVisitation: {
            "decision_id": "d-1",
            "legal_basis": BASIS,
            "frames": [{"intervention": "H1.1", "minutes": 120, "per": "week"}],
            "goals": ["Klarer selv morgenhygiejne"],
            "valid_from": day,
            "follow_up_due": date(2026, 8, 1),
            "team_id": TEAM,
            "reasons": "Behov for hjælp",
            "complaint_guidance": True,
        },
        RejectVisitation: {
            "decision_id": "r-1",
            "legal_basis": BASIS,
            "reasons": "Behovet dækkes",
            "complaint_guidance": True,
        },
        DeliverVisit: {
            "visit_id": "v-1",
            "team_id": TEAM,
            "carer_id": "carer-1",
            "carer_role": "ssh",
            "intervention": "H1.1",
            "minutes": 20,
            "delivered_on": day,
        },
        AdjustTime: {
            "decision_id": "d-1",
            "intervention": "H1.1",
            "delta_minutes": 10,
            "reason": "",
            "citizen_involved": True,
            "team_id": TEAM,
        },
        DelegateNursingTask: {
            "delegation_id": "del-1",
            "task": "G1.20",
            "kind": "concrete",
            "delegator_id": "nurse-1",
            "delegator_role": "nurse",
            "delegate_id": "carer-1",
            "delegate_role": "ssa",
            "competence_verified": True,
            "follow_up_due": date(2026, 4, 1),
        },
        SuspendDelegation: {"delegation_id": "del-1", "reason": "indlagt"},
        RevokeDelegation: {"delegation_id": "del-1", "reason": ""},
        RecordFollowUp: {"subject_id": "d-1", "outcome": "E1"},
        AdmitCitizen: {"institution": "Regionshospitalet"},
        DischargeCitizen: {},
        CloseCase: {"reason": "flyttet"},
    }
    if kind is ReviseVisitation:
        base = {**defaults[GrantVisitation], "decision_id": "d-2", "revises": "d-1"}
    else:
        base = defaults[kind]
    return kind.model_validate({**_common(day), **base, **fields})


def event_of(cmd: Command) -> Event:
    """The event a command is expected to decide: its fields under the event's type."""
    return parse_event({**cmd.model_dump(mode="json"), "type": cmd.EVENT_TYPE})


def history(*commands: Command) -> list[Event]:
    return [event_of(c) for c in commands]


OPENED = command(OpenCase, date(2026, 2, 1))
GRANTED = command(GrantVisitation, date(2026, 2, 1))
DELEGATED = command(DelegateNursingTask, date(2026, 2, 1))
ADMITTED = command(AdmitCitizen, date(2026, 2, 3))
CLOSED = command(CloseCase, date(2026, 2, 3))


def test_every_command_decides_its_own_event_type() -> None:
    assert {c.EVENT_TYPE for c in COMMAND_TYPES.values()} <= EVENT_TYPES.keys()
    assert len({c.EVENT_TYPE for c in COMMAND_TYPES.values()}) == len(COMMAND_TYPES)


@pytest.mark.parametrize(
    ("past", "cmd"),
    [
        ([], command(OpenCase)),
        ([OPENED], command(GrantVisitation)),
        ([OPENED, GRANTED], command(ReviseVisitation)),
        ([OPENED], command(RejectVisitation)),
        ([OPENED, GRANTED], command(DeliverVisit)),
        ([OPENED, GRANTED], command(AdjustTime)),
        ([OPENED], command(DelegateNursingTask)),
        ([OPENED, DELEGATED], command(SuspendDelegation)),
        ([OPENED, DELEGATED], command(RevokeDelegation)),
        ([OPENED, GRANTED], command(RecordFollowUp)),
        ([OPENED, DELEGATED], command(RecordFollowUp, subject_id="del-1")),
        ([OPENED], command(AdmitCitizen)),
        ([OPENED, ADMITTED], command(DischargeCitizen, date(2026, 2, 5))),
        ([OPENED], command(CloseCase)),
        ([OPENED, DELEGATED, CLOSED], command(RevokeDelegation, date(2026, 2, 4))),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Command) else "",
)
def test_a_command_on_a_case_that_allows_it_decides_one_event(
    past: list[Command], cmd: Command
) -> None:
    given(history(*past)).when(cmd).then([event_of(cmd)])


@pytest.mark.parametrize(
    ("past", "cmd", "why"),
    [
        ([OPENED], command(OpenCase), "already open"),
        ([], command(GrantVisitation), "not been opened"),
        ([OPENED, GRANTED], command(GrantVisitation), "already exists"),
        ([OPENED, GRANTED, CLOSED], command(GrantVisitation, decision_id="d-9"), "closed"),
        ([OPENED], command(ReviseVisitation), "unknown"),
        (
            [OPENED, GRANTED, command(ReviseVisitation)],
            command(ReviseVisitation, decision_id="d-3"),
            "already revised",
        ),
        (
            [OPENED, command(RejectVisitation)],
            command(ReviseVisitation, revises="r-1"),
            "rejection",
        ),
        ([OPENED, GRANTED, CLOSED], command(DeliverVisit, date(2026, 2, 4)), "closed"),
        ([OPENED], command(AdjustTime), "unknown"),
        ([OPENED, GRANTED], command(AdjustTime, date(2026, 1, 30)), "pending"),
        ([OPENED, GRANTED, command(ReviseVisitation)], command(AdjustTime), "revised"),
        ([OPENED, GRANTED], command(AdjustTime, intervention="H1.2"), "no frame"),
        ([OPENED, DELEGATED], command(DelegateNursingTask), "already exists"),
        ([OPENED], command(SuspendDelegation), "unknown"),
        ([OPENED], command(RevokeDelegation), "unknown"),
        (
            [OPENED, DELEGATED, command(SuspendDelegation)],
            command(SuspendDelegation),
            "already suspended",
        ),
        (
            [OPENED, DELEGATED, command(RevokeDelegation)],
            command(SuspendDelegation),
            "already revoked",
        ),
        ([OPENED], command(RecordFollowUp, subject_id="nothing-1"), "neither"),
        ([OPENED, ADMITTED], command(AdmitCitizen), "already admitted"),
        ([OPENED], command(DischargeCitizen), "not admitted"),
        ([OPENED, CLOSED], command(CloseCase), "closed"),
    ],
)
def test_a_command_breaking_a_hard_invariant_is_rejected(
    past: list[Command], cmd: Command, why: str
) -> None:
    error = given(history(*past)).when(cmd).then_raises(CommandRejected, code="E-COMMAND-REJECTED")
    assert why in str(error)


def test_a_command_of_another_case_is_rejected() -> None:
    other = command(GrantVisitation).model_copy(update={"case_id": "case-0002"})
    state = given(history(OPENED)).state(CASE)
    with pytest.raises(CommandRejected, match="case-0002"):
        decide(state, other)


def test_a_questionable_practice_is_decided_not_rejected() -> None:
    # a grant without goals, reasons or guidance is a fact for the rules to judge
    sloppy = command(GrantVisitation, goals=[], reasons="", complaint_guidance=False)
    given(history(OPENED)).when(sloppy).then([event_of(sloppy)])
    # so is a delegation by an SSH to an unverified delegate without instruction
    odd = command(
        DelegateNursingTask, delegator_role="ssh", competence_verified=False, kind="framework"
    )
    given(history(OPENED)).when(odd).then([event_of(odd)])


def test_a_command_that_cannot_form_a_valid_event_raises_invalid_event() -> None:
    backwards = command(GrantVisitation, valid_until=date(2026, 1, 1))
    given(history(OPENED)).when(backwards).then_raises(InvalidEventError)


def test_decide_is_pure_and_deterministic() -> None:
    state = fold(CASE, history(OPENED, GRANTED))
    before = state.model_dump()
    cmd = command(AdjustTime)
    assert decide(state, cmd) == decide(state, cmd)
    assert state.model_dump() == before


AEL_10 = {"act": "AEL", "paragraph": "10", "regime": "AEL-2025"}


def test_an_ael_10_grant_naming_its_care_course_needs_no_frames() -> None:
    # given an open case, when a §10 grant names its forløb and no minutes
    course = command(
        GrantVisitation, date(2026, 2, 2), legal_basis=AEL_10, frames=[], care_course="forloeb-1"
    )
    # then it decides a grant that carries the course, and the case holds it
    (granted,) = given(history(OPENED)).when(course).then([event_of(course)])
    assert isinstance(granted, VisitationGranted)
    assert granted.care_course == "forloeb-1"
    assert granted.frames == ()
    state = fold(CASE, [*history(OPENED), granted])
    assert state.decisions["d-1"].care_course == "forloeb-1"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"legal_basis": AEL_10}, "must name its care course"),
        ({"care_course": "forloeb-1"}, "at least 1 item"),
    ],
    ids=["ael-10-without-course", "sel-83-with-course"],
)
def test_a_grant_without_frames_and_without_a_10_course_is_refused_at_frames(
    fields: dict[str, Any], error: str
) -> None:
    # given a grant with no frames that is not a §10 grant naming its course
    # when the command is built, then it is refused where the events refuse it: at frames
    with pytest.raises(ValidationError) as raised:
        command(GrantVisitation, frames=[], **fields)
    (detail,) = raised.value.errors()
    assert detail["loc"] == ("frames",)
    assert error in detail["msg"]
