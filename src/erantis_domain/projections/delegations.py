"""The delegation register: who may carry out which nursing task for which citizen, on whose
delegation, and when the delegation must be followed up.

:class:`DelegationRegister` is a projection built from the delegation events themselves
(``NursingTaskDelegated``, ``DelegationSuspended``, ``DelegationRevoked``, ``FollowUpRecorded``),
because the register needs the delegating nurse (``delegator_id``), which the case state does
not keep.

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

from erantis_domain import events as ev
from erantis_domain.asof import business_day
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


_STATE = TypeAdapter(dict[str, dict[str, DelegationEntry]])


class DelegationRegister(Projection):
    """Projection: every nursing-task delegation by case and delegation id."""

    name = "delegation-register"
    state_version = 1

    def __init__(self, *, follow_up_interval_days: int = 90) -> None:
        super().__init__()
        if follow_up_interval_days < 1:
            raise ValueError("follow_up_interval_days must be at least 1")
        self.follow_up_interval_days = follow_up_interval_days
        self._entries: dict[str, dict[str, DelegationEntry]] = {}

    def apply_event(self, event: Event) -> None:
        """Fold one delegation or follow-up event; others are ignored."""
        if isinstance(event, ev.NursingTaskDelegated):
            day = business_day(event.occurred_at)
            self._entries.setdefault(event.case_id, {})[event.delegation_id] = DelegationEntry(
                case_id=event.case_id,
                delegation_id=event.delegation_id,
                task=event.task,
                kind=event.kind,
                delegator_id=event.delegator_id,
                delegator_role=event.delegator_role,
                delegate_id=event.delegate_id,
                delegate_role=event.delegate_role,
                delegated_on=day,
                follow_up_due=event.follow_up_due,
                status_since=day,
            )
        elif isinstance(event, ev.DelegationSuspended | ev.DelegationRevoked):
            status: DelegationStatus = (
                "suspended" if isinstance(event, ev.DelegationSuspended) else "revoked"
            )
            self._update(event.case_id, event.delegation_id, event, {"status": status})
        elif isinstance(event, ev.FollowUpRecorded):
            changes: dict[str, Any] = {
                "last_follow_up": business_day(event.occurred_at),
                "last_outcome": event.outcome,
            }
            if event.outcome == "E3":
                changes["status"] = "revoked"
            self._update(event.case_id, event.subject_id, event, changes)

    def _update(
        self, case_id: str, delegation_id: str, event: ev.CaseEvent, changes: dict[str, Any]
    ) -> None:
        entry = self._entries.get(case_id, {}).get(delegation_id)
        if entry is None or entry.status == "revoked":
            return
        if "status" in changes and changes["status"] != entry.status:
            changes["status_since"] = business_day(event.occurred_at)
        self._entries[case_id][delegation_id] = entry.model_copy(update=changes)

    def _state_to_json(self) -> Any:
        return _STATE.dump_python(self._entries, mode="json")

    def _state_from_json(self, data: Any) -> None:
        self._entries = _STATE.validate_python(data)

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


def _group(entries: list[DelegationEntry], key: str) -> dict[str, list[DelegationEntry]]:
    grouped: dict[str, list[DelegationEntry]] = {}
    for entry in entries:
        grouped.setdefault(getattr(entry, key), []).append(entry)
    return dict(sorted(grouped.items()))
