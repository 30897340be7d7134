"""Private: ``evolve``, the one place where case events become case state.

Each event type is folded by one function, found by the event's type in a table, that returns
the new, typed state (a misspelt field is a type error). Folding is pure: a state is never
changed, storage is never touched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any, Literal, TypedDict, TypeVar, Unpack

from erantis_domain import events as ev
from erantis_domain.asof import AsOf, business_day
from erantis_domain.case._shared import (
    interned,
    interned_tuple,
    shared,
    shared_fields_set,
    updated,
)
from erantis_domain.case._state import (
    AdjustmentState,
    Admission,
    Certificate,
    CitizenCase,
    CourseState,
    DecisionState,
    Decline,
    DelegationState,
    FollowUp,
    FunctionalAssessment,
    NeedsReport,
    OwnHelper,
    ProviderChoice,
    Swap,
    TargetGroup,
    earliest_revision,
)
from erantis_domain.case._visits import Row, VisitLog

__all__ = [
    "evolve",
    "evolve_all",
    "fold",
    "fold_as_of",
    "with_visit_rows",
]


# --- evolve ------------------------------------------------------------------------------------


class _CaseChanges(TypedDict, total=False):
    """The fields of :class:`CitizenCase` an event may change: a misspelt field is a type
    error (and a ``TypeError`` at run time), never a silent no-op."""

    opened_on: date
    team_id: str
    municipality: str
    closed_on: date
    referrals: tuple[date, ...]
    physician_referrals: tuple[date, ...]
    target_groups: tuple[TargetGroup, ...]
    functional_ability: tuple[FunctionalAssessment, ...]
    health_assessments: tuple[date, ...]
    rehab_potential_assessments: tuple[date, ...]
    courses: dict[str, CourseState]
    decisions: dict[str, DecisionState]
    adjustment_log: tuple[AdjustmentState, ...]
    swaps: tuple[Swap, ...]
    declines: tuple[Decline, ...]
    provider_choices: tuple[ProviderChoice, ...]
    needs_reports: tuple[NeedsReport, ...]
    certificates: tuple[Certificate, ...]
    own_helpers: dict[str, OwnHelper]
    visit_log: VisitLog
    delegations: dict[str, DelegationState]
    delegation_stops: dict[str, tuple[date, ...]]
    follow_ups: tuple[FollowUp, ...]
    awaiting_reassessment: dict[str, FollowUp]
    admissions: tuple[Admission, ...]


_CHANGEABLE = frozenset(_CaseChanges.__annotations__)


def _with(state: CitizenCase, **changes: Unpack[_CaseChanges]) -> CitizenCase:
    """The state with some fields changed and its version moved on by one."""
    if not _CHANGEABLE.issuperset(changes):  # pragma: no cover - mypy catches this first
        raise TypeError(f"CitizenCase has no field {sorted(changes.keys() - _CHANGEABLE)}")
    return _next(state, changes)


def _next(state: CitizenCase, changes: _CaseChanges, events: int = 1) -> CitizenCase:
    """What ``state.model_copy(update={**changes, "version": state.version + events})`` builds
    (the same fields, fields set, no extra or private attributes), without pydantic's generic
    copying: a state is made per event (or per run of visits), and most events are visits."""
    fields = state.__dict__.copy()
    fields.update(changes)
    fields["version"] = state.version + events
    fields_set = state.__pydantic_fields_set__
    if "version" not in fields_set or not fields_set.issuperset(changes):
        # Shared between states otherwise: pydantic copies it before it changes one.
        fields_set = shared_fields_set(fields_set | changes.keys() | {"version"})
    new = _new_state(type(state))
    _set(new, "__dict__", fields)
    _set(new, "__pydantic_fields_set__", fields_set)
    _set(new, "__pydantic_extra__", None)
    _set(new, "__pydantic_private__", None)
    return new


_new_state = object.__new__
# Sets an attribute of a frozen model: only ``_with`` does, on a state nobody has seen yet.
_set = object.__setattr__


def _decision(
    s: CitizenCase,
    e: ev.VisitationGranted | ev.VisitationRevised,
    day: date,
    kind: Literal["granted", "revised"],
    revises: str | None,
) -> DecisionState:
    # A revision recorded before the decision it revises still ends it.
    revised_from: date | None = None
    revised_by: str | None = None
    for later in s.decisions.values():
        if later.revises == e.decision_id and later.valid_from is not None:
            start = earliest_revision(revised_from, later.valid_from)
            if start != revised_from:
                revised_from, revised_by = start, later.decision_id
    return _record(
        DecisionState(
            decision_id=e.decision_id,
            kind=kind,
            event_id=str(e.event_id),
            decided_on=day,
            legal_basis=e.legal_basis,
            frames=e.frames,
            course_frame=e.course_frame,
            care_course=e.care_course,
            goals_count=len(e.goals),
            valid_from=e.valid_from,
            valid_until=e.valid_until,
            follow_up_due=e.follow_up_due,
            team_id=e.team_id,
            revises=revises,
            revised_by=revised_by,
            revised_from=revised_from,
            **_known_before(s, e),
        )
    )


def _record(decision: DecisionState) -> DecisionState:
    """A decision just built, holding the shared value records equal to its own (the ones
    validation copied from its event) and the shared fields-set."""
    fields = decision.__dict__
    fields["legal_basis"] = interned(fields["legal_basis"])
    fields["frames"] = interned_tuple(fields["frames"])
    if fields["course_frame"] is not None:
        fields["course_frame"] = interned(fields["course_frame"])
    return shared(decision)


def _known_before(
    s: CitizenCase, e: ev.VisitationGranted | ev.VisitationRevised | ev.VisitationRejected
) -> dict[str, Any]:
    return {
        "has_reasons": bool(e.reasons.strip()),
        "complaint_guidance": e.complaint_guidance,
        "potential_assessed_before": bool(s.rehab_potential_assessments),
        "health_assessed_before": bool(s.health_assessments),
        "functional_assessed_on": s.functional_ability[-1].on if s.functional_ability else None,
        "target_law": s.target_groups[-1].law if s.target_groups else None,
        "target_basis": s.target_groups[-1].basis if s.target_groups else None,
        "physician_referral": bool(s.physician_referrals)
        or getattr(e, "referral_ref", None) is not None,
        "fully_granted": e.fully_granted,
        "reasons_name": e.reasons_name,
        "guidance_states": e.guidance_states,
        "informed_in_writing": getattr(e, "informed_in_writing", True),
        "minor_favourable": getattr(e, "minor_favourable", False),
    }


def _stopped(
    s: CitizenCase,
    delegation_id: str,
    status: Literal["suspended", "revoked"],
    day: date,
    **changes: Unpack[_CaseChanges],
) -> CitizenCase:
    """A delegation suspended, revoked or stopped (E3) on a day (with other changes the same
    event made, ``delegations`` among them if it changed one)."""
    stops = {**s.delegation_stops, delegation_id: (*s.delegation_stops.get(delegation_id, ()), day)}
    delegations = changes.get("delegations", s.delegations)
    delegation = delegations.get(delegation_id)
    changes["delegation_stops"] = stops
    if delegation is None or delegation.status == "revoked":
        return _with(s, **changes)
    update: dict[str, object] = {"status": status}
    if status != delegation.status:
        update["status_since"] = day
    if status == "revoked":
        update["revoked_on"] = day
    changes["delegations"] = {**delegations, delegation_id: updated(delegation, update)}
    return _with(s, **changes)


def _active_delegations(s: CitizenCase) -> tuple[str, ...]:
    """Delegations in force: not revoked, and not suspended since they were (re)delegated (an
    older suspension belongs to an earlier delegation under the same id)."""
    return tuple(
        d.delegation_id
        for d in s.delegations.values()
        if d.revoked_on is None
        and not any(x >= d.delegated_on for x in s.delegation_stops.get(d.delegation_id, ()))
    )


# --- one function per event type ---------------------------------------------------------------
#
# ``evolve`` finds the function by the event's exact type in one dict look-up (a ``match`` tried
# up to 25 class patterns, each an ``isinstance`` through pydantic's metaclass). Each function
# gets the state, the event and its business day, and returns the new state. Records are built by
# their validating constructors and then share their fields-set (``shared``); a record changed
# is copied as ``model_copy`` would (``updated``).

_E = TypeVar("_E", bound=ev.DomainEvent)
_Fold = Callable[[CitizenCase, Any, date], CitizenCase]
_FOLDS: dict[type, _Fold] = {}


def _folds(
    kind: type[_E],
) -> Callable[[Callable[[CitizenCase, _E, date], CitizenCase]], Callable[..., CitizenCase]]:
    """Register the function that folds events of ``kind`` (and of its subclasses)."""

    def register(
        function: Callable[[CitizenCase, _E, date], CitizenCase],
    ) -> Callable[..., CitizenCase]:
        _FOLDS[kind] = function
        return function

    return register


def _fold_of(kind: type) -> _Fold:
    """The function folding events of ``kind``: its own, or its nearest registered base's
    (remembered for the next event of that type)."""
    for base in kind.__mro__:
        found = _FOLDS.get(base)
        if found is not None:
            _FOLDS[kind] = found
            return found
    raise ValueError(f"{kind.__name__} is not a case event")


@_folds(ev.VisitDelivered)
def _visit(s: CitizenCase, e: ev.VisitDelivered, day: date) -> CitizenCase:
    return _next(s, {"visit_log": s.visit_log.extended((e,))})


@_folds(ev.CaseOpened)
def _opened(s: CitizenCase, e: ev.CaseOpened, day: date) -> CitizenCase:
    return _with(s, opened_on=day, team_id=e.team_id, municipality=e.municipality)


@_folds(ev.ReferralReceived)
def _referral(s: CitizenCase, e: ev.ReferralReceived, day: date) -> CitizenCase:
    if e.source in ("hospital", "gp"):
        return _with(
            s, referrals=(*s.referrals, day), physician_referrals=(*s.physician_referrals, day)
        )
    return _with(s, referrals=(*s.referrals, day))


@_folds(ev.TargetGroupAssessed)
def _target_group(s: CitizenCase, e: ev.TargetGroupAssessed, day: date) -> CitizenCase:
    group = shared(TargetGroup(on=day, law=e.law, basis=e.basis, event_id=str(e.event_id)))
    return _with(s, target_groups=(*s.target_groups, group))


@_folds(ev.FunctionalAbilityAssessed)
def _functional(s: CitizenCase, e: ev.FunctionalAbilityAssessed, day: date) -> CitizenCase:
    assessment = shared(
        FunctionalAssessment(
            on=day,
            event_id=str(e.event_id),
            scores={entry.condition: int(entry.score) for entry in e.scores},
        )
    )
    return _with(s, functional_ability=(*s.functional_ability, assessment))


@_folds(ev.HealthConditionAssessed)
def _health(s: CitizenCase, e: ev.HealthConditionAssessed, day: date) -> CitizenCase:
    return _with(s, health_assessments=(*s.health_assessments, day))


@_folds(ev.RehabilitationPotentialAssessed)
def _potential(s: CitizenCase, e: ev.RehabilitationPotentialAssessed, day: date) -> CitizenCase:
    return _with(s, rehab_potential_assessments=(*s.rehab_potential_assessments, day))


@_folds(ev.RehabilitationCourseStarted)
def _course_started(s: CitizenCase, e: ev.RehabilitationCourseStarted, day: date) -> CitizenCase:
    course = CourseState(
        course_id=e.course_id,
        started_on=day,
        planned_weeks=e.planned_weeks,
        goals_count=len(e.goals),
        event_ids=(str(e.event_id),),
        act=e.legal_basis.act,
        target_law=s.target_groups[-1].law if s.target_groups else None,
        basis=e.legal_basis,
    )
    course.__dict__["basis"] = interned(e.legal_basis)
    return _with(s, courses={**s.courses, e.course_id: shared(course)})


@_folds(ev.RehabilitationCourseEnded)
def _course_ended(s: CitizenCase, e: ev.RehabilitationCourseEnded, day: date) -> CitizenCase:
    # An end without a recorded start is still a fact: the course is known from its end.
    known = s.courses.get(e.course_id) or shared(
        CourseState(course_id=e.course_id, started_on=day, planned_weeks=1, goals_count=0)
    )
    ended = updated(known, {"ended_on": day, "event_ids": (*known.event_ids, str(e.event_id))})
    return _with(s, courses={**s.courses, e.course_id: ended})


@_folds(ev.VisitationGranted)
def _granted(s: CitizenCase, e: ev.VisitationGranted, day: date) -> CitizenCase:
    decisions = {**s.decisions, e.decision_id: _decision(s, e, day, "granted", None)}
    # A new decision is the reassessment an E4 follow-up asked for.
    return _with(s, decisions=decisions, awaiting_reassessment={})


@_folds(ev.VisitationRevised)
def _revised(s: CitizenCase, e: ev.VisitationRevised, day: date) -> CitizenCase:
    decisions = {**s.decisions, e.decision_id: _decision(s, e, day, "revised", e.revises)}
    earlier = decisions.get(e.revises)
    if earlier is not None and earlier.decision_id != e.decision_id:
        start = earliest_revision(earlier.revised_from, e.valid_from)
        if start != earlier.revised_from:
            decisions[e.revises] = updated(
                earlier, {"revised_by": e.decision_id, "revised_from": start}
            )
    return _with(s, decisions=decisions, awaiting_reassessment={})


@_folds(ev.VisitationRejected)
def _rejected(s: CitizenCase, e: ev.VisitationRejected, day: date) -> CitizenCase:
    rejection = DecisionState(
        decision_id=e.decision_id,
        kind="rejected",
        event_id=str(e.event_id),
        decided_on=day,
        legal_basis=e.legal_basis,
        **_known_before(s, e),
    )
    decisions = {**s.decisions, e.decision_id: _record(rejection)}
    return _with(s, decisions=decisions, awaiting_reassessment={})


@_folds(ev.HelpSwapped)
def _swapped(s: CitizenCase, e: ev.HelpSwapped, day: date) -> CitizenCase:
    swap = Swap(
        on=e.swapped_on,
        decision_id=e.decision_id,
        granted_intervention=e.granted_intervention,
        delivered_intervention=e.delivered_intervention,
        minutes=e.minutes,
        event_id=str(e.event_id),
    )
    return _with(s, swaps=(*s.swaps, shared(swap)))


@_folds(ev.VisitDeclined)
def _declined(s: CitizenCase, e: ev.VisitDeclined, day: date) -> CitizenCase:
    decline = Decline(
        on=e.declined_on,
        decision_id=e.decision_id,
        intervention=e.intervention,
        event_id=str(e.event_id),
    )
    return _with(s, declines=(*s.declines, shared(decline)))


@_folds(ev.ProviderChosen)
def _provider(s: CitizenCase, e: ev.ProviderChosen, day: date) -> CitizenCase:
    choice = ProviderChoice(
        decision_id=e.decision_id,
        provider_id=e.provider_id,
        change=e.change,
        requested_on=e.requested_on,
        effective_from=e.effective_from,
        event_id=str(e.event_id),
        via=e.via,
    )
    return _with(s, provider_choices=(*s.provider_choices, shared(choice)))


@_folds(ev.FreeChoiceCertificateDecided)
def _certificate(s: CitizenCase, e: ev.FreeChoiceCertificateDecided, day: date) -> CitizenCase:
    certificate = Certificate(
        decision_id=e.decision_id,
        granted=e.granted,
        on=e.decided_on,
        has_reasons=bool(e.reasons.strip()),
        event_id=str(e.event_id),
    )
    return _with(s, certificates=(*s.certificates, shared(certificate)))


@_folds(ev.ChangedNeedsReported)
def _needs(s: CitizenCase, e: ev.ChangedNeedsReported, day: date) -> CitizenCase:
    report = NeedsReport(decision_id=e.decision_id, on=e.reported_on, event_id=str(e.event_id))
    return _with(s, needs_reports=(*s.needs_reports, shared(report)))


@_folds(ev.OwnHelperApproved)
def _own_helper(s: CitizenCase, e: ev.OwnHelperApproved, day: date) -> CitizenCase:
    helper = OwnHelper(
        helper_id=e.helper_id,
        decision_id=e.decision_id,
        tasks=frozenset(e.tasks),
        contract=e.contract_ref is not None,
        on=day,
        event_id=str(e.event_id),
    )
    return _with(s, own_helpers={**s.own_helpers, e.helper_id: shared(helper)})


@_folds(ev.TimeAdjustedByTeam)
def _adjusted(s: CitizenCase, e: ev.TimeAdjustedByTeam, day: date) -> CitizenCase:
    adjustment = AdjustmentState(
        decision_id=e.decision_id,
        intervention=e.intervention,
        delta_minutes=e.delta_minutes,
        on=day,
        team_id=e.team_id,
        citizen_involved=e.citizen_involved,
        event_id=str(e.event_id),
    )
    return _with(s, adjustment_log=(*s.adjustment_log, shared(adjustment)))


@_folds(ev.NursingTaskDelegated)
def _delegated(s: CitizenCase, e: ev.NursingTaskDelegated, day: date) -> CitizenCase:
    delegation = DelegationState(
        delegation_id=e.delegation_id,
        event_id=str(e.event_id),
        task=e.task,
        kind=e.kind,
        delegator_role=e.delegator_role,
        delegate_id=e.delegate_id,
        delegate_role=e.delegate_role,
        has_instruction=bool(e.instruction_ref and e.instruction_ref.strip()),
        competence_verified=e.competence_verified,
        delegated_on=day,
        follow_up_due=e.follow_up_due,
        status_since=day,
        delegator_id=e.delegator_id,
        pre_dispensed=e.pre_dispensed,
    )
    return _with(s, delegations={**s.delegations, e.delegation_id: shared(delegation)})


@_folds(ev.DelegationSuspended)
def _suspended(s: CitizenCase, e: ev.DelegationSuspended, day: date) -> CitizenCase:
    return _stopped(s, e.delegation_id, "suspended", day)


@_folds(ev.DelegationRevoked)
def _revoked(s: CitizenCase, e: ev.DelegationRevoked, day: date) -> CitizenCase:
    return _stopped(s, e.delegation_id, "revoked", day)


@_folds(ev.FollowUpRecorded)
def _followed_up(s: CitizenCase, e: ev.FollowUpRecorded, day: date) -> CitizenCase:
    follow_up = shared(
        FollowUp(subject_id=e.subject_id, outcome=e.outcome, on=day, event_id=str(e.event_id))
    )
    changes: _CaseChanges = {}
    followed = s.delegations.get(e.subject_id)
    if followed is not None and followed.status != "revoked":
        followed = updated(followed, {"last_follow_up": day, "last_outcome": e.outcome})
        changes["delegations"] = {**s.delegations, e.subject_id: followed}
    awaiting = dict(s.awaiting_reassessment)
    awaiting.pop(e.subject_id, None)
    if e.outcome == "E4":
        awaiting[e.subject_id] = follow_up
    changes["follow_ups"] = (*s.follow_ups, follow_up)
    changes["awaiting_reassessment"] = awaiting
    if e.outcome == "E3":  # the task is stopped: a delegation ends
        return _stopped(s, e.subject_id, "revoked", day, **changes)
    return _with(s, **changes)


@_folds(ev.CitizenAdmitted)
def _admitted(s: CitizenCase, e: ev.CitizenAdmitted, day: date) -> CitizenCase:
    admission = Admission(
        admitted_on=day, event_id=str(e.event_id), active_delegations=_active_delegations(s)
    )
    return _with(s, admissions=(*s.admissions, shared(admission)))


@_folds(ev.CitizenDischarged)
def _discharged(s: CitizenCase, e: ev.CitizenDischarged, day: date) -> CitizenCase:
    if not s.admitted:
        return _with(s)
    last = updated(s.admissions[-1], {"discharged_on": day})
    return _with(s, admissions=(*s.admissions[:-1], last))


@_folds(ev.CaseClosed)
def _closed(s: CitizenCase, e: ev.CaseClosed, day: date) -> CitizenCase:
    # Closed twice: the case closed on the earlier day.
    if s.closed_on is not None and s.closed_on <= day:
        return _with(s)
    return _with(s, closed_on=day)


def _apply(s: CitizenCase, event: ev.DomainEvent) -> CitizenCase:
    """One case event folded into the state: the only place case events become state."""
    kind = type(event)
    if kind is ev.VisitDelivered:
        # Most events are visits: the hot path, one row appended to the shared log.
        return _next(s, {"visit_log": s.visit_log.extended((event,))})  # type: ignore[arg-type]
    fold_event = _FOLDS.get(kind) or _fold_of(kind)
    return fold_event(s, event, business_day(event.occurred_at))


def evolve(state: CitizenCase, event: ev.DomainEvent) -> CitizenCase:
    """Apply one case event to a case state and return the new state (pure).

    Raises ``ValueError`` for an event of another case or a team event: a programming error,
    not bad input (the store routes events by key).
    """
    if getattr(event, "case_id", None) != state.case_id:
        raise ValueError(
            f"event of case {getattr(event, 'case_id', None)!r} applied to {state.case_id!r}"
        )
    return _apply(state, event)


def evolve_all(state: CitizenCase, events: Iterable[ev.DomainEvent]) -> CitizenCase:
    """Apply case events, in the order given, to a state (pure): the state :func:`evolve`
    reaches one event at a time (equal, with the same fields set and version), but a run of
    consecutive visits makes one new state instead of one per visit."""
    run: list[ev.VisitDelivered] = []
    case_id = state.case_id
    for event in events:
        if type(event) is ev.VisitDelivered and event.case_id == case_id:
            run.append(event)
            continue
        if run:
            state = _next(state, {"visit_log": state.visit_log.extended(run)}, len(run))
            run = []
        state = evolve(state, event)
    if run:
        state = _next(state, {"visit_log": state.visit_log.extended(run)}, len(run))
    return state


def with_visit_rows(state: CitizenCase, rows: Sequence[Row]) -> CitizenCase:
    """The state :func:`evolve_all` reaches from consecutive visits of the case, given as
    rows already read from their events (:meth:`VisitLog.extended_rows`): a streaming check
    reads each visit once as it arrives and keeps only its row until the run is folded."""
    if not rows:
        return state
    return _next(state, {"visit_log": state.visit_log.extended_rows(rows)}, len(rows))


def fold(case_id: str, events: Iterable[ev.DomainEvent]) -> CitizenCase:
    """Fold case events, in the order given, into a fresh :class:`CitizenCase`."""
    return evolve_all(CitizenCase(case_id=case_id), events)


def fold_as_of(
    case_id: str, events: Iterable[ev.DomainEvent], as_of: AsOf | date | datetime
) -> CitizenCase:
    """The case as known ``as_of``: the events that had happened by then, folded in the order
    they happened (``occurred_at``; ties in the order given)."""
    known = AsOf.of(as_of)
    return fold(case_id, sorted((e for e in events if known.knows(e)), key=_occurred_at))


def _occurred_at(event: ev.DomainEvent) -> datetime:
    return event.occurred_at
