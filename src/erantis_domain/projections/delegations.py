"""The delegation register: who may carry out which nursing task for which citizen, on whose
delegation, and when the delegation must be followed up.

:class:`DelegationRegister` is a projection that keeps each case's state (folded by
:func:`~erantis_domain.case.evolve`, the one fold) and reads its delegations
(:class:`~erantis_domain.case.DelegationState`).

- A delegation is *active* from ``NursingTaskDelegated``, *suspended* after
  ``DelegationSuspended`` (e.g. on a hospital admission), *revoked* after ``DelegationRevoked``
  or a follow-up with outcome E3 (ended). Revoked is final; a new ``NursingTaskDelegated`` with
  the same id on the same case replaces the entry (a re-delegation, active again).
- The next follow-up is due on the delegation's ``follow_up_due`` until a follow-up is recorded;
  after a follow-up on day F it is due on F + ``follow_up_interval_days`` (policy default 90).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, TypeAdapter

from erantis_domain.case import CitizenCase, DelegationState, evolve
from erantis_domain.events import Event
from erantis_domain.projections.base import Projection
from erantis_domain.values import Role

__all__ = ["DelegationEntry", "DelegationRegister", "DelegationStatus", "DueFollowUp"]

DelegationStatus = Literal["active", "suspended", "revoked"]


class DelegationEntry(BaseModel):
    """One delegation in the register."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str
    delegation_id: str
    task: str
    kind: Literal["concrete", "framework"]
    delegator_id: str
    delegator_role: Role
    delegate_id: str
    delegate_role: Role
    delegated_on: date
    follow_up_due: date
    status: DelegationStatus = "active"
    status_since: date
    last_follow_up: date | None = None
    last_outcome: Literal["E1", "E2", "E3", "E4"] | None = None


@dataclass(frozen=True, slots=True)
class DueFollowUp:
    """A delegation whose follow-up is due on ``due`` (``overdue`` when before the date asked)."""

    entry: DelegationEntry
    due: date
    overdue: bool


_STATE = TypeAdapter(dict[str, CitizenCase])


class DelegationRegister(Projection):
    """Projection: every nursing-task delegation by case and delegation id."""

    name = "delegation-register"
    state_version = 2

    def __init__(self, *, follow_up_interval_days: int = 90) -> None:
        super().__init__()
        if follow_up_interval_days < 1:
            raise ValueError("follow_up_interval_days must be at least 1")
        self.follow_up_interval_days = follow_up_interval_days
        self._cases: dict[str, CitizenCase] = {}
        #: The register read off the case states: case id -> delegation id -> entry.
        self._entries: dict[str, dict[str, DelegationEntry]] = {}

    def apply_event(self, event: Event) -> None:
        """Fold a case event into its case's state; team events are ignored."""
        if event.case_id is None:
            return
        state = self._cases.get(event.case_id) or CitizenCase(case_id=event.case_id)
        state = evolve(state, event)
        self._cases[event.case_id] = state
        if state.delegations:
            self._entries[event.case_id] = {
                delegation_id: _entry(state.case_id, delegation)
                for delegation_id, delegation in state.delegations.items()
            }

    def _state_to_json(self) -> Any:
        return _STATE.dump_python(self._cases, mode="json")

    def _state_from_json(self, data: Any) -> None:
        self._cases = _STATE.validate_python(data)
        self._entries = {
            case_id: {d: _entry(case_id, delegation) for d, delegation in state.delegations.items()}
            for case_id, state in self._cases.items()
            if state.delegations
        }

    # --- queries ----------------------------------------------------------------------------

    def entries(self, status: DelegationStatus | None = None) -> list[DelegationEntry]:
        """Every delegation (or those of one status), by case id then delegation id."""
        return [
            entry
            for case_id in sorted(self._entries)
            for _, entry in sorted(self._entries[case_id].items())
            if status is None or entry.status == status
        ]

    def get(self, case_id: str, delegation_id: str) -> DelegationEntry | None:
        """One delegation, if registered."""
        return self._entries.get(case_id, {}).get(delegation_id)

    def active_by_delegate(self) -> dict[str, list[DelegationEntry]]:
        """Active delegations grouped by the delegate (the SSA/SSH who carries out the task)."""
        return _group(self.entries("active"), "delegate_id")

    def active_by_delegator(self) -> dict[str, list[DelegationEntry]]:
        """Active delegations grouped by the delegating nurse."""
        return _group(self.entries("active"), "delegator_id")

    def suspended(self) -> list[DelegationEntry]:
        """Suspended delegations (they must not be carried out until delegated again)."""
        return self.entries("suspended")

    def next_follow_up(self, entry: DelegationEntry) -> date:
        """When the delegation's next follow-up is due."""
        if entry.last_follow_up is None:
            return entry.follow_up_due
        return entry.last_follow_up + timedelta(days=self.follow_up_interval_days)

    def follow_ups_due(self, on: date, within_days: int) -> list[DueFollowUp]:
        """Active and suspended delegations whose next follow-up is due on or before
        ``on + within_days`` (overdue ones included), earliest first."""
        horizon = on + timedelta(days=within_days)
        due = [
            DueFollowUp(entry, when, when < on)
            for entry in self.entries()
            if entry.status != "revoked" and (when := self.next_follow_up(entry)) <= horizon
        ]
        return sorted(due, key=lambda d: (d.due, d.entry.case_id, d.entry.delegation_id))


def _entry(case_id: str, d: DelegationState) -> DelegationEntry:
    return DelegationEntry(
        case_id=case_id,
        delegation_id=d.delegation_id,
        task=d.task,
        kind=d.kind,
        delegator_id=d.delegator_id,
        delegator_role=d.delegator_role,
        delegate_id=d.delegate_id,
        delegate_role=d.delegate_role,
        delegated_on=d.delegated_on,
        follow_up_due=d.follow_up_due,
        status=d.status,
        status_since=d.status_since or d.delegated_on,
        last_follow_up=d.last_follow_up,
        last_outcome=d.last_outcome,
    )


def _group(entries: list[DelegationEntry], key: str) -> dict[str, list[DelegationEntry]]:
    grouped: dict[str, list[DelegationEntry]] = {}
    for entry in entries:
        grouped.setdefault(getattr(entry, key), []).append(entry)
    return dict(sorted(grouped.items()))
