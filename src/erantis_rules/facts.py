"""The fold: one citizen's case (or one team period) becomes a few compact derived facts.

Rules never see raw events. Each case is folded once, in Python, into facts that each rule
judges against the policy: per decision, per follow-up, per rehabilitation course, per
delegation, per admission that met an active delegation, per adjusted frame, per time
adjustment, per uncovered visit, one continuity summary, plus the ``as_of`` clock. Sums and
windows are computed here; thresholds and absence are judged by the rules.

A fact is a flat ``dict`` of scalars (dates as proleptic ordinals) with ``t`` naming its kind.
Evidence (event ids) rides along under ``_ev`` and never goes to the durable engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from erantis_domain import events as ev
from erantis_domain.projections.budget import BudgetLedger
from erantis_domain.projections.terms import SettlementTerms
from erantis_domain.values import period_bounds

__all__ = ["CaseFacts", "CaseFold", "Fact", "TeamLoad", "fold_case", "team_facts"]

Fact = dict[str, Any]


@dataclass(slots=True)
class TeamLoad:
    """A case's contribution to its teams' settlement periods per ``(team_id, period)``: its
    frame minutes as the settlement ledger counts them (granted frames prorated by the days
    they count, plus team adjustments, less hospital stays) and its delivered minutes."""

    granted: dict[tuple[str, str], int] = field(default_factory=dict)
    delivered: dict[tuple[str, str], int] = field(default_factory=dict)


@dataclass(slots=True)
class CaseFacts:
    """The derived facts of one case, and what it adds to its teams."""

    case_id: str
    facts: list[Fact]
    load: TeamLoad


@dataclass(slots=True)
class _Decision:
    event: ev.VisitationGranted | ev.VisitationRevised | ev.VisitationRejected
    on: int
    fact: Fact
    replaced_from: int = 0  # ordinal of the successor's valid_from; 0 while not revised


def _frames(event: ev.VisitationGranted | ev.VisitationRevised) -> dict[str, tuple[int, str]]:
    out: dict[str, tuple[int, str]] = {}
    for frame in event.frames:
        minutes, _ = out.get(frame.intervention, (0, frame.per))
        out[frame.intervention] = (minutes + frame.minutes, frame.per)
    return out


class CaseFold:
    """The fold of one case, applied event by event (in ``occurred_at`` order).

    :meth:`facts` gives the derived facts at any point. Visits, most of a case's events, are
    folded incrementally (team load, coverage, continuity window), so a long-running
    :class:`~erantis_rules.RuleEngine` can add one event without refolding the case. An event
    older than the last one applied cannot be applied: refold the case instead.
    """

    def __init__(
        self,
        case_id: str,
        *,
        window_days: int,
        until: date,
        terms: SettlementTerms | None = None,
    ) -> None:
        self.case_id = case_id
        self.window_days = window_days
        self.until = until
        self.terms = terms or SettlementTerms()
        # The settlement's own ledger, for this case only: team frames are the ledger's.
        self._ledger = BudgetLedger()
        self._team_ids: set[str] = set()
        self._first_day: date | None = None
        #: ``occurred_at`` of the last event applied (events must come in this order).
        self.last: Any = None
        self._facts: list[Fact] = []
        self._decisions: dict[str, _Decision] = {}
        self._follow_ups: list[tuple[str, int, str]] = []
        self._courses: dict[str, Fact] = {}
        self._delegations: dict[str, Fact] = {}
        self._suspensions: dict[str, list[int]] = {}
        # [admitted_on, discharged_on, event_id, ids of delegations active at admission]
        self._admissions: list[list[Any]] = []
        self._adjustments: dict[tuple[str, str], list[Any]] = {}
        self._potential_seen = self._health_seen = False
        self._fa_on = 0
        self._fa_ev = ""
        self._closed_on = 0
        # Visits: kept in arrival order, with what is derived from them incrementally.
        self._visits: list[ev.VisitDelivered] = []
        self._delivered: dict[tuple[str, str], int] = {}
        self._spans: dict[str, list[tuple[int, int]]] | None = {}
        self._uncovered: list[Fact] = []
        self._window = _Window(window_days)
        #: Granted minutes per team period; ``None`` when decisions changed since computed.
        self._granted: dict[tuple[str, str], int] | None = None

    def apply(self, event: ev.DomainEvent) -> None:
        """Fold one more event; it must not be older than the last one applied."""
        occurred = event.occurred_at
        if self.last is not None and occurred < self.last:
            raise ValueError("events must be applied in occurred_at order; refold the case")
        self.last = occurred
        kind = type(event)
        if kind is ev.VisitDelivered:
            self._visit(event)  # type: ignore[arg-type]
            return
        on = occurred.date().toordinal()
        if kind in _FRAME_EVENTS:
            self._frame_event(event)
        if kind is ev.VisitationGranted or kind is ev.VisitationRevised:
            e: Any = event
            frames = _frames(e)
            basis = e.legal_basis
            fact = self._decision_fact(
                e, on, "granted" if kind is ev.VisitationGranted else "revised"
            )
            fact["goals"] = len(e.goals)
            fact["sel83"] = basis.act.upper() == "SEL" and basis.paragraph.strip() == "83"
            fact["nursing"] = any(code[0] == "G" for code in frames) or (
                basis.act.upper() == "SUL" and basis.paragraph.strip() == "138"
            )
            fact["follow_up_due"] = e.follow_up_due.toordinal()
            self._decisions[e.decision_id] = _Decision(e, on, fact)
            self._spans = self._granted = None
            if kind is ev.VisitationRevised:
                earlier = self._decisions.get(e.revises)
                if earlier is not None and earlier.fact["decision"] != e.decision_id:
                    earlier.fact["replaced"] = True
                    start = e.valid_from.toordinal()
                    # Revised twice: the earliest revision ends it.
                    if not earlier.replaced_from or start < earlier.replaced_from:
                        earlier.replaced_from = start
        elif kind is ev.VisitationRejected:
            e = event
            self._decisions[e.decision_id] = _Decision(
                e, on, self._decision_fact(e, on, "rejected")
            )
        elif kind is ev.FollowUpRecorded:
            e = event
            self._follow_ups.append((e.subject_id, on, str(e.event_id)))
            if e.outcome == "E3":
                self._suspensions.setdefault(e.subject_id, []).append(on)
                if (
                    e.subject_id in self._delegations
                    and not self._delegations[e.subject_id]["revoked"]
                ):
                    self._delegations[e.subject_id]["revoked"] = on
        elif kind is ev.TimeAdjustedByTeam:
            e = event
            slot = self._adjustments.setdefault((e.decision_id, e.intervention), [0, []])
            slot[0] += e.delta_minutes
            slot[1].append(str(e.event_id))
            self._facts.append(
                {
                    "t": "adjustment",
                    "decision": e.decision_id,
                    "citizen": e.citizen_involved,
                    "on": on,
                    "_ev": (str(e.event_id),),
                }
            )
        elif kind is ev.NursingTaskDelegated:
            e = event
            self._delegations[e.delegation_id] = {
                "t": "delegation",
                "delegation": e.delegation_id,
                "on": on,
                "task": e.task,
                "kind": e.kind,
                "delegator_role": e.delegator_role.value,
                "delegate_role": e.delegate_role.value,
                "verified": e.competence_verified,
                "instruction": bool(e.instruction_ref and e.instruction_ref.strip()),
                "follow_up_due": e.follow_up_due.toordinal(),
                "revoked": 0,
                "_ev": (str(e.event_id),),
            }
        elif kind is ev.DelegationSuspended or kind is ev.DelegationRevoked:
            e = event
            self._suspensions.setdefault(e.delegation_id, []).append(on)
            if kind is ev.DelegationRevoked and e.delegation_id in self._delegations:
                self._delegations[e.delegation_id]["revoked"] = (
                    self._delegations[e.delegation_id]["revoked"] or on
                )
        elif kind is ev.CitizenAdmitted:
            active = [
                d
                for d, f in self._delegations.items()
                # Suspended since it was (re)delegated: not active. An older suspension
                # belongs to an earlier delegation under the same id.
                if not f["revoked"] and not any(x >= f["on"] for x in self._suspensions.get(d, ()))
            ]
            self._admissions.append([on, 0, str(event.event_id), active])
        elif kind is ev.CitizenDischarged:
            if self._admissions and not self._admissions[-1][1]:
                self._admissions[-1][1] = on
        elif kind is ev.FunctionalAbilityAssessed:
            self._fa_on = on
            self._fa_ev = str(event.event_id)
        elif kind is ev.HealthConditionAssessed:
            self._health_seen = True
        elif kind is ev.RehabilitationPotentialAssessed:
            self._potential_seen = True
        elif kind is ev.RehabilitationCourseStarted:
            e = event
            self._courses[e.course_id] = {
                "t": "course",
                "course": e.course_id,
                "started": on,
                "ended": 0,
                "_ev": (str(e.event_id),),
            }
        elif kind is ev.RehabilitationCourseEnded:
            e = event
            course = self._courses.get(e.course_id)
            if course is None:
                course = self._courses[e.course_id] = {
                    "t": "course",
                    "course": e.course_id,
                    "started": on,
                    "ended": 0,
                    "_ev": (),
                }
            course["ended"] = on
            course["_ev"] = (*course["_ev"], str(e.event_id))
        elif kind is ev.CaseClosed:
            self._closed_on = self._closed_on or on
            self._spans = self._granted = None
        # CaseOpened, ReferralReceived, CitizenDischarged without admission: nothing to judge.

    def _frame_event(self, event: ev.DomainEvent) -> None:
        """An event that moves the case's frames in the ledger."""
        self._ledger.apply_event(event)  # type: ignore[arg-type]
        self._granted = None
        start: date | None = None
        if isinstance(event, ev.VisitationGranted | ev.VisitationRevised):
            self._team_ids.add(event.team_id)
            start = event.valid_from
        elif isinstance(event, ev.TimeAdjustedByTeam):
            self._team_ids.add(event.team_id)
            start = event.occurred_at.date()
        if start is not None and (self._first_day is None or start < self._first_day):
            self._first_day = start

    def _frames_by_team_period(self) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        if self._first_day is None or self._first_day > self.until:
            return out
        month = self._first_day.replace(day=1)
        while month <= self.until:
            period = _period_of(month)
            for team_id in sorted(self._team_ids):
                frame = self._ledger.case_frame_minutes(self.case_id, team_id, period, self.terms)
                if frame is not None:
                    out[(team_id, period)] = frame
            month = period_bounds(period)[1] + timedelta(days=1)
        return out

    def _decision_fact(self, e: Any, on: int, kind: str) -> Fact:
        """What every decision (grant, revision, rejection) says, and what the case knew."""
        return {
            "t": "decision",
            "decision": e.decision_id,
            "kind": kind,
            "on": on,
            "has_reasons": bool(e.reasons.strip()),
            "guidance": e.complaint_guidance,
            "goals": 0,
            "sel83": False,
            "nursing": False,
            "potential_before": self._potential_seen,
            "health_before": self._health_seen,
            "fa_on": self._fa_on,
            "follow_up_due": 0,
            "replaced": False,
            "closed": 0,
            "_ev": (str(e.event_id),),
            "_fa_ev": self._fa_ev,
        }

    def _visit(self, visit: ev.VisitDelivered) -> None:
        # Most events are visits: this is the hot path of the fold, kept flat on purpose.
        self._visits.append(visit)
        on = visit.delivered_on
        key = (visit.team_id, _PERIOD_OF.get(on) or _period_of(on))
        delivered = self._delivered
        delivered[key] = delivered.get(key, 0) + visit.minutes
        day = on.toordinal()
        spans = self._spans
        if spans is not None:
            for start, end in spans.get(visit.intervention, ()):
                if start <= day <= end:
                    break
            else:
                self._uncovered.append(_uncovered(visit, day))
        window = self._window
        if window.ordinals and day < window.ordinals[-1]:
            window.in_order = False
        window.visits.append(visit)
        window.ordinals.append(day)
        window.carers.append(visit.carer_id)

    def _cover(self, visit: ev.VisitDelivered, spans: dict[str, list[tuple[int, int]]]) -> None:
        day = visit.delivered_on.toordinal()
        for start, end in spans.get(visit.intervention, ()):
            if start <= day <= end:
                return
        self._uncovered.append(_uncovered(visit, day))

    def facts(self) -> CaseFacts:
        """The derived facts so far (fresh dicts: later events never change them)."""
        closed_on = self._closed_on
        decisions = self._decisions
        facts: list[Fact] = [dict(f) for f in self._facts]
        for decision in decisions.values():
            facts.append({**decision.fact, "closed": closed_on})
        facts.extend(
            {"t": "follow_up", "subject": s, "on": o, "_ev": (i,)} for s, o, i in self._follow_ups
        )
        facts.extend(dict(course) for course in self._courses.values())
        facts.extend(dict(delegation) for delegation in self._delegations.values())
        for admitted, discharged, admission_ev, active in self._admissions:
            for delegation_id in active:
                later = [d for d in self._suspensions.get(delegation_id, ()) if d >= admitted]
                facts.append(
                    {
                        "t": "admission",
                        "delegation": delegation_id,
                        "admitted": admitted,
                        "discharged": discharged,
                        "suspended": min(later) if later else 0,
                        "_ev": (admission_ev, *self._delegations[delegation_id]["_ev"]),
                    }
                )
        for (decision_id, code), (net, adj_ev) in self._adjustments.items():
            known = decisions.get(decision_id)
            granted = 0
            replaced = False
            if known is not None and not isinstance(known.event, ev.VisitationRejected):
                granted = _frames(known.event).get(code, (0, "week"))[0]
                replaced = bool(known.fact["replaced"])
            facts.append(
                {
                    "t": "adjusted_frame",
                    "decision": decision_id,
                    "intervention": code,
                    # The team's frame, floored at 0 as in the settlement.
                    "granted": max(0, granted),
                    "net100": net * 100,
                    "replaced": replaced,
                    "_ev": tuple(adj_ev),
                }
            )
        if self._spans is None:
            # Decisions changed: judge every visit's coverage again.
            spans: dict[str, list[tuple[int, int]]] = {}
            for start, end, codes in _covering(decisions, closed_on):
                for code in codes:
                    spans.setdefault(code, []).append((start, end))
            self._spans = spans
            self._uncovered = []
            for visit in self._visits:
                self._cover(visit, spans)
        facts.extend(dict(f) for f in self._uncovered)
        continuity = self._window.fact()
        if continuity is not None:
            facts.append(continuity)
        if self._granted is None:
            self._granted = self._frames_by_team_period()
        load = TeamLoad(granted=dict(self._granted), delivered=dict(self._delivered))
        return CaseFacts(self.case_id, facts, load)


def _uncovered(visit: ev.VisitDelivered, day: int) -> Fact:
    return {
        "t": "uncovered_visit",
        "on": day,
        "intervention": visit.intervention,
        "_ev": (str(visit.event_id),),
    }


class _Window:
    """The continuity window: the ``days``-day window with the most distinct carers (the
    earliest if tied). The fold records visits as they come (``CaseFold._visit``); the window
    slides over the ones not yet counted when a fact is asked for, so each visit is counted
    once while visits come in date order (a late-documented one makes the next fact recount
    them all)."""

    def __init__(self, days: int) -> None:
        self.days = days
        self.visits: list[ev.VisitDelivered] = []
        self.ordinals: list[int] = []
        self.carers: list[str] = []
        self._reset()

    def _reset(self) -> None:
        self.counts: dict[str, int] = {}
        self.low = 0
        self.counted = 0
        self.best = (0, 0, 0)  # distinct carers, index of first visit, index past last visit
        self.in_order = True
        self._fact: Fact | None = None
        self._fact_of = self.best

    def _slide(self) -> None:
        carers, ordinals, counts, days = self.carers, self.ordinals, self.counts, self.days
        low, (most, first, past) = self.low, self.best
        for high in range(self.counted, len(carers)):
            carer = carers[high]
            counts[carer] = counts.get(carer, 0) + 1
            horizon = ordinals[high] - days
            while ordinals[low] <= horizon:
                gone = carers[low]
                left = counts[gone] - 1
                if left:
                    counts[gone] = left
                else:
                    del counts[gone]
                low += 1
            if len(counts) > most:
                most, first, past = len(counts), low, high + 1
        self.low, self.best, self.counted = low, (most, first, past), len(carers)

    def fact(self) -> Fact | None:
        if not self.visits:
            return None
        if not self.in_order:
            order = sorted(range(len(self.visits)), key=self.ordinals.__getitem__)
            self.visits = [self.visits[i] for i in order]
            self.ordinals = [self.ordinals[i] for i in order]
            self.carers = [self.carers[i] for i in order]
            self._reset()
        self._slide()
        if self._fact is None or self._fact_of != self.best:
            distinct, first, past = self.best
            self._fact_of = self.best
            self._fact = {
                "t": "continuity",
                "carers": distinct,
                "from": self.ordinals[first],
                "to": self.ordinals[past - 1],
                "_ev": tuple(str(v.event_id) for v in self.visits[first:past]),
            }
        return dict(self._fact)


def fold_case(
    case_id: str,
    events: Sequence[ev.DomainEvent],
    *,
    window_days: int,
    until: date,
    terms: SettlementTerms | None = None,
) -> CaseFacts:
    """Fold the events of one case, sorted by ``occurred_at``, into derived facts.

    ``window_days`` is the continuity window (a policy parameter; windows are computed here);
    ``until`` is the last day whose frames count towards team periods (the ``as_of`` day).
    """
    fold = CaseFold(case_id, window_days=window_days, until=until, terms=terms)
    for event in events:
        fold.apply(event)
    return fold.facts()


def _covering(
    decisions: dict[str, _Decision], closed_on: int
) -> list[tuple[int, int, frozenset[str]]]:
    spans = []
    for d in decisions.values():
        e = d.event
        if isinstance(e, ev.VisitationRejected):
            continue
        start = e.valid_from.toordinal()
        end = e.valid_until.toordinal() if e.valid_until else 10**7
        if d.replaced_from:
            end = min(end, d.replaced_from - 1)
        if closed_on:
            end = min(end, closed_on - 1)
        spans.append((start, end, frozenset(_frames(e))))
    return spans


_PERIOD_OF: dict[date, str] = {}
_FRAME_EVENTS = frozenset(
    {
        ev.CaseOpened,
        ev.VisitationGranted,
        ev.VisitationRevised,
        ev.TimeAdjustedByTeam,
        ev.CitizenAdmitted,
        ev.CitizenDischarged,
        ev.CaseClosed,
    }
)


def _period_of(day: date) -> str:
    period = _PERIOD_OF.get(day)
    if period is None:
        period = _PERIOD_OF[day] = f"{day.year:04d}-{day.month:02d}"
    return period


def team_facts(
    team_id: str,
    period: str,
    granted: int,
    delivered: int,
    team_events: Iterable[ev.DomainEvent],
) -> list[Fact]:
    """Facts of one team period: its totals, its dialogue meetings and its settlement."""
    first, final = period_bounds(period)
    facts: list[Fact] = []
    for event in team_events:
        if isinstance(event, ev.DialogueMeetingHeld):
            facts.append(
                {"t": "meeting", "held": event.held_on.toordinal(), "_ev": (str(event.event_id),)}
            )
        elif isinstance(event, ev.PeriodSettled):
            facts.append({"t": "settled", "team": team_id, "_ev": (str(event.event_id),)})
    facts.append(
        {
            "t": "team_period",
            "team": team_id,
            "period": period,
            "start": first.toordinal(),
            "end": final.toordinal(),
            # The team's frame, floored at 0 as in the settlement.
            "granted": max(0, granted),
            "delivered100": delivered * 100,
            "_ev": (),
        }
    )
    return facts
