"""The pure ``decide(state, command) -> events`` of a citizen's case.

``decide`` enforces only *hard* invariants: what cannot meaningfully happen to the case as it
stands (revising a decision that does not exist, adjusting time on a decision that is not in
force, discharging a citizen who is not admitted, delivering a visit on a closed case). A
violation raises :class:`~erantis_domain.errors.CommandRejected` and decides nothing.

Questionable *practice* is not rejected here (a grant without goals, a delegation by an SSH, an
adjustment without the citizen): those become events, and the rules judge them.

``decide`` reads no clock and no store: the same state and command always give the same events.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from erantis_domain import commands as cmd
from erantis_domain.asof import business_day
from erantis_domain.case import CitizenCase
from erantis_domain.errors import CommandRejected
from erantis_domain.events import Event, parse_event

__all__ = ["decide"]

_Check = Callable[[CitizenCase, Any], None]
_CHECKS: dict[type[cmd.Command], _Check] = {}


def _checks(*kinds: type[cmd.Command]) -> Callable[[_Check], _Check]:
    def register(check: _Check) -> _Check:
        for kind in kinds:
            _CHECKS[kind] = check
        return check

    return register


def _reject(command: cmd.Command, reason: str) -> CommandRejected:
    return CommandRejected(f"{type(command).__name__} on case {command.case_id!r}: {reason}")


def _require_open(s: CitizenCase, c: cmd.Command, *, allow_closed: bool = False) -> None:
    if s.opened_on is None:
        raise _reject(c, "the case has not been opened")
    if not allow_closed and s.closed_on is not None:
        raise _reject(c, f"the case was closed on {s.closed_on.isoformat()}")


def _require_new_decision(s: CitizenCase, c: cmd.Command, decision_id: str) -> None:
    if decision_id in s.decisions:
        raise _reject(c, f"decision {decision_id!r} already exists")


@_checks(cmd.OpenCase)
def _open(s: CitizenCase, c: cmd.OpenCase) -> None:
    if s.opened_on is not None:
        raise _reject(c, "the case is already open")


@_checks(cmd.GrantVisitation, cmd.RejectVisitation)
def _grant_or_reject(s: CitizenCase, c: cmd.GrantVisitation | cmd.RejectVisitation) -> None:
    _require_open(s, c)
    _require_new_decision(s, c, c.decision_id)


@_checks(cmd.ReviseVisitation)
def _revise(s: CitizenCase, c: cmd.ReviseVisitation) -> None:
    _require_open(s, c)
    _require_new_decision(s, c, c.decision_id)
    earlier = s.decisions.get(c.revises)
    if earlier is None:
        raise _reject(c, f"decision {c.revises!r} to revise is unknown")
    if earlier.kind == "rejected":
        raise _reject(c, f"decision {c.revises!r} is a rejection; grant instead")
    if earlier.revised_by is not None:
        raise _reject(c, f"decision {c.revises!r} was already revised by {earlier.revised_by!r}")


@_checks(cmd.DeliverVisit, cmd.DelegateNursingTask, cmd.CloseCase)
def _open_case_only(s: CitizenCase, c: cmd.Command) -> None:
    _require_open(s, c)
    if isinstance(c, cmd.DelegateNursingTask) and c.delegation_id in s.delegations:
        raise _reject(c, f"delegation {c.delegation_id!r} already exists")


@_checks(cmd.AdjustTime)
def _adjust(s: CitizenCase, c: cmd.AdjustTime) -> None:
    _require_open(s, c)
    if c.decision_id not in s.decisions:
        raise _reject(c, f"decision {c.decision_id!r} is unknown")
    day = business_day(c.occurred_at)
    status = s.decision_status(c.decision_id, day)
    if status != "active":
        raise _reject(c, f"decision {c.decision_id!r} is {status} on {day.isoformat()}")
    if c.intervention not in s.decisions[c.decision_id].frame_minutes():
        raise _reject(c, f"decision {c.decision_id!r} grants no frame for {c.intervention}")


@_checks(cmd.SuspendDelegation, cmd.RevokeDelegation)
def _delegation_change(s: CitizenCase, c: cmd.SuspendDelegation | cmd.RevokeDelegation) -> None:
    _require_open(s, c, allow_closed=True)
    delegation = s.delegations.get(c.delegation_id)
    if delegation is None:
        raise _reject(c, f"delegation {c.delegation_id!r} is unknown")
    if delegation.status == "revoked":
        raise _reject(c, f"delegation {c.delegation_id!r} is already revoked")
    if isinstance(c, cmd.SuspendDelegation) and delegation.status == "suspended":
        raise _reject(c, f"delegation {c.delegation_id!r} is already suspended")


@_checks(cmd.RecordFollowUp)
def _follow_up(s: CitizenCase, c: cmd.RecordFollowUp) -> None:
    _require_open(s, c, allow_closed=True)
    if c.subject_id not in s.decisions and c.subject_id not in s.delegations:
        raise _reject(c, f"{c.subject_id!r} is neither a known decision nor a delegation")


@_checks(cmd.AdmitCitizen)
def _admit(s: CitizenCase, c: cmd.AdmitCitizen) -> None:
    _require_open(s, c)
    if s.admitted:
        raise _reject(c, "the citizen is already admitted")


@_checks(cmd.DischargeCitizen)
def _discharge(s: CitizenCase, c: cmd.DischargeCitizen) -> None:
    _require_open(s, c, allow_closed=True)
    if not s.admitted:
        raise _reject(c, "the citizen is not admitted")


def decide(state: CitizenCase, command: cmd.Command) -> list[Event]:
    """The events a command decides on a case, or :class:`CommandRejected` (pure).

    The event is validated like any incoming event, so a command whose fields cannot form a
    valid event (e.g. ``valid_until`` before ``valid_from``) raises
    :class:`~erantis_domain.errors.InvalidEventError`.
    """
    if command.case_id != state.case_id:
        raise _reject(command, f"the state is of case {state.case_id!r}")
    check = _CHECKS.get(type(command))
    if check is None:
        raise TypeError(f"decide does not know the command {type(command).__name__}")
    check(state, command)
    payload = command.model_dump(mode="json")
    payload["type"] = command.EVENT_TYPE
    return [parse_event(payload)]
