"""The events of a citizen's case (aggregate ``CitizenCase``): referral, assessments,
decisions, visits, delegations, follow-ups, admissions, closing."""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from erantis_domain.events.parts import MAX_ITEMS, CaseEvent, Text
from erantis_domain.values import (
    CourseFrame,
    Day,
    FollowUpOutcome,
    Frame,
    FunctionalScoreEntry,
    HealthFinding,
    Identifier,
    InterventionCode,
    LegalBasis,
    Municipality,
    NursingInterventionCode,
    Role,
    _label_chars,
)

__all__ = [
    "CaseClosed",
    "CaseOpened",
    "ChangedNeedsReported",
    "CitizenAdmitted",
    "CitizenDischarged",
    "DelegationRevoked",
    "DelegationSuspended",
    "FollowUpRecorded",
    "FreeChoiceCertificateDecided",
    "FunctionalAbilityAssessed",
    "GuidanceElement",
    "HealthConditionAssessed",
    "HelpSwapped",
    "NursingTaskDelegated",
    "OwnHelperApproved",
    "ProviderChosen",
    "ReasonElement",
    "ReferralReceived",
    "RehabilitationCourseEnded",
    "RehabilitationCourseStarted",
    "RehabilitationPotentialAssessed",
    "TargetGroupAssessed",
    "TimeAdjustedByTeam",
    "VisitDeclined",
    "VisitDelivered",
    "VisitationGranted",
    "VisitationRejected",
    "VisitationRevised",
]


class CaseOpened(CaseEvent):
    """A case was opened for a citizen, with the responsible team."""

    type: Literal["CaseOpened"] = "CaseOpened"
    team_id: Identifier
    municipality: Municipality


class ReferralReceived(CaseEvent):
    """A referral (henvendelse) arrived."""

    type: Literal["ReferralReceived"] = "ReferralReceived"
    #: Who referred: a hospital or the citizen's own doctor (``gp``) is a physician's referral
    #: (lægehenvisning, the condition of home nursing under SUL §138).
    source: Literal["hospital", "gp", "relative", "citizen", "other"]
    reason: Text


class FunctionalAbilityAssessed(CaseEvent):
    """Functional ability (funktionsevnetilstand) was assessed per FSIII J area, graded."""

    type: Literal["FunctionalAbilityAssessed"] = "FunctionalAbilityAssessed"
    scores: tuple[FunctionalScoreEntry, ...] = Field(min_length=1, max_length=MAX_ITEMS)


class HealthConditionAssessed(CaseEvent):
    """Health conditions (helbredstilstande, FSIII I areas) were assessed by a nurse."""

    type: Literal["HealthConditionAssessed"] = "HealthConditionAssessed"
    conditions: tuple[HealthFinding, ...] = Field(min_length=1, max_length=MAX_ITEMS)


class TargetGroupAssessed(CaseEvent):
    """The municipality assessed which law the citizen's need for care falls under
    (målgruppevurdering): the Elderly Act (``AEL``, ÆL §2: pension age, or below it with a need
    equivalent to ageing, stk. 2) or the Social Services Act (``SEL``: e.g. a need from
    disability, or help under SEL §§95-96, ÆL §2 stk. 4). Only the conclusion and its basis
    are recorded: never a birth date or a CPR number."""

    type: Literal["TargetGroupAssessed"] = "TargetGroupAssessed"
    law: Literal["AEL", "SEL"]
    basis: Literal["pension_age", "equivalent_need", "sel_95_96", "other"]


class RehabilitationPotentialAssessed(CaseEvent):
    """Whether the citizen may regain function was assessed (SEL §83 stk. 3)."""

    type: Literal["RehabilitationPotentialAssessed"] = "RehabilitationPotentialAssessed"
    has_potential: bool
    reasons: Text


class RehabilitationCourseStarted(CaseEvent):
    """A time-limited rehabilitation course (SEL §83a) started, with individual goals."""

    type: Literal["RehabilitationCourseStarted"] = "RehabilitationCourseStarted"
    course_id: Identifier
    goals: tuple[Text, ...] = Field(max_length=MAX_ITEMS)
    planned_weeks: Annotated[int, Field(ge=1, le=104)]
    legal_basis: LegalBasis


class RehabilitationCourseEnded(CaseEvent):
    """A rehabilitation course ended."""

    type: Literal["RehabilitationCourseEnded"] = "RehabilitationCourseEnded"
    course_id: Identifier
    outcome: Text


ReasonElement = Literal["legal_rules", "main_considerations", "facts"]
"""What the reasons of a decision name (Forvaltningsloven §24): the legal rules it rests on,
the main considerations of a discretionary decision, the facts relied on."""

GuidanceElement = Literal["complaint_body", "via_municipality", "time_limit", "ending_final"]
"""What the complaint guidance states (Forvaltningsloven §25 stk. 1): the complaint body
(Ankestyrelsen, SEL §166, ÆL §30 stk. 1), that the complaint goes first to the municipality that
decided, which reassesses it (retssikkerhedsloven §66), the time limit of 4 weeks (§67); and,
for an Elderly Act decision that ends a Serviceloven decision, that this ending cannot be
appealed (ÆL §30 stk. 2)."""


class _DecisionContent(CaseEvent):
    """What every decision (grant, revision, rejection) records of its reasons and complaint
    guidance beyond their presence: which elements they hold, never their text. ``None``: not
    recorded (events written before these fields): then only their presence is judged."""

    #: The elements the reasons name.
    reasons_name: tuple[ReasonElement, ...] | None = Field(default=None, max_length=3)
    #: The elements the complaint guidance states.
    guidance_states: tuple[GuidanceElement, ...] | None = Field(default=None, max_length=4)


def require_frames_or_course(
    title: str, frames: tuple[Frame, ...], care_course: str | None, legal_basis: LegalBasis
) -> None:
    """Refuse a grant without frames unless it is an ÆL §10 grant naming its care course.

    Shared by the decision events and the commands that decide them, so both refuse the same
    grants with the same error, located at ``frames``.
    """
    if frames or (care_course is not None and legal_basis.cites("AEL", "10")):
        return
    # Raised as a ValidationError so the problem is located at ``frames`` (a model validator's
    # own errors have no field); the usual length error for any other grant.
    if legal_basis.cites("AEL", "10"):
        error: str | PydanticCustomError = PydanticCustomError(
            "frames_or_care_course",
            "an ÆL §10 grant without frames must name its care course (care_course)",
        )
        ctx: dict[str, object] = {}
    else:
        error = "too_short"
        ctx = {"field_type": "Tuple", "min_length": 1, "actual_length": 0}
    raise ValidationError.from_exception_data(
        title, [InitErrorDetails(type=error, loc=("frames",), input=list(frames), ctx=ctx)]
    )


class _DecisionBody(_DecisionContent):
    """Fields of a granting decision (afgørelse), shared by grants and revisions."""

    # The part of the frames rule a JSON Schema can state: a grant with no frames names a care
    # course. That the course stands under ÆL §10 rests on the legal basis as normalised
    # ("Ældreloven", "§ 10, stk. 1"), which only the model reads.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"frames": {"maxItems": 0}}, "required": ["frames"]},
            "then": {
                "required": ["care_course"],
                "properties": {"care_course": {"type": "string"}},
            },
        }
    )

    decision_id: Identifier
    legal_basis: LegalBasis
    #: The minutes per intervention. At least one, except under an ÆL §10 grant that names its
    #: ``care_course``: there the forløb is what is granted and minutes are the municipality's
    #: own, optional configuration (ÆL §10, §9 stk. 2).
    frames: tuple[Frame, ...] = Field(max_length=MAX_ITEMS)
    goals: tuple[Text, ...] = Field(max_length=MAX_ITEMS)
    valid_from: Day
    valid_until: Day | None
    follow_up_due: Day
    team_id: Identifier
    reasons: Text
    complaint_guidance: bool
    #: The physician's referral the grant rests on, when it is not recorded as a
    #: ``ReferralReceived`` of the case (a reference in another system).
    referral_ref: Identifier | None = None
    #: A care course's pooled frame (helhedspleje): the frame that counts, with ``frames`` as
    #: its content. ``None``: each frame counts for its intervention.
    course_frame: CourseFrame | None = None
    #: The care course (forløb) of the municipality's catalogue an ÆL §10 decision grants, by
    #: its id in the catalogue (ÆL §9 stk. 1 and 3): what the help may hold is the course's
    #: elements (§9 stk. 2 nr. 1-3). ``None``: none named (events written before this field,
    #: and every decision that is not a §10 grant).
    care_course: Identifier | None = None
    #: The decision grants all that was applied for (fuldt medhold): then Forvaltningsloven
    #: §22 asks no reasons, and no complaint guidance is needed. Events without it are read
    #: as not fully granted (reasons and guidance required), as before it existed.
    fully_granted: bool = False
    #: The citizen was informed in writing of the help granted (SEL §89, ÆL §29). Events
    #: without it are read as informed: the written decision states the help it grants.
    informed_in_writing: bool = True
    #: A minor adjustment in the citizen's favour, which needs no new written information
    #: (SEL §89 2. pkt., ÆL §29 2. pkt.).
    minor_favourable: bool = False

    @field_validator("frames")
    @classmethod
    def _one_frame_per_intervention(cls, frames: tuple[Frame, ...]) -> tuple[Frame, ...]:
        seen: set[str] = set()
        for frame in frames:
            if frame.intervention in seen:
                raise ValueError(
                    f"intervention {frame.intervention} has more than one frame; "
                    "give one frame per intervention"
                )
            seen.add(frame.intervention)
        return frames

    @model_validator(mode="after")
    def _frames_required(self) -> _DecisionBody:
        require_frames_or_course(
            type(self).__name__, self.frames, self.care_course, self.legal_basis
        )
        return self

    @field_validator("valid_until")
    @classmethod
    def _validity_ordered(cls, valid_until: date | None, info: ValidationInfo) -> date | None:
        # A field validator, so the error is located at ``valid_until`` (``valid_from`` is
        # declared first and is in ``info.data`` when it was valid itself).
        valid_from = info.data.get("valid_from")
        if valid_until is not None and valid_from is not None and valid_until < valid_from:
            raise ValueError(
                f"valid_until {valid_until.isoformat()} is before "
                f"valid_from {valid_from.isoformat()}"
            )
        return valid_until


class VisitationGranted(_DecisionBody):
    """The purchaser granted help: a frame of minutes per FSIII intervention, with goals
    (rammevisitation)."""

    SCHEMA_VERSION: ClassVar[int] = 2
    type: Literal["VisitationGranted"] = "VisitationGranted"
    schema_version: int = 2


class VisitationRevised(_DecisionBody):
    """A new decision replaced an earlier one (``revises``) from its ``valid_from``."""

    type: Literal["VisitationRevised"] = "VisitationRevised"
    revises: Identifier


class VisitationRejected(_DecisionContent):
    """The purchaser rejected an application for help."""

    type: Literal["VisitationRejected"] = "VisitationRejected"
    decision_id: Identifier
    legal_basis: LegalBasis
    reasons: Text
    complaint_guidance: bool
    #: Always false: a rejection grants nothing (kept so every decision has the field).
    fully_granted: Literal[False] = False


class VisitDelivered(CaseEvent):
    """A visit was delivered: who, which intervention, how many minutes, on which day."""

    type: Literal["VisitDelivered"] = "VisitDelivered"
    visit_id: Identifier
    team_id: Identifier
    carer_id: Identifier
    carer_role: Role
    intervention: InterventionCode
    minutes: Annotated[int, Field(ge=0, le=24 * 60)]
    delivered_on: Day


class HelpSwapped(CaseEvent):
    """The citizen used the swap right (bytteret, SEL §94a; under the Elderly Act a care
    course's content varies by design): on ``swapped_on`` a visit gave ``delivered_intervention``
    instead of the decided ``granted_intervention``, inside the time granted for it."""

    type: Literal["HelpSwapped"] = "HelpSwapped"
    decision_id: Identifier
    granted_intervention: InterventionCode
    delivered_intervention: InterventionCode
    minutes: Annotated[int, Field(ge=0, le=24 * 60)]
    swapped_on: Day


class ProviderChosen(CaseEvent):
    """The citizen chose, or changed, who delivers the help of a decision (frit valg: ÆL §18,
    SEL §91): the request's day and the day the provider takes over. A municipality sets how
    soon a change takes effect (BEK nr. 594/2025 §4)."""

    type: Literal["ProviderChosen"] = "ProviderChosen"
    decision_id: Identifier
    provider_id: Identifier
    #: The municipality's own provider (at most one of the providers offered is, ÆL §18 stk. 1).
    municipal: bool
    #: How the choice is made: an approved provider under contract, or a fritvalgsbevis (a
    #: certificate the citizen contracts with, granted by decision, BEK nr. 594/2025 §5).
    via: Literal["contract", "fritvalgsbevis"] = "contract"
    #: A change from an earlier provider (not the first choice).
    change: bool
    requested_on: Day
    effective_from: Day

    @field_validator("effective_from")
    @classmethod
    def _after_request(cls, effective_from: date, info: ValidationInfo) -> date:
        requested = info.data.get("requested_on")
        if requested is not None and effective_from < requested:
            raise ValueError(
                f"effective_from {effective_from.isoformat()} is before "
                f"requested_on {requested.isoformat()}"
            )
        return effective_from


class FreeChoiceCertificateDecided(CaseEvent):
    """The municipality decided on a fritvalgsbevis for the help of a decision: a certificate
    with which the citizen contracts with a provider of their own choice, granted by decision
    (BEK nr. 594/2025 §5), or refused, which ÆL §18 stk. 4 allows only in special cases. A
    refusal is a decision that does not grant what was asked: it gives its reasons
    (Forvaltningsloven §22)."""

    type: Literal["FreeChoiceCertificateDecided"] = "FreeChoiceCertificateDecided"
    #: The decision of help the certificate is for.
    decision_id: Identifier
    granted: bool
    decided_on: Day
    #: The reasons of a refusal (never put in findings; only whether there are any is read).
    reasons: Text = ""


class ChangedNeedsReported(CaseEvent):
    """A provider told the municipality (myndigheden) that the citizen's need for help changed
    (ÆL §18 stk. 6; BEK nr. 594/2025 §3), for the decision it delivers."""

    type: Literal["ChangedNeedsReported"] = "ChangedNeedsReported"
    decision_id: Identifier
    provider_id: Identifier
    reported_on: Day


class OwnHelperApproved(CaseEvent):
    """The municipality approved a person the citizen appointed to carry out help of a decision
    (ÆL §20; SEL §94 before): the tasks of the contract, and the contract's reference (``None``:
    no contract on file). The helper may carry out only the contracted tasks (§20 stk. 2)."""

    type: Literal["OwnHelperApproved"] = "OwnHelperApproved"
    decision_id: Identifier
    #: The helper as a carer (an actor id, never a name): their visits carry it as carer_id.
    helper_id: Identifier
    tasks: tuple[InterventionCode, ...] = Field(min_length=1, max_length=MAX_ITEMS)
    contract_ref: Identifier | None


class VisitDeclined(CaseEvent):
    """The citizen declined a visit of the decided help on ``declined_on`` (a fact for the
    dialogue: declining often may call for a reassessment, FRM-008)."""

    type: Literal["VisitDeclined"] = "VisitDeclined"
    decision_id: Identifier
    intervention: InterventionCode
    declined_on: Day


class TimeAdjustedByTeam(CaseEvent):
    """The team moved time inside a decision's frame (``delta_minutes`` per the frame's
    period; negative when reduced)."""

    type: Literal["TimeAdjustedByTeam"] = "TimeAdjustedByTeam"
    decision_id: Identifier
    intervention: InterventionCode
    delta_minutes: Annotated[int, Field(ge=-100_000, le=100_000)]
    reason: Text
    citizen_involved: bool
    team_id: Identifier


class NursingTaskDelegated(CaseEvent):
    """A nursing task was delegated (concrete: one citizen; framework: rammedelegation)."""

    type: Literal["NursingTaskDelegated"] = "NursingTaskDelegated"
    delegation_id: Identifier
    task: NursingInterventionCode
    kind: Literal["concrete", "framework"]
    delegator_id: Identifier
    delegator_role: Role
    delegate_id: Identifier
    delegate_role: Role
    instruction_ref: Annotated[str, Field(max_length=256)] | None
    competence_verified: bool
    follow_up_due: Day
    onward_delegation_allowed: bool
    #: The medicine is pre-dispensed (dosisdispenseret): an SSH may give it only then, under
    #: the default policy. Events without it are read as not pre-dispensed.
    pre_dispensed: bool = False


class DelegationSuspended(CaseEvent):
    """A delegation was suspended (e.g. on hospital admission)."""

    type: Literal["DelegationSuspended"] = "DelegationSuspended"
    delegation_id: Identifier
    reason: Text


class DelegationRevoked(CaseEvent):
    """A delegation was revoked for good."""

    type: Literal["DelegationRevoked"] = "DelegationRevoked"
    delegation_id: Identifier
    reason: Text


class FollowUpRecorded(CaseEvent):
    """A professional follow-up (faglig opfølgning) of a decision or delegation, with the FSIII
    outcome: E1 continue, E2 changed within the frame, E3 ended, E4 re-assessment."""

    type: Literal["FollowUpRecorded"] = "FollowUpRecorded"
    subject_id: Identifier
    outcome: FollowUpOutcome
    note: Text


class CitizenAdmitted(CaseEvent):
    """The citizen was admitted to an institution (usually a hospital)."""

    type: Literal["CitizenAdmitted"] = "CitizenAdmitted"
    institution: Annotated[
        str, StringConstraints(min_length=1, max_length=128), AfterValidator(_label_chars)
    ]


class CitizenDischarged(CaseEvent):
    """The citizen came home from an admission."""

    type: Literal["CitizenDischarged"] = "CitizenDischarged"


class CaseClosed(CaseEvent):
    """The case was closed (the citizen no longer receives help)."""

    type: Literal["CaseClosed"] = "CaseClosed"
    reason: Text
