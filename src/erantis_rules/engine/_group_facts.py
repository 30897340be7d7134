"""Private: the facts of a case's plain groups (follow-ups, courses, delegations, admissions,
adjustments), each built from its part of the state in one place, for ``case_facts`` and for
the warm engine, which derives a group again only when its part changed."""

from __future__ import annotations

from collections.abc import Sequence

from erantis_domain.case import CitizenCase
from erantis_rules.language._facts import (
    AdjustmentFact,
    AdmissionFact,
    CourseFact,
    DelegationFact,
    Fact,
    FollowUpFact,
)
from erantis_rules.regimes import Regime, regime_of

__all__ = [
    "adjustment_facts",
    "admission_facts",
    "course_facts",
    "delegation_facts",
    "follow_up_facts",
]


def follow_up_facts(state: CitizenCase) -> list[Fact]:
    return [FollowUpFact(f.subject_id, f.on, (f.event_id,)) for f in state.follow_ups]


def course_facts(state: CitizenCase, regimes: Sequence[Regime]) -> list[Fact]:
    return [
        CourseFact(
            c.course_id,
            c.started_on,
            c.ended_on,
            regime_of(regimes, c.started_on, c.target_law, c.act),
            c.event_ids,
        )
        for c in state.courses.values()
    ]


def delegation_facts(state: CitizenCase) -> list[Fact]:
    return [
        DelegationFact(
            delegation=d.delegation_id,
            on=d.delegated_on,
            task=d.task,
            form=d.kind,
            delegator_role=d.delegator_role,
            delegate_role=d.delegate_role,
            verified=d.competence_verified,
            instruction=d.has_instruction,
            pre_dispensed=d.pre_dispensed,
            follow_up_due=d.follow_up_due,
            revoked=d.revoked_on,
            evidence=(d.event_id,),
        )
        for d in state.delegations.values()
    ]


def admission_facts(state: CitizenCase) -> list[Fact]:
    """One fact per delegation active when the citizen was admitted: the delegation and the
    stay, and the day it was suspended, if it was, after the admission."""
    out: list[Fact] = []
    for admission in state.admissions:
        for delegation_id in admission.active_delegations:
            later = [
                d
                for d in state.delegation_stops.get(delegation_id, ())
                if d >= admission.admitted_on
            ]
            out.append(
                AdmissionFact(
                    delegation=delegation_id,
                    admitted=admission.admitted_on,
                    discharged=admission.discharged_on,
                    suspended=min(later) if later else None,
                    evidence=(admission.event_id, state.delegations[delegation_id].event_id),
                )
            )
    return out


def adjustment_facts(state: CitizenCase) -> list[Fact]:
    return [
        AdjustmentFact(a.decision_id, a.citizen_involved, a.on, (a.event_id,))
        for a in state.adjustment_log
    ]
