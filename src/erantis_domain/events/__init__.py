"""The event catalogue: what happened to a citizen's case, and to a team's settlement period.

This package is a public contract. Events are frozen pydantic models, named in the past tense,
with ``extra="forbid"``, joined in one discriminated union :data:`Event` on the field ``type``
(the class name). JSON goes in through :func:`parse_event` and out through
``event.model_dump(mode="json")``.

What is rejected and what is stored
-----------------------------------
*Malformed data* is rejected with :class:`~erantis_domain.errors.InvalidEventError`, whose
message names the field (and the bad value only when it is known to be safe to show; see
:func:`parse_event` for the strict, bounded contract): wrong types, missing or unknown fields, naive
datetimes, identifiers that look like CPR numbers (the value is withheld from the message),
an unknown ``type``, negative minutes of a visit or frame, an unknown FSIII code, a functional
score outside 0-4/9, ``valid_until`` before ``valid_from``, a schema version from the future.

A *questionable practice* is a fact and is stored as such, for the rules to judge: a delegation
by an SSH or to an unverified delegate, a framework delegation without an instruction, a time
adjustment without the citizen involved, a decision without goals, reasons or complaint
guidance, a visit outside any grant.

Versions
--------
Every event carries ``schema_version``. Older versions are upcast on the way in (from JSON and
from the store): ``VisitationGranted`` version 1 held ``legal_basis`` as a string such as
``"SEL §83"``; version 2 holds the structured :class:`~erantis_domain.values.LegalBasis`.

Layout
------
:mod:`~erantis_domain.events.parts` holds the shared bases, :mod:`~erantis_domain.events.case`
the events of a citizen's case, :mod:`~erantis_domain.events.team` those of a team's
settlement period, and :mod:`~erantis_domain.events.decode` the union of them all and its
strict decoder. Every public name is importable from this package.
"""

from erantis_domain.events.case import (
    CaseClosed,
    CaseOpened,
    ChangedNeedsReported,
    CitizenAdmitted,
    CitizenDischarged,
    DelegationRevoked,
    DelegationSuspended,
    FollowUpRecorded,
    FreeChoiceCertificateDecided,
    FunctionalAbilityAssessed,
    GuidanceElement,
    HealthConditionAssessed,
    HelpSwapped,
    NursingTaskDelegated,
    OwnHelperApproved,
    ProviderChosen,
    ReasonElement,
    ReferralReceived,
    RehabilitationCourseEnded,
    RehabilitationCourseStarted,
    RehabilitationPotentialAssessed,
    TargetGroupAssessed,
    TimeAdjustedByTeam,
    VisitationGranted,
    VisitationRejected,
    VisitationRevised,
    VisitDeclined,
    VisitDelivered,
)
from erantis_domain.events.decode import (
    CASE_EVENT_TYPES,
    EVENT_TYPES,
    TEAM_EVENT_TYPES,
    Event,
    event_json_schema,
    parse_event,
    parse_events,
)
from erantis_domain.events.parts import CaseEvent, DomainEvent, TeamEvent
from erantis_domain.events.team import (
    Agreement,
    DialogueMeetingHeld,
    ImprovementTrialRecorded,
    IndicatorKey,
    PeriodSettled,
    PolicyVersionAdopted,
    SettlementCorrected,
)

__all__ = [
    "CASE_EVENT_TYPES",
    "EVENT_TYPES",
    "TEAM_EVENT_TYPES",
    "Agreement",
    "CaseClosed",
    "CaseEvent",
    "CaseOpened",
    "ChangedNeedsReported",
    "CitizenAdmitted",
    "CitizenDischarged",
    "DelegationRevoked",
    "DelegationSuspended",
    "DialogueMeetingHeld",
    "DomainEvent",
    "Event",
    "FollowUpRecorded",
    "FreeChoiceCertificateDecided",
    "FunctionalAbilityAssessed",
    "GuidanceElement",
    "HealthConditionAssessed",
    "HelpSwapped",
    "ImprovementTrialRecorded",
    "IndicatorKey",
    "NursingTaskDelegated",
    "OwnHelperApproved",
    "PeriodSettled",
    "PolicyVersionAdopted",
    "ProviderChosen",
    "ReasonElement",
    "ReferralReceived",
    "RehabilitationCourseEnded",
    "RehabilitationCourseStarted",
    "RehabilitationPotentialAssessed",
    "SettlementCorrected",
    "TargetGroupAssessed",
    "TeamEvent",
    "TimeAdjustedByTeam",
    "VisitDeclined",
    "VisitDelivered",
    "VisitationGranted",
    "VisitationRejected",
    "VisitationRevised",
    "event_json_schema",
    "parse_event",
    "parse_events",
]
