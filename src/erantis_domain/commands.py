"""Commands: what someone asks the case to do, in the imperative.

A command carries everything its event needs, including ``event_id``, ``occurred_at`` and
``recorded_by``, so that :func:`erantis_domain.decide.decide` stays pure and deterministic: the
caller (a service, a test) chooses the id and the business time. Commands are frozen pydantic
models with ``extra="forbid"``; each maps to exactly one event type (``EVENT_TYPE``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from erantis_domain.events.case import require_frames_or_course
from erantis_domain.events.parts import Text
from erantis_domain.values import (
    Actor,
    CaseId,
    FollowUpOutcome,
    Frame,
    Identifier,
    InterventionCode,
    LegalBasis,
    NursingInterventionCode,
    Role,
)

__all__ = [
    "COMMAND_TYPES",
    "AdjustTime",
    "AdmitCitizen",
    "CloseCase",
    "Command",
    "DelegateNursingTask",
    "DeliverVisit",
    "DischargeCitizen",
    "GrantVisitation",
    "OpenCase",
    "RecordFollowUp",
    "RejectVisitation",
    "ReviseVisitation",
    "RevokeDelegation",
    "SuspendDelegation",
]

# Free text is bounded as in the events the commands decide.
_Text = Text


class Command(BaseModel):
    """Base of every command on a citizen's case: the fields the decided event will carry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Name of the event type this command decides.
    EVENT_TYPE: ClassVar[str] = ""

    event_id: UUID
    case_id: CaseId
    occurred_at: AwareDatetime
    recorded_by: Actor


class OpenCase(Command):
    """Open a case for a citizen with its responsible team."""

    EVENT_TYPE: ClassVar[str] = "CaseOpened"
    team_id: Identifier
    municipality: Annotated[str, Field(min_length=1, max_length=64)]


class _DecisionCommand(Command):
    decision_id: Identifier
    legal_basis: LegalBasis
    #: At least one frame, except under an ÆL §10 grant that names its ``care_course``.
    frames: tuple[Frame, ...] = ()
    goals: tuple[_Text, ...]
    valid_from: date
    valid_until: date | None = None
    follow_up_due: date
    team_id: Identifier
    reasons: _Text
    complaint_guidance: bool
    #: The care course (forløb, ÆL §9) an ÆL §10 grant gives, by its id in the municipality's
    #: catalogue (``Policy.care_courses``); ``None`` for every other decision.
    care_course: Identifier | None = None

    @model_validator(mode="after")
    def _frames_required(self) -> _DecisionCommand:
        require_frames_or_course(
            type(self).__name__, self.frames, self.care_course, self.legal_basis
        )
        return self


class GrantVisitation(_DecisionCommand):
    """Grant help (bevilling): frames of minutes per FSIII intervention, with goals."""

    EVENT_TYPE: ClassVar[str] = "VisitationGranted"


class ReviseVisitation(_DecisionCommand):
    """Replace an earlier, still standing decision (``revises``) from ``valid_from``."""

    EVENT_TYPE: ClassVar[str] = "VisitationRevised"
    revises: Identifier


class RejectVisitation(Command):
    """Reject an application for help (afslag)."""

    EVENT_TYPE: ClassVar[str] = "VisitationRejected"
    decision_id: Identifier
    legal_basis: LegalBasis
    reasons: _Text
    complaint_guidance: bool


class DeliverVisit(Command):
    """Record a delivered visit."""

    EVENT_TYPE: ClassVar[str] = "VisitDelivered"
    visit_id: Identifier
    team_id: Identifier
    carer_id: Identifier
    carer_role: Role
    intervention: InterventionCode
    minutes: Annotated[int, Field(ge=0, le=24 * 60)]
    delivered_on: date


class AdjustTime(Command):
    """Move time inside an active decision's frame (the team's adjustment, FSIII E2)."""

    EVENT_TYPE: ClassVar[str] = "TimeAdjustedByTeam"
    decision_id: Identifier
    intervention: InterventionCode
    delta_minutes: Annotated[int, Field(ge=-100_000, le=100_000)]
    reason: _Text
    citizen_involved: bool
    team_id: Identifier


class DelegateNursingTask(Command):
    """Delegate a nursing task (concrete or framework delegation)."""

    EVENT_TYPE: ClassVar[str] = "NursingTaskDelegated"
    delegation_id: Identifier
    task: NursingInterventionCode
    kind: Literal["concrete", "framework"]
    delegator_id: Identifier
    delegator_role: Role
    delegate_id: Identifier
    delegate_role: Role
    instruction_ref: Annotated[str, Field(max_length=256)] | None = None
    competence_verified: bool
    follow_up_due: date
    onward_delegation_allowed: bool = False
    pre_dispensed: bool = False


class SuspendDelegation(Command):
    """Suspend an active delegation (e.g. on hospital admission)."""

    EVENT_TYPE: ClassVar[str] = "DelegationSuspended"
    delegation_id: Identifier
    reason: _Text


class RevokeDelegation(Command):
    """Revoke a delegation for good."""

    EVENT_TYPE: ClassVar[str] = "DelegationRevoked"
    delegation_id: Identifier
    reason: _Text


class RecordFollowUp(Command):
    """Record a follow-up (faglig opfølgning) of a known decision or delegation."""

    EVENT_TYPE: ClassVar[str] = "FollowUpRecorded"
    subject_id: Identifier
    outcome: FollowUpOutcome
    note: _Text = ""


class AdmitCitizen(Command):
    """Record that the citizen was admitted to an institution."""

    EVENT_TYPE: ClassVar[str] = "CitizenAdmitted"
    institution: Annotated[str, Field(min_length=1, max_length=128)]


class DischargeCitizen(Command):
    """Record that an admitted citizen came home."""

    EVENT_TYPE: ClassVar[str] = "CitizenDischarged"


class CloseCase(Command):
    """Close the case."""

    EVENT_TYPE: ClassVar[str] = "CaseClosed"
    reason: _Text


COMMAND_TYPES: dict[str, type[Command]] = {
    cls.__name__: cls
    for cls in (
        OpenCase,
        GrantVisitation,
        ReviseVisitation,
        RejectVisitation,
        DeliverVisit,
        AdjustTime,
        DelegateNursingTask,
        SuspendDelegation,
        RevokeDelegation,
        RecordFollowUp,
        AdmitCitizen,
        DischargeCitizen,
        CloseCase,
    )
}
"""Every command class by its name."""
