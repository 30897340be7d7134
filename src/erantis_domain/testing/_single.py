"""Private: strategies of the fields of each event type, for single, independent events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from erantis_domain.events import EVENT_TYPES, TEAM_EVENT_TYPES
from erantis_domain.values import Role

__all__ = ["payloads"]

Fields = dict[str, st.SearchStrategy[Any]]

_ROLES = st.sampled_from([role.value for role in Role])
_TEXT = st.sampled_from(
    ["", "Aftalt med borgeren", " Behov for hjælp ", "linje\nskift", "æøå «»"]
) | st.text(max_size=20)
_ID = st.sampled_from(["x-1", "x-2", "carer-1", "team-1"]) | st.from_regex(
    r"[a-z]{1,6}-[0-9]{1,4}", fullmatch=True
)
_CASE = st.sampled_from(["case-0001", "case-0002", "case-0003"]) | _ID
_TEAM = st.sampled_from(["team-1", "team-2"])
_DAY = st.dates(date(2024, 1, 1), date(2027, 12, 31))
_PERIOD = _DAY.map(lambda d: d.strftime("%Y-%m"))
_ZONES = st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=2))])
_AT = st.datetimes(datetime(2024, 1, 1), datetime(2027, 12, 31), timezones=_ZONES)
_J = st.sampled_from(["J1", "J1.1", "J2", "J3.5", "J4.1", "J5"])
_I = st.sampled_from(["I1", "I4.4", "I9", "I12"])
_H = st.sampled_from(["H1.1", "H1.2", "H1.8", "H2.1", "H3"])
_G = st.sampled_from(["G1.19", "G1.20", "G1.39", "G1.5"])
_BASIS = st.sampled_from(
    [
        {"act": "SEL", "paragraph": "83", "regime": "SEL-2024"},
        {"act": "SEL", "paragraph": "83a", "regime": "SEL-2024"},
        {"act": "SUL", "paragraph": "138", "regime": "SUL-2024"},
        {"act": "Ældreloven", "paragraph": "10", "regime": "AEL-2025"},
    ]
)
_FRAME = st.fixed_dictionaries(
    {
        "intervention": _H | _G,
        "minutes": st.integers(0, 2000),
        "per": st.sampled_from(["week", "month"]),
    }
)


@st.composite
def _decision(draw: st.DrawFn, revision: bool) -> dict[str, Any]:
    valid_from = draw(_DAY)
    length = draw(st.none() | st.integers(0, 800))
    fields = {
        "decision_id": draw(_ID),
        "legal_basis": draw(_BASIS),
        "frames": draw(
            st.lists(_FRAME, min_size=1, max_size=3, unique_by=lambda f: f["intervention"])
        ),
        "goals": draw(st.lists(_TEXT, max_size=2)),
        "valid_from": valid_from.isoformat(),
        "valid_until": None
        if length is None
        else (valid_from + timedelta(days=length)).isoformat(),
        "follow_up_due": draw(_DAY).isoformat(),
        "team_id": draw(_TEAM),
        "reasons": draw(_TEXT),
        "complaint_guidance": draw(st.booleans()),
    }
    if revision:
        fields["revises"] = draw(_ID)
    return fields


def _fields(kind: str) -> Fields:
    iso = _DAY.map(date.isoformat)
    table: dict[str, Fields] = {
        "CaseOpened": {"team_id": _TEAM, "municipality": st.sampled_from(["0756", "0101"])},
        "ReferralReceived": {
            "source": st.sampled_from(["hospital", "gp", "relative", "citizen", "other"]),
            "reason": _TEXT,
        },
        "FunctionalAbilityAssessed": {
            "scores": st.lists(
                st.fixed_dictionaries(
                    {"condition": _J, "score": st.sampled_from([0, 1, 2, 3, 4, 9])}
                ),
                min_size=1,
                max_size=4,
            )
        },
        "HealthConditionAssessed": {
            "conditions": st.lists(
                st.fixed_dictionaries({"condition": _I, "has_problem": st.booleans()}),
                min_size=1,
                max_size=3,
            )
        },
        "RehabilitationPotentialAssessed": {"has_potential": st.booleans(), "reasons": _TEXT},
        "TargetGroupAssessed": {
            "law": st.sampled_from(["AEL", "SEL"]),
            "basis": st.sampled_from(["pension_age", "equivalent_need", "sel_95_96", "other"]),
        },
        "RehabilitationCourseStarted": {
            "course_id": _ID,
            "goals": st.lists(_TEXT, max_size=2),
            "planned_weeks": st.integers(1, 104),
            "legal_basis": _BASIS,
        },
        "RehabilitationCourseEnded": {"course_id": _ID, "outcome": _TEXT},
        "VisitationRejected": {
            "decision_id": _ID,
            "legal_basis": _BASIS,
            "reasons": _TEXT,
            "complaint_guidance": st.booleans(),
        },
        "VisitDelivered": {
            "visit_id": _ID,
            "team_id": _TEAM,
            "carer_id": _ID,
            "carer_role": _ROLES,
            "intervention": _H | _G,
            "minutes": st.integers(0, 24 * 60),
            "delivered_on": iso,
        },
        "HelpSwapped": {
            "decision_id": _ID,
            "granted_intervention": _H,
            "delivered_intervention": _H,
            "minutes": st.integers(0, 240),
            "swapped_on": iso,
        },
        "VisitDeclined": {"decision_id": _ID, "intervention": _H, "declined_on": iso},
        "ProviderChosen": {
            "decision_id": _ID,
            "provider_id": _ID,
            "municipal": st.booleans(),
            "via": st.sampled_from(["contract", "fritvalgsbevis"]),
            "change": st.booleans(),
            "requested_on": st.just("2024-01-01"),
            "effective_from": iso,
        },
        "ChangedNeedsReported": {"decision_id": _ID, "provider_id": _ID, "reported_on": iso},
        "FreeChoiceCertificateDecided": {
            "decision_id": _ID,
            "granted": st.booleans(),
            "decided_on": iso,
        },
        "OwnHelperApproved": {
            "decision_id": _ID,
            "helper_id": _ID,
            "tasks": st.lists(_H, min_size=1, max_size=3, unique=True),
            "contract_ref": st.none() | _ID,
        },
        "TimeAdjustedByTeam": {
            "decision_id": _ID,
            "intervention": _H | _G,
            "delta_minutes": st.integers(-600, 600),
            "reason": _TEXT,
            "citizen_involved": st.booleans(),
            "team_id": _TEAM,
        },
        "NursingTaskDelegated": {
            "delegation_id": _ID,
            "task": _G,
            "kind": st.sampled_from(["concrete", "framework"]),
            "delegator_id": _ID,
            "delegator_role": _ROLES,
            "delegate_id": _ID,
            "delegate_role": _ROLES,
            "instruction_ref": st.none() | st.just("instr-1"),
            "competence_verified": st.booleans(),
            "follow_up_due": iso,
            "onward_delegation_allowed": st.booleans(),
        },
        "DelegationSuspended": {"delegation_id": _ID, "reason": _TEXT},
        "DelegationRevoked": {"delegation_id": _ID, "reason": _TEXT},
        "FollowUpRecorded": {
            "subject_id": _ID,
            "outcome": st.sampled_from(["E1", "E2", "E3", "E4"]),
            "note": _TEXT,
        },
        "CitizenAdmitted": {"institution": st.sampled_from(["Regionshospitalet", "Hospice"])},
        "CitizenDischarged": {},
        "CaseClosed": {"reason": _TEXT},
        "DialogueMeetingHeld": {
            "team_id": _TEAM,
            "period": _PERIOD,
            "held_on": iso,
            "participants": st.lists(_ROLES, min_size=1, max_size=3),
            "agreements": st.lists(
                st.fixed_dictionaries(
                    {"text": _TEXT},
                    optional={
                        "owner": _ROLES,
                        "due": iso,
                        "indicator": st.sampled_from(["goal_attainment", "carers_per_14_days"]),
                    },
                ),
                max_size=2,
            ),
        },
        "ImprovementTrialRecorded": {
            "team_id": _TEAM,
            "period": _PERIOD,
            "trial_id": _ID,
            "stage": st.sampled_from(["plan", "do", "study", "act"]),
            "on": iso,
            "note": _TEXT,
        },
        "PeriodSettled": {
            "team_id": _TEAM,
            "period": _PERIOD,
            "granted_minutes": st.integers(0, 50_000),
            "delivered_minutes": st.integers(0, 50_000),
            "variance_pct": st.decimals(-1000, 1000, places=4).map(str),
            "band": st.sampled_from(["inside", "overspend", "underspend"]),
            "incentive_amount": st.decimals(-100_000, 100_000, places=2).map(str),
        },
        "SettlementCorrected": {
            "team_id": _TEAM,
            "period": _PERIOD,
            "settlement_id": st.uuids().map(str),
            "granted_minutes_delta": st.integers(-5_000, 5_000),
            "delivered_minutes_delta": st.integers(-5_000, 5_000),
            "amount_delta": st.decimals(-100_000, 100_000, places=2).map(str),
            "band": st.sampled_from(["inside", "overspend", "underspend"]),
            "variance_pct": st.decimals(-1000, 1000, places=4).map(str),
            "caused_by": st.lists(st.uuids().map(str), min_size=1, max_size=3),
        },
        "PolicyVersionAdopted": {
            "version_id": _ID,
            "valid_from": iso,
            "policy": st.fixed_dictionaries(
                {}, optional={"settlement_band_pct": st.integers(0, 20), "name": _ID}
            ),
            "terms": st.fixed_dictionaries(
                {},
                optional={
                    "settlement_band_pct": st.integers(0, 20).map(str),
                    "minute_price": st.decimals(1, 20, places=2).map(str),
                    "carry_over": st.booleans(),
                },
            ),
        },
    }
    return table[kind]


def payloads(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    """JSON-ready dicts of one valid event of type ``kind`` (not yet parsed)."""
    common: Fields = {
        "type": st.just(kind),
        "event_id": st.uuids().map(str),
        "occurred_at": _AT.map(datetime.isoformat),
        "recorded_by": st.fixed_dictionaries({"actor_id": _ID, "role": _ROLES}),
    }
    if kind not in TEAM_EVENT_TYPES:
        common["case_id"] = _CASE
    if kind not in EVENT_TYPES:
        raise ValueError(f"unknown event type {kind!r}; known: {sorted(EVENT_TYPES)}")
    if kind in ("VisitationGranted", "VisitationRevised"):
        body = _decision(kind == "VisitationRevised")
        return st.tuples(st.fixed_dictionaries(common), body).map(lambda t: {**t[0], **t[1]})
    return st.fixed_dictionaries({**common, **_fields(kind)})
