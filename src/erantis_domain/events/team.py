"""The events of a team's settlement period (aggregate ``TeamPeriod``): the dialogue meeting
and what it agreed, improvement trials, and the settlement."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Final, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

from erantis_domain._terms import SettlementTerms
from erantis_domain.events.parts import MAX_ITEMS, TeamEvent, Text
from erantis_domain.values import Day, Identifier, Role

__all__ = [
    "POLICY_PERIOD",
    "POLICY_TEAM",
    "Agreement",
    "DialogueMeetingHeld",
    "ImprovementTrialRecorded",
    "IndicatorKey",
    "PeriodSettled",
    "PolicyVersionAdopted",
    "SettlementCorrected",
]

Digest = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
"""A SHA-256 digest in lower-case hex."""

Amount = Annotated[Decimal, Field(allow_inf_nan=False, decimal_places=2, max_digits=17)]
"""DKK to the øre, bounded in digits (exponent included): "1E+100000000" is one digit to the
eye and a hundred million when printed in a report."""


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
    incentive_amount: Amount
    # Optional, so that settlements recorded before policies had versions stay readable.
    #: The id of the policy version whose terms were used.
    policy_version: Identifier | None = None
    #: The terms the figures were computed under, and their digest
    #: (:meth:`SettlementTerms.digest`): a correction or a what-if reads them back from here.
    terms: SettlementTerms | None = None
    terms_digest: Digest | None = None

    @model_validator(mode="after")
    def _digest_matches(self) -> PeriodSettled:
        if self.terms is not None and self.terms_digest not in (None, self.terms.digest()):
            raise ValueError("terms_digest is not the digest of terms")
        return self


#: Every adopted policy version is recorded in one stream, keyed like a team period: the whole
#: history of terms reads in one go, and two adoptions cannot pass each other unseen.
POLICY_TEAM: Final = "municipality"
POLICY_PERIOD: Final = "1900-01"

#: Longest policy document an adoption holds (as compact JSON): a real one is a few hundred.
_MAX_POLICY_JSON = 100_000


class PolicyVersionAdopted(TeamEvent):
    """A version of the municipality's policy was adopted: its terms apply from ``valid_from``
    (a settlement period judged by the version in force on its first day), until the
    ``valid_from`` of a later version. ``policy`` is the policy document as adopted (the
    fields of ``erantis_rules.Policy``), ``terms`` the settlement terms it sets."""

    type: Literal["PolicyVersionAdopted"] = "PolicyVersionAdopted"
    team_id: Literal["municipality"] = POLICY_TEAM
    period: Literal["1900-01"] = POLICY_PERIOD
    version_id: Identifier
    valid_from: Day
    policy: dict[str, JsonValue]
    terms: SettlementTerms
    terms_digest: Digest | None = None

    @field_validator("policy")
    @classmethod
    def _bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(value, separators=(",", ":"))) > _MAX_POLICY_JSON:
            raise ValueError(f"is longer than {_MAX_POLICY_JSON} characters as JSON")
        return value

    @model_validator(mode="after")
    def _digest_matches(self) -> PolicyVersionAdopted:
        if self.terms_digest not in (None, self.terms.digest()):
            raise ValueError("terms_digest is not the digest of terms")
        return self


class SettlementCorrected(TeamEvent):
    """Events recorded after a period was settled changed its figures: the difference, under
    the terms of the original settlement, and the events that caused it. The settlement itself
    stands (a settled period is never recomputed in place): settled plus its corrections is
    the period as known now."""

    type: Literal["SettlementCorrected"] = "SettlementCorrected"
    #: The ``PeriodSettled`` corrected.
    settlement_id: UUID
    #: Frame minutes (granted plus adjusted) as known now, minus as settled and corrected.
    granted_minutes_delta: int = Field(ge=-10_000_000, le=10_000_000)
    delivered_minutes_delta: int = Field(ge=-10_000_000, le=10_000_000)
    #: DKK: positive is owed to the provider, negative owed by it.
    amount_delta: Amount
    #: Band and variance of the period as known now.
    band: Literal["inside", "overspend", "underspend"]
    variance_pct: Annotated[Decimal, Field(allow_inf_nan=False, decimal_places=4, max_digits=16)]
    #: The events recorded after the settlement (or its last correction) in the cases whose
    #: figures changed.
    caused_by: tuple[UUID, ...] = Field(min_length=1, max_length=1000)
    policy_version: Identifier | None = None
    terms_digest: Digest | None = None
