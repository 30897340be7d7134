"""The events of a team's settlement period (aggregate ``TeamPeriod``): the dialogue meeting
and what it agreed, improvement trials, and the settlement."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from erantis_domain.events.parts import MAX_ITEMS, TeamEvent, Text
from erantis_domain.values import Day, Identifier, Role

__all__ = [
    "Agreement",
    "DialogueMeetingHeld",
    "ImprovementTrialRecorded",
    "IndicatorKey",
    "PeriodSettled",
]


IndicatorKey = Literal[
    "carers_per_14_days",
    "own_team_visit_pct",
    "adjustments_with_citizen_pct",
    "admissions_per_1000_days",
    "goal_attainment",
    "functional_change",
]
"""The outcome indicators an agreement or a trial can target
(``erantis_domain.projections.indicators.INDICATORS``)."""


class Agreement(BaseModel):
    """What a dialogue meeting agreed (læringslog): the text (free text: encrypted at rest,
    never shown in reports), who owns it, by when, and the outcome indicator it is to move."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: Text
    owner: Role | None = None
    due: Day | None = None
    indicator: IndicatorKey | None = None


class DialogueMeetingHeld(TeamEvent):
    """Purchaser and team met about a period (dialogmøde), and what they agreed."""

    SCHEMA_VERSION: ClassVar[int] = 2
    type: Literal["DialogueMeetingHeld"] = "DialogueMeetingHeld"
    schema_version: int = 2
    held_on: Day
    participants: tuple[Role, ...] = Field(min_length=1, max_length=MAX_ITEMS)
    agreements: tuple[Agreement, ...] = Field(max_length=MAX_ITEMS)


class ImprovementTrialRecorded(TeamEvent):
    """A step of a PDSA improvement trial the team runs (plan, do, study, act), on a day, and
    the outcome indicator it targets."""

    type: Literal["ImprovementTrialRecorded"] = "ImprovementTrialRecorded"
    trial_id: Identifier
    stage: Literal["plan", "do", "study", "act"]
    on: Day
    indicator: IndicatorKey | None = None
    note: Text


class PeriodSettled(TeamEvent):
    """A team's settlement period was settled: frame against delivery, band and incentive."""

    type: Literal["PeriodSettled"] = "PeriodSettled"
    granted_minutes: Annotated[int, Field(ge=0)]
    delivered_minutes: Annotated[int, Field(ge=0)]
    # Digits bounded (exponent included): "1E+100000000" is one digit to the eye and a
    # hundred million when printed in a report.
    variance_pct: Annotated[Decimal, Field(allow_inf_nan=False, decimal_places=4, max_digits=16)]
    band: Literal["inside", "overspend", "underspend"]
    #: DKK; positive is paid to the provider, negative is the provider's share of an overspend.
    incentive_amount: Annotated[
        Decimal, Field(allow_inf_nan=False, decimal_places=2, max_digits=17)
    ]
