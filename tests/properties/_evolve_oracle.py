"""The oracle of ``evolve``: case events folded as they were before the fold dispatched on a
table (commit ``ffbca38``): one ``match`` arm per event type, every record built by pydantic's
validating constructor, every change by ``model_copy``. Slow, plainly correct; the property in
``test_fold.py`` holds the table-dispatched fold equal to it, event after event.

When a case event type is added, add its arm here too: the property fails on an event this
oracle does not know.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from erantis_domain import events as ev
from erantis_domain.asof import business_day
from erantis_domain.case import (
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

__all__ = ["oracle_evolve"]


def _with(state: CitizenCase, **changes: Any) -> CitizenCase:
    return state.model_copy(update={**changes, "version": state.version + 1})


def _visit(s: CitizenCase, e: ev.VisitDelivered) -> CitizenCase:
    return _with(s, visit_log=s.visit_log.extended((e,)))


def _decision(
    s: CitizenCase, e: ev.VisitationGranted | ev.VisitationRevised, day: date
) -> DecisionState:
    # A revision recorded before the decision it revises still ends it.
    revisions = [
        d for d in s.decisions.values() if d.revises == e.decision_id and d.valid_from is not None
    ]
    revised_from: date | None = None
    revised_by: str | None = None
    for later in revisions:
        assert later.valid_from is not None
        start = earliest_revision(revised_from, later.valid_from)
        if start != revised_from:
            revised_from, revised_by = start, later.decision_id
    return DecisionState(
        decision_id=e.decision_id,
        kind="granted" if isinstance(e, ev.VisitationGranted) else "revised",
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
        revises=e.revises if isinstance(e, ev.VisitationRevised) else None,
        revised_by=revised_by,
        revised_from=revised_from,
        **_known_before(s, e),
    )


def _known_before(
    s: CitizenCase, e: ev.VisitationGranted | ev.VisitationRevised | ev.VisitationRejected
) -> dict[str, Any]:
    return {
        "has_reasons": bool(e.reasons.strip()),
        "complaint_guidance": e.complaint_guidance,
        "potential_assessed_before": bool(s.rehab_potential_assessments),
        "health_assessed_before": bool(s.health_assessments),
        "functional_assessed_on": s.functional_assessments[-1]
        if s.functional_assessments
        else None,
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


def _revised(s: CitizenCase, e: ev.VisitationRevised, day: date) -> dict[str, DecisionState]:
    decisions = {**s.decisions, e.decision_id: _decision(s, e, day)}
    earlier = decisions.get(e.revises)
    if earlier is not None and earlier.decision_id != e.decision_id:
        start = earliest_revision(earlier.revised_from, e.valid_from)
        if start != earlier.revised_from:
            decisions[e.revises] = earlier.model_copy(
                update={"revised_by": e.decision_id, "revised_from": start}
            )
    return decisions


def _stopped(
    s: CitizenCase, delegation_id: str, status: Literal["suspended", "revoked"], day: date
) -> CitizenCase:
    """A delegation suspended, revoked or stopped (E3) on a day."""
    stops = {**s.delegation_stops, delegation_id: (*s.delegation_stops.get(delegation_id, ()), day)}
    delegation = s.delegations.get(delegation_id)
    if delegation is None or delegation.status == "revoked":
        return _with(s, delegation_stops=stops)
    changes: dict[str, object] = {"status": status}
    if status != delegation.status:
        changes["status_since"] = day
    if status == "revoked":
        changes["revoked_on"] = day
    changed = delegation.model_copy(update=changes)
    return _with(s, delegations={**s.delegations, delegation_id: changed}, delegation_stops=stops)


def _active_delegations(s: CitizenCase) -> tuple[str, ...]:
    """Delegations in force: not revoked, and not suspended since they were (re)delegated (an
    older suspension belongs to an earlier delegation under the same id)."""
    return tuple(
        d.delegation_id
        for d in s.delegations.values()
        if d.revoked_on is None
        and not any(x >= d.delegated_on for x in s.delegation_stops.get(d.delegation_id, ()))
    )


def oracle_evolve(s: CitizenCase, event: ev.DomainEvent) -> CitizenCase:
    """One case event folded into the state, as the match-based fold did."""
    if type(event) is ev.VisitDelivered:
        return _visit(s, event)
    day = business_day(event.occurred_at)
    match event:
        case ev.CaseOpened():
            return _with(s, opened_on=day, team_id=event.team_id, municipality=event.municipality)
        case ev.ReferralReceived():
            if event.source in ("hospital", "gp"):
                return _with(
                    s,
                    referrals=(*s.referrals, day),
                    physician_referrals=(*s.physician_referrals, day),
                )
            return _with(s, referrals=(*s.referrals, day))
        case ev.TargetGroupAssessed():
            group = TargetGroup(
                on=day, law=event.law, basis=event.basis, event_id=str(event.event_id)
            )
            return _with(s, target_groups=(*s.target_groups, group))
        case ev.FunctionalAbilityAssessed():
            assessment = FunctionalAssessment(
                on=day,
                event_id=str(event.event_id),
                scores={e.condition: int(e.score) for e in event.scores},
            )
            return _with(s, functional_ability=(*s.functional_ability, assessment))
        case ev.HealthConditionAssessed():
            return _with(s, health_assessments=(*s.health_assessments, day))
        case ev.RehabilitationPotentialAssessed():
            return _with(s, rehab_potential_assessments=(*s.rehab_potential_assessments, day))
        case ev.RehabilitationCourseStarted():
            course = CourseState(
                course_id=event.course_id,
                started_on=day,
                planned_weeks=event.planned_weeks,
                goals_count=len(event.goals),
                event_ids=(str(event.event_id),),
                act=event.legal_basis.act,
                target_law=s.target_groups[-1].law if s.target_groups else None,
                basis=event.legal_basis,
            )
            return _with(s, courses={**s.courses, event.course_id: course})
        case ev.RehabilitationCourseEnded():
            # An end without a recorded start is still a fact: the course is known from its end.
            known = s.courses.get(event.course_id) or CourseState(
                course_id=event.course_id, started_on=day, planned_weeks=1, goals_count=0
            )
            ended = known.model_copy(
                update={"ended_on": day, "event_ids": (*known.event_ids, str(event.event_id))}
            )
            return _with(s, courses={**s.courses, event.course_id: ended})
        case ev.VisitationGranted():
            decision = _decision(s, event, day)
            decisions = {**s.decisions, event.decision_id: decision}
            # A new decision is the reassessment an E4 follow-up asked for.
            return _with(s, decisions=decisions, awaiting_reassessment={})
        case ev.VisitationRevised():
            return _with(s, decisions=_revised(s, event, day), awaiting_reassessment={})
        case ev.VisitationRejected():
            rejection = DecisionState(
                decision_id=event.decision_id,
                kind="rejected",
                event_id=str(event.event_id),
                decided_on=day,
                legal_basis=event.legal_basis,
                **_known_before(s, event),
            )
            decisions = {**s.decisions, event.decision_id: rejection}
            return _with(s, decisions=decisions, awaiting_reassessment={})
        case ev.HelpSwapped():
            swap = Swap(
                on=event.swapped_on,
                decision_id=event.decision_id,
                granted_intervention=event.granted_intervention,
                delivered_intervention=event.delivered_intervention,
                minutes=event.minutes,
                event_id=str(event.event_id),
            )
            return _with(s, swaps=(*s.swaps, swap))
        case ev.VisitDeclined():
            decline = Decline(
                on=event.declined_on,
                decision_id=event.decision_id,
                intervention=event.intervention,
                event_id=str(event.event_id),
            )
            return _with(s, declines=(*s.declines, decline))
        case ev.ProviderChosen():
            choice = ProviderChoice(
                decision_id=event.decision_id,
                provider_id=event.provider_id,
                change=event.change,
                requested_on=event.requested_on,
                effective_from=event.effective_from,
                event_id=str(event.event_id),
                via=event.via,
            )
            return _with(s, provider_choices=(*s.provider_choices, choice))
        case ev.FreeChoiceCertificateDecided():
            certificate = Certificate(
                decision_id=event.decision_id,
                granted=event.granted,
                on=event.decided_on,
                has_reasons=bool(event.reasons.strip()),
                event_id=str(event.event_id),
            )
            return _with(s, certificates=(*s.certificates, certificate))
        case ev.ChangedNeedsReported():
            report = NeedsReport(
                decision_id=event.decision_id, on=event.reported_on, event_id=str(event.event_id)
            )
            return _with(s, needs_reports=(*s.needs_reports, report))
        case ev.OwnHelperApproved():
            helper = OwnHelper(
                helper_id=event.helper_id,
                decision_id=event.decision_id,
                tasks=frozenset(event.tasks),
                contract=event.contract_ref is not None,
                on=day,
                event_id=str(event.event_id),
            )
            return _with(s, own_helpers={**s.own_helpers, event.helper_id: helper})
        case ev.TimeAdjustedByTeam():
            adjustment = AdjustmentState(
                decision_id=event.decision_id,
                intervention=event.intervention,
                delta_minutes=event.delta_minutes,
                on=day,
                team_id=event.team_id,
                citizen_involved=event.citizen_involved,
                event_id=str(event.event_id),
            )
            return _with(s, adjustment_log=(*s.adjustment_log, adjustment))
        case ev.NursingTaskDelegated():
            delegation = DelegationState(
                delegation_id=event.delegation_id,
                event_id=str(event.event_id),
                task=event.task,
                kind=event.kind,
                delegator_role=event.delegator_role,
                delegate_id=event.delegate_id,
                delegate_role=event.delegate_role,
                has_instruction=bool(event.instruction_ref and event.instruction_ref.strip()),
                competence_verified=event.competence_verified,
                delegated_on=day,
                follow_up_due=event.follow_up_due,
                status_since=day,
                delegator_id=event.delegator_id,
                pre_dispensed=event.pre_dispensed,
            )
            return _with(s, delegations={**s.delegations, event.delegation_id: delegation})
        case ev.DelegationSuspended():
            return _stopped(s, event.delegation_id, "suspended", day)
        case ev.DelegationRevoked():
            return _stopped(s, event.delegation_id, "revoked", day)
        case ev.FollowUpRecorded():
            follow_up = FollowUp(
                subject_id=event.subject_id,
                outcome=event.outcome,
                on=day,
                event_id=str(event.event_id),
            )
            followed = s.delegations.get(event.subject_id)
            if followed is not None and followed.status != "revoked":
                followed = followed.model_copy(
                    update={"last_follow_up": day, "last_outcome": event.outcome}
                )
                s = s.model_copy(
                    update={"delegations": {**s.delegations, event.subject_id: followed}}
                )
            awaiting = dict(s.awaiting_reassessment)
            awaiting.pop(event.subject_id, None)
            if event.outcome == "E4":
                awaiting[event.subject_id] = follow_up
            s = s.model_copy(
                update={
                    "follow_ups": (*s.follow_ups, follow_up),
                    "awaiting_reassessment": awaiting,
                }
            )
            if event.outcome == "E3":  # the task is stopped: a delegation ends
                return _stopped(s, event.subject_id, "revoked", day)
            return _with(s)
        case ev.CitizenAdmitted():
            admission = Admission(
                admitted_on=day,
                event_id=str(event.event_id),
                active_delegations=_active_delegations(s),
            )
            return _with(s, admissions=(*s.admissions, admission))
        case ev.CitizenDischarged():
            if not s.admitted:
                return _with(s)
            last = s.admissions[-1].model_copy(update={"discharged_on": day})
            return _with(s, admissions=(*s.admissions[:-1], last))
        case ev.CaseClosed():
            # Closed twice: the case closed on the earlier day.
            if s.closed_on is not None and s.closed_on <= day:
                return _with(s)
            return _with(s, closed_on=day)
    raise ValueError(f"{type(event).__name__} is not a case event")
