"""Private: the plan of one generated case history, drawn step by step, finished at an ``as_of``.

A :class:`CasePlan` collects event payloads on days (not yet events) so that follow-ups can be
inserted where they belong once ``as_of`` is known, and so that several plans can share one
``as_of`` (a municipality). :meth:`CasePlan.finish` sorts the payloads causally, gives them
stable event ids and business times and validates them through
:func:`~erantis_domain.events.parse_event`.

The compliant recipe keeps clear of every rule with margins, so small differences of reading at
a boundary cannot turn it into a finding: delivered minutes stay under 80 % of the frame counted
up to the day of the visit, adjustments within 5 % of the frame, at most six carers, follow-ups
recorded by their due date, delegations suspended on the day of an admission.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from erantis_domain.events import Event, parse_event
from erantis_domain.values import period_bounds
from erantis_rules.policy import Policy

__all__ = ["CasePlan", "Decision", "settlement_events"]

_IDS = uuid5(NAMESPACE_URL, "https://erantis.dk/testing")
_LAST = 10**9  # sequence of the closing event: last of its day

# The policy's defaults (Policy is their one home): follow-ups are planned inside them.
CASE_FOLLOW_UP_MAX_DAYS = Policy().case_follow_up_max_days
DELEGATION_FOLLOW_UP_MAX_DAYS = Policy().delegation_follow_up_max_days


@dataclass
class Decision:
    """A granting decision as the plan tracks it."""

    decision_id: str
    day: date
    frames: list[tuple[str, int, str]]  # (intervention, minutes, per)
    valid_from: date
    valid_until: date | None
    follow_up_due: date
    revised_from: date | None = None
    adjusted: dict[str, int] = field(default_factory=dict)

    def active(self, day: date) -> bool:
        """Whether the frame counts on ``day``."""
        if day < self.valid_from or (self.valid_until is not None and day > self.valid_until):
            return False
        return self.revised_from is None or day < self.revised_from


@dataclass
class CasePlan:
    """Payloads of one case on days, plus what :meth:`finish` needs to know."""

    case_id: str
    team_id: str
    items: list[tuple[date, int, dict[str, Any]]] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    #: subject id -> (day, due, kind) for follow-ups; kind "decision" or "delegation".
    subjects: dict[str, tuple[date, date, str]] = field(default_factory=dict)
    no_follow_up: set[str] = field(default_factory=set)
    delivered: dict[tuple[date, str], int] = field(default_factory=dict)
    closed_on: date | None = None
    min_as_of: date = date.min

    # --- building --------------------------------------------------------------------------

    def add(self, day: date, kind: str, role: str, /, **fields: Any) -> None:
        """Plan an event of ``kind`` on ``day`` recorded by someone in ``role``."""
        seq = _LAST if kind == "CaseClosed" else len(self.items)
        payload = {"type": kind, "case_id": self.case_id, **fields}
        payload["recorded_by"] = {"actor_id": f"{role}-1", "role": role}
        self.items.append((day, seq, payload))

    @property
    def last_day(self) -> date:
        """Day of the latest planned event."""
        return max(day for day, _, _ in self.items)

    def active(self, day: date) -> list[Decision]:
        """Decisions whose frames count on ``day``."""
        return [d for d in self.decisions if d.active(day)]

    def frame_until(self, day: date) -> Decimal:
        """Frame minutes counted in ``day``'s month from its first day up to ``day``
        (a lower bound of what any proration of the month grants)."""
        first, last = period_bounds(day.strftime("%Y-%m"))
        total = Decimal(0)
        for offset in range((day - first).days + 1):
            current = first + timedelta(days=offset)
            for decision in self.active(current):
                for _, minutes, per in decision.frames:
                    divisor = 7 if per == "week" else last.day
                    total += Decimal(minutes) / divisor
        return total

    def delivered_in(self, month: str) -> int:
        """Minutes delivered in a ``YYYY-MM`` month."""
        return sum(m for (day, _), m in self.delivered.items() if day.strftime("%Y-%m") == month)

    def visit_budget(self, day: date, share: Decimal = Decimal("0.8")) -> int:
        """Minutes that may still be delivered on ``day`` within ``share`` of the frame."""
        used = self.delivered_in(day.strftime("%Y-%m"))
        return int(self.frame_until(day) * share) - used

    def deliver(self, day: date, visit_no: int, carer: str, code: str, minutes: int) -> None:
        """Plan a visit and count its minutes."""
        self.delivered[(day, f"v{visit_no}")] = minutes
        self.add(
            day,
            "VisitDelivered",
            "ssh",
            visit_id=f"{self.case_id}-v{visit_no}",
            team_id=self.team_id,
            carer_id=carer,
            carer_role="ssh",
            intervention=code,
            minutes=minutes,
            delivered_on=day.isoformat(),
        )

    # --- finishing -------------------------------------------------------------------------

    def _follow_ups(self, as_of: date) -> None:
        end = self.closed_on if self.closed_on is not None else as_of
        for subject, (day, due, kind) in self.subjects.items():
            if subject in self.no_follow_up:
                continue
            limit = CASE_FOLLOW_UP_MAX_DAYS if kind == "decision" else DELEGATION_FOLLOW_UP_MAX_DAYS
            next_due = min(due, day + timedelta(days=limit))
            role = "visitator" if kind == "decision" else "nurse"
            while next_due <= as_of:
                on = min(next_due, end)
                self.add(on, "FollowUpRecorded", role, subject_id=subject, outcome="E1", note="")
                if on == end:
                    break
                next_due = on + timedelta(days=limit)

    def finish(self, as_of: date) -> tuple[Event, ...]:
        """Insert the follow-ups due by ``as_of`` and build the events, causally ordered."""
        self._follow_ups(as_of)
        ordered = sorted(self.items, key=lambda item: (item[0], item[1]))
        out: list[Event] = []
        previous: date | None = None
        minute = 0
        for index, (day, _, payload) in enumerate(ordered):
            minute = minute + 1 if day == previous else 0
            previous = day
            at = datetime.combine(day, time(7), UTC) + timedelta(minutes=minute)
            body = {
                **payload,
                "event_id": str(uuid5(_IDS, f"{self.case_id}/{index}")),
                "occurred_at": at.isoformat(),
            }
            out.append(parse_event(body))
        return tuple(out)


def _months(first: date, last: date) -> list[str]:
    months: list[str] = []
    current = first.replace(day=1)
    while current <= last:
        months.append(current.strftime("%Y-%m"))
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def settlement_events(
    team_id: str, plans: list[CasePlan], as_of: date, settle_after_days: int
) -> tuple[Event, ...]:
    """``PeriodSettled`` for every month of the plans' decisions that ended before ``as_of``,
    settled ``settle_after_days`` after the month (or on ``as_of`` if that comes first)."""
    starts = [d.valid_from for p in plans for d in p.decisions]
    if not starts:
        return ()
    out: list[Event] = []
    for month in _months(min(starts), as_of):
        _, last = period_bounds(month)
        if last >= as_of:
            continue
        granted = int(sum((p.frame_until(last) for p in plans), Decimal(0)))
        delivered = sum(p.delivered_in(month) for p in plans)
        variance = (
            Decimal(delivered - granted) * 100 / granted
            if granted
            else Decimal(100 * bool(delivered))
        ).quantize(Decimal("0.0001"))
        band = "inside" if abs(variance) <= 5 else ("overspend" if variance > 0 else "underspend")
        gain = Decimal(max(granted - delivered, 0)) * Decimal("8.50") / 2
        incentive = (gain if band == "underspend" else Decimal(0)).quantize(Decimal("0.01"))
        day = min(last + timedelta(days=settle_after_days), as_of)
        at = datetime.combine(day, time(12), UTC)
        body = {
            "type": "PeriodSettled",
            "event_id": str(uuid5(_IDS, f"{team_id}/{month}/settled")),
            "occurred_at": at.isoformat(),
            # Only the system or a controller settles (the default append policy).
            "recorded_by": {"actor_id": "erantis", "role": "system"},
            "team_id": team_id,
            "period": month,
            "granted_minutes": granted,
            "delivered_minutes": delivered,
            "variance_pct": str(variance),
            "band": band,
            "incentive_amount": str(incentive),
        }
        out.append(parse_event(body))
    return tuple(out)
