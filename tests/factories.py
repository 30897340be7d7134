"""Builders of valid events for tests: ``make(type, **overrides)`` gives a JSON-ready dict.

Every one of the 25 event types has defaults that validate as they are, so a test states only
what it is about::

    make("VisitDelivered", minutes=45)                 # a dict, as it would arrive as JSON
    event("CaseClosed", reason="moved away")           # the same, parsed into an Event
    make("CaseOpened", occurred_at=at("2026-09-11"))   # business time on a given day

Defaults describe one citizen (``case-1``) of team ``team-nord`` in October 2026: decision
``d-1`` grants 180 minutes of H1.1 (personal hygiene) per week, delegation ``del-1`` hands
G1.20 (Medicinadministration) from a nurse to an SSA. Each call gets a fresh ``event_id``
unless one is given. Overrides replace top-level fields; pass :data:`DROP` to leave a field
out (``make("CaseClosed", reason=DROP)`` has no ``reason``).
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

from erantis_domain.events import Event, parse_event
from erantis_domain.projections.terms import SettlementTerms

__all__ = ["CASE_ID", "DEFAULTS", "DROP", "TEAM_ID", "at", "event", "make"]

CASE_ID = "case-1"
TEAM_ID = "team-nord"
TZ = ZoneInfo("Europe/Copenhagen")
#: The default settlement terms as a settlement records them (``SettlementTerms()``).
_DEFAULT_TERMS = {
    "settlement_band_pct": "5",
    "gain_share_provider_pct": "50",
    "loss_cap_pct": "5",
    "minute_price": "8.50",
    "carry_over": False,
    "pause_during_admission": True,
}
#: Pass as an override to leave a field out of the event.
DROP: Any = object()

_BASIS_83 = {"act": "SEL", "paragraph": "83", "stk": None, "nr": None, "regime": "SEL-2024"}
_GRANT = {
    "decision_id": "d-1",
    "legal_basis": _BASIS_83,
    "frames": [{"intervention": "H1.1", "minutes": 180, "per": "week"}],
    "goals": ["Klarer selv morgenhygiejne"],
    "valid_from": "2026-10-01",
    "valid_until": None,
    "follow_up_due": "2027-04-01",
    "team_id": TEAM_ID,
    "reasons": "Behov for hjælp til personlig pleje",
    "complaint_guidance": True,
    "referral_ref": None,
    "course_frame": None,
    "care_course": None,
    "fully_granted": False,
    "reasons_name": None,
    "guidance_states": None,
    "informed_in_writing": True,
    "minor_favourable": False,
}

#: The type-specific fields of each event type (the common fields are added by :func:`make`).
DEFAULTS: dict[str, dict[str, Any]] = {
    "CaseOpened": {"team_id": TEAM_ID, "municipality": "0756"},
    "ReferralReceived": {"source": "hospital", "reason": "Udskrevet efter fald"},
    "FunctionalAbilityAssessed": {
        "scores": [{"condition": "J1.1", "score": 2}, {"condition": "J3", "score": 1}]
    },
    "HealthConditionAssessed": {"conditions": [{"condition": "I4.4", "has_problem": True}]},
    "RehabilitationPotentialAssessed": {"has_potential": True, "reasons": "Motiveret"},
    "TargetGroupAssessed": {"law": "AEL", "basis": "pension_age"},
    "RehabilitationCourseStarted": {
        "course_id": "course-1",
        "goals": ["Gå til bageren selv"],
        "planned_weeks": 12,
        "legal_basis": {
            "act": "SEL",
            "paragraph": "83a",
            "stk": None,
            "nr": None,
            "regime": "SEL-2024",
        },
    },
    "RehabilitationCourseEnded": {"course_id": "course-1", "outcome": "Mål nået"},
    "VisitationGranted": _GRANT,
    "VisitationRejected": {
        "decision_id": "d-0",
        "legal_basis": _BASIS_83,
        "reasons": "Klarer sig selv",
        "complaint_guidance": True,
        "fully_granted": False,
        "reasons_name": None,
        "guidance_states": None,
    },
    "VisitationRevised": {**_GRANT, "decision_id": "d-2", "revises": "d-1"},
    "VisitDelivered": {
        "visit_id": "visit-1",
        "team_id": TEAM_ID,
        "carer_id": "ssh-1",
        "carer_role": "ssh",
        "intervention": "H1.1",
        "minutes": 30,
        "delivered_on": "2026-10-02",
    },
    "HelpSwapped": {
        "decision_id": "d-1",
        "granted_intervention": "H1.1",
        "delivered_intervention": "H1.3",
        "minutes": 30,
        "swapped_on": "2026-10-12",
    },
    "VisitDeclined": {
        "decision_id": "d-1",
        "intervention": "H1.1",
        "declined_on": "2026-10-13",
    },
    "ProviderChosen": {
        "decision_id": "d-1",
        "provider_id": "provider-b",
        "municipal": False,
        "via": "contract",
        "change": True,
        "requested_on": "2026-10-14",
        "effective_from": "2026-11-01",
    },
    "FreeChoiceCertificateDecided": {
        "decision_id": "d-1",
        "granted": False,
        "decided_on": "2026-10-14",
        "reasons": "Særlige forhold",
    },
    "ChangedNeedsReported": {
        "decision_id": "d-1",
        "provider_id": "provider-b",
        "reported_on": "2026-11-10",
    },
    "OwnHelperApproved": {
        "decision_id": "d-1",
        "helper_id": "carer-7",
        "tasks": ["H1.1"],
        "contract_ref": "contract-7",
    },
    "TimeAdjustedByTeam": {
        "decision_id": "d-1",
        "intervention": "H1.1",
        "delta_minutes": 15,
        "reason": "Borgeren ønsker bad om aftenen",
        "citizen_involved": True,
        "team_id": TEAM_ID,
    },
    "NursingTaskDelegated": {
        "delegation_id": "del-1",
        "task": "G1.20",
        "kind": "concrete",
        "delegator_id": "nurse-1",
        "delegator_role": "nurse",
        "delegate_id": "ssa-1",
        "delegate_role": "ssa",
        "instruction_ref": None,
        "competence_verified": True,
        "follow_up_due": "2026-12-30",
        "onward_delegation_allowed": False,
        "pre_dispensed": False,
    },
    "DelegationSuspended": {"delegation_id": "del-1", "reason": "Indlagt"},
    "DelegationRevoked": {"delegation_id": "del-1", "reason": "Opgaven ophører"},
    "FollowUpRecorded": {"subject_id": "d-1", "outcome": "E1", "note": "Fortsætter"},
    "CitizenAdmitted": {"institution": "Regionshospitalet Gødstrup"},
    "CitizenDischarged": {},
    "CaseClosed": {"reason": "Fraflyttet kommunen"},
    "DialogueMeetingHeld": {
        "team_id": TEAM_ID,
        "period": "2026-10",
        "held_on": "2026-11-05",
        "participants": ["visitator", "team_lead"],
        "agreements": [
            {
                "text": "Mere tid til rehabilitering",
                "owner": "team_lead",
                "due": "2026-12-31",
                "indicator": "goal_attainment",
            }
        ],
    },
    "ImprovementTrialRecorded": {
        "team_id": TEAM_ID,
        "period": "2026-10",
        "trial_id": "pdsa-1",
        "stage": "plan",
        "on": "2026-11-06",
        "indicator": "carers_per_14_days",
        "note": "Faste makkerpar i weekenden",
    },
    "PeriodSettled": {
        "team_id": TEAM_ID,
        "period": "2026-10",
        "granted_minutes": 1000,
        "delivered_minutes": 980,
        "variance_pct": "-2.0000",
        "band": "inside",
        "incentive_amount": "0.00",
        "policy_version": "default",
        "terms": dict(_DEFAULT_TERMS),
        "terms_digest": SettlementTerms().digest(),
    },
    "SettlementCorrected": {
        "team_id": TEAM_ID,
        "period": "2026-10",
        "settlement_id": "2f9a7c1e-3b5d-5e8f-a0c2-4d6e8f0a1b2c",
        "granted_minutes_delta": 0,
        "delivered_minutes_delta": 30,
        "amount_delta": "0.00",
        "band": "inside",
        "variance_pct": "1.0000",
        "caused_by": ["6c1e3a5b-7d9f-4b2a-8c4e-6f8a0b2c4d96"],
        "policy_version": "default",
        "terms_digest": SettlementTerms().digest(),
    },
    "PolicyVersionAdopted": {
        "team_id": "municipality",
        "period": "1900-01",
        "version_id": "budget-2027",
        "valid_from": "2027-01-01",
        "policy": {"settlement_band_pct": 7},
        "terms": {**_DEFAULT_TERMS, "settlement_band_pct": "7"},
        "terms_digest": SettlementTerms(settlement_band_pct=Decimal(7)).digest(),
    },
}

#: Roles that record each kind of event by default (nurses record nursing events, etc.).
_RECORDERS = {
    "HealthConditionAssessed": "nurse",
    "NursingTaskDelegated": "nurse",
    "DelegationSuspended": "nurse",
    "DelegationRevoked": "nurse",
    "VisitDelivered": "ssh",
    "TimeAdjustedByTeam": "team_lead",
    "PeriodSettled": "system",
    "SettlementCorrected": "system",
    "PolicyVersionAdopted": "controller",
}
_TEAM_EVENTS = frozenset(
    {
        "DialogueMeetingHeld",
        "ImprovementTrialRecorded",
        "PeriodSettled",
        "SettlementCorrected",
        "PolicyVersionAdopted",
    }
)


def at(day: date | str, hour: int = 10) -> str:
    """An aware ISO timestamp in Copenhagen time on ``day`` (``"2026-10-01"`` or a date)."""
    when = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime(when.year, when.month, when.day, hour, tzinfo=TZ).isoformat()


def make(type: str, /, **overrides: Any) -> dict[str, Any]:
    """A valid event of ``type`` as a JSON-ready dict, with ``overrides`` applied.

    Team events (``DialogueMeetingHeld``, ``PeriodSettled``) get no ``case_id``. An override
    of :data:`DROP` removes the field.
    """
    role = _RECORDERS.get(type, "visitator")
    data: dict[str, Any] = {
        "type": type,
        "event_id": str(uuid4()),
        "occurred_at": at("2026-10-01"),
        "recorded_by": {"actor_id": f"{role}-1", "role": role},
    }
    if type not in _TEAM_EVENTS:
        data["case_id"] = CASE_ID
    data.update(copy.deepcopy(DEFAULTS.get(type, {})))
    for key, value in overrides.items():
        if value is DROP:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def event(type: str, /, **overrides: Any) -> Event:
    """Like :func:`make`, parsed into an :data:`~erantis_domain.events.Event`."""
    return parse_event(make(type, **overrides))
