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
from datetime import date
from operator import attrgetter
from typing import Any

from erantis_domain import events as ev
from erantis_domain.projections.proration import prorate
from erantis_domain.values import period_bounds

__all__ = ["CaseFacts", "Fact", "TeamLoad", "fold_case", "team_facts"]

Fact = dict[str, Any]


@dataclass(slots=True)
class TeamLoad:
    """A case's contribution to its teams' settlement periods: granted frame minutes
    (prorated) and delivered minutes per ``(team_id, period)``."""

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


def fold_case(
    case_id: str, events: Sequence[ev.DomainEvent], *, window_days: int, until: date
) -> CaseFacts:
    """Fold the events of one case, sorted by ``occurred_at``, into derived facts.

    ``window_days`` is the continuity window (a policy parameter; windows are computed here);
    ``until`` is the last day whose frames count towards team periods (the ``as_of`` day).
    """
    facts: list[Fact] = []
    decisions: dict[str, _Decision] = {}
    follow_ups: list[tuple[str, int, str]] = []
    courses: dict[str, Fact] = {}
    delegations: dict[str, Fact] = {}
    suspensions: dict[str, list[int]] = {}
    admissions: list[
        list[Any]
    ] = []  # [admitted_on, discharged_on, event_id, active delegation ids]
    adjustments: dict[tuple[str, str], list[Any]] = {}
    visits: list[ev.VisitDelivered] = []
    potential_seen = health_seen = False
    fa_on = 0
    fa_ev = ""
    closed_on = 0

    for event in events:
        on = event.occurred_at.date().toordinal()
        kind = type(event)
        if kind is ev.VisitDelivered:
            visits.append(event)  # type: ignore[arg-type]
        elif kind is ev.VisitationGranted or kind is ev.VisitationRevised:
            e: Any = event
            frames = _frames(e)
            basis = e.legal_basis
            fact: Fact = {
                "t": "decision",
                "decision": e.decision_id,
                "kind": "granted" if kind is ev.VisitationGranted else "revised",
                "on": on,
                "has_reasons": bool(e.reasons.strip()),
                "guidance": e.complaint_guidance,
                "goals": len(e.goals),
                "sel83": basis.act.upper() == "SEL" and basis.paragraph.strip() == "83",
                "nursing": any(code[0] == "G" for code in frames)
                or (basis.act.upper() == "SUL" and basis.paragraph.strip() == "138"),
                "potential_before": potential_seen,
                "health_before": health_seen,
                "fa_on": fa_on,
                "follow_up_due": e.follow_up_due.toordinal(),
                "replaced": False,
                "closed": 0,
                "_ev": (str(e.event_id),),
                "_fa_ev": fa_ev,
            }
            decisions[e.decision_id] = _Decision(e, on, fact)
            if kind is ev.VisitationRevised:
                earlier = decisions.get(e.revises)
                if earlier is not None and earlier.fact["decision"] != e.decision_id:
                    earlier.fact["replaced"] = True
                    earlier.replaced_from = e.valid_from.toordinal()
        elif kind is ev.VisitationRejected:
            e = event
            fact = {
                "t": "decision",
                "decision": e.decision_id,
                "kind": "rejected",
                "on": on,
                "has_reasons": bool(e.reasons.strip()),
                "guidance": e.complaint_guidance,
                "goals": 0,
                "sel83": False,
                "nursing": False,
                "potential_before": potential_seen,
                "health_before": health_seen,
                "fa_on": fa_on,
                "follow_up_due": 0,
                "replaced": False,
                "closed": 0,
                "_ev": (str(e.event_id),),
                "_fa_ev": fa_ev,
            }
            decisions[e.decision_id] = _Decision(e, on, fact)
        elif kind is ev.FollowUpRecorded:
            e = event
            follow_ups.append((e.subject_id, on, str(e.event_id)))
            if e.outcome == "E3":
                suspensions.setdefault(e.subject_id, []).append(on)
                if e.subject_id in delegations and not delegations[e.subject_id]["revoked"]:
                    delegations[e.subject_id]["revoked"] = on
        elif kind is ev.TimeAdjustedByTeam:
            e = event
            slot = adjustments.setdefault((e.decision_id, e.intervention), [0, []])
            slot[0] += e.delta_minutes
            slot[1].append(str(e.event_id))
            facts.append(
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
            delegations[e.delegation_id] = {
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
            suspensions.setdefault(e.delegation_id, []).append(on)
            if kind is ev.DelegationRevoked and e.delegation_id in delegations:
                delegations[e.delegation_id]["revoked"] = (
                    delegations[e.delegation_id]["revoked"] or on
                )
        elif kind is ev.CitizenAdmitted:
            active = [
                d
                for d, f in delegations.items()
                if not f["revoked"] and not _suspended_now(suspensions, d, f)
            ]
            admissions.append([on, 0, str(event.event_id), active])
        elif kind is ev.CitizenDischarged:
            if admissions and not admissions[-1][1]:
                admissions[-1][1] = on
        elif kind is ev.FunctionalAbilityAssessed:
            fa_on = on
            fa_ev = str(event.event_id)
        elif kind is ev.HealthConditionAssessed:
            health_seen = True
        elif kind is ev.RehabilitationPotentialAssessed:
            potential_seen = True
        elif kind is ev.RehabilitationCourseStarted:
            e = event
            courses[e.course_id] = {
                "t": "course",
                "course": e.course_id,
                "started": on,
                "ended": 0,
                "_ev": (str(e.event_id),),
            }
        elif kind is ev.RehabilitationCourseEnded:
            e = event
            course = courses.get(e.course_id)
            if course is None:
                course = courses[e.course_id] = {
                    "t": "course",
                    "course": e.course_id,
                    "started": on,
                    "ended": 0,
                    "_ev": (),
                }
            course["ended"] = on
            course["_ev"] = (*course["_ev"], str(e.event_id))
        elif kind is ev.CaseClosed:
            closed_on = closed_on or on
        # CaseOpened, ReferralReceived, CitizenDischarged without admission: nothing to judge.

    for decision in decisions.values():
        decision.fact["closed"] = closed_on
        facts.append(decision.fact)
    facts.extend({"t": "follow_up", "subject": s, "on": o, "_ev": (i,)} for s, o, i in follow_ups)
    facts.extend(courses.values())
    facts.extend(delegations.values())
    for admitted, discharged, admission_ev, active in admissions:
        for delegation_id in active:
            later = [d for d in suspensions.get(delegation_id, ()) if d >= admitted]
            facts.append(
                {
                    "t": "admission",
                    "delegation": delegation_id,
                    "admitted": admitted,
                    "discharged": discharged,
                    "suspended": min(later) if later else 0,
                    "_ev": (admission_ev, *delegations[delegation_id]["_ev"]),
                }
            )
    for (decision_id, code), (net, adj_ev) in adjustments.items():
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
                "granted": granted,
                "net100": net * 100,
                "replaced": replaced,
                "_ev": tuple(adj_ev),
            }
        )
    load = TeamLoad()
    _uncovered_visits(visits, decisions, closed_on, facts, load)
    _continuity(visits, window_days, facts)
    _granted_load(decisions, closed_on, until, load)
    return CaseFacts(case_id, facts, load)


def _suspended_now(suspensions: dict[str, list[int]], delegation_id: str, fact: Fact) -> bool:
    return bool(suspensions.get(delegation_id))


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
_DELIVERED_ON = attrgetter("delivered_on")


def _period_of(day: date) -> str:
    period = _PERIOD_OF.get(day)
    if period is None:
        period = _PERIOD_OF[day] = f"{day.year:04d}-{day.month:02d}"
    return period


def _uncovered_visits(
    visits: list[ev.VisitDelivered],
    decisions: dict[str, _Decision],
    closed_on: int,
    facts: list[Fact],
    load: TeamLoad,
) -> None:
    # Visits are most of a case's events: this loop is the hot path of the fold.
    by_code: dict[str, list[tuple[int, int]]] = {}
    for start, end, codes in _covering(decisions, closed_on):
        for code in codes:
            by_code.setdefault(code, []).append((start, end))
    delivered = load.delivered
    period_of = _PERIOD_OF.get
    for visit in visits:
        on = visit.delivered_on
        key = (visit.team_id, period_of(on) or _period_of(on))
        delivered[key] = delivered.get(key, 0) + visit.minutes
        day = on.toordinal()
        for start, end in by_code.get(visit.intervention, ()):
            if start <= day <= end:
                break
        else:
            facts.append(
                {
                    "t": "uncovered_visit",
                    "on": day,
                    "intervention": visit.intervention,
                    "_ev": (str(visit.event_id),),
                }
            )


def _continuity(visits: list[ev.VisitDelivered], window_days: int, facts: list[Fact]) -> None:
    """The window of ``window_days`` days with the most distinct carers (the earliest if tied)."""
    if not visits:
        return
    ordered = sorted(visits, key=_DELIVERED_ON)
    days = [v.delivered_on.toordinal() for v in ordered]
    carers = [v.carer_id for v in ordered]
    counts: dict[str, int] = {}
    best = (0, 0, 0)  # distinct carers, index of first visit, index past last visit
    low = 0
    for high, carer in enumerate(carers):
        counts[carer] = counts.get(carer, 0) + 1
        horizon = days[high] - window_days
        while days[low] <= horizon:
            gone = carers[low]
            left = counts[gone] - 1
            if left:
                counts[gone] = left
            else:
                del counts[gone]
            low += 1
        if len(counts) > best[0]:
            best = (len(counts), low, high + 1)
    distinct, first, past = best
    window = ordered[first:past]
    facts.append(
        {
            "t": "continuity",
            "carers": distinct,
            "from": days[first],
            "to": days[past - 1],
            "_ev": tuple(str(v.event_id) for v in window),
        }
    )


def _granted_load(
    decisions: dict[str, _Decision], closed_on: int, until: date, load: TeamLoad
) -> None:
    last = until.toordinal()
    for d in decisions.values():
        e = d.event
        if isinstance(e, ev.VisitationRejected):
            continue
        start = e.valid_from.toordinal()
        end = min(e.valid_until.toordinal() if e.valid_until else last, last)
        if d.replaced_from:
            end = min(end, d.replaced_from - 1)
        if closed_on:
            end = min(end, closed_on - 1)
        if end < start:
            continue
        frames = _frames(e)
        month = date.fromordinal(start).replace(day=1)
        while month.toordinal() <= end:
            period = month.strftime("%Y-%m")
            first, final = period_bounds(period)
            days = min(end, final.toordinal()) - max(start, first.toordinal()) + 1
            month_days = final.day
            minutes = sum(prorate(m, per, days, month_days) for m, per in frames.values())  # type: ignore[arg-type,misc]
            key = (e.team_id, period)
            load.granted[key] = load.granted.get(key, 0) + minutes
            month = date.fromordinal(final.toordinal() + 1)


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
            "granted": granted,
            "delivered100": delivered * 100,
            "_ev": (),
        }
    )
    return facts
