"""``Policy``: every threshold the rules and the settlement read, with the defaults of
``DOMAIN.md``. A municipality overrides them in a TOML or JSON file (:meth:`Policy.from_file`).

Thresholds are policy, not law: the rules read them only from here.
"""

from __future__ import annotations

import json
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from erantis_domain import fsiii
from erantis_domain.errors import InvalidPolicyError
from erantis_domain.fsiii import is_code
from erantis_domain.projections.terms import SettlementTerms
from erantis_domain.values import Role
from erantis_rules.courses import DEFAULT_CARE_COURSES, CareCourse, check_catalogue
from erantis_rules.regimes import DEFAULT_REGIMES, Regime

__all__ = [
    "DEFAULT_DELEGABLE_TASKS",
    "DEFAULT_DELEGATING_TASKS",
    "DEFAULT_PRE_DISPENSED_TASKS",
    "MunicipalStandard",
    "Policy",
]

#: Default delegable nursing tasks (FSIII G1.x) per delegate role. Nurses and physicians may
#: take any task.
DEFAULT_DELEGABLE_TASKS: dict[Role, frozenset[str]] = {
    Role.SSA: frozenset({"G1.20", "G1.19", "G1.39"}),
    Role.SSH: frozenset({"G1.19"}),
}
#: Tasks a delegate role may take only when the medicine is pre-dispensed: an SSH gives
#: medicine (G1.20) only then (DOMAIN.md).
DEFAULT_PRE_DISPENSED_TASKS: dict[Role, frozenset[str]] = {Role.SSH: frozenset({"G1.20"})}
#: Who may delegate or hand over which nursing tasks: the physician (reserved tasks are theirs)
#: and the nurse (hand-over under her duty of care, opgaveoverdragelse) any task. Whether an SSA
#: may pass a delegated task on (videredelegation) is unverified law (docs/law.md): it is no
#: violation by default, and a municipality that forbids it says so (``ssa = []``).
DEFAULT_DELEGATING_TASKS: dict[Role, frozenset[str]] = {
    Role.PHYSICIAN: fsiii.codes("G"),
    Role.NURSE: fsiii.codes("G"),
    Role.SSA: fsiii.codes("G"),
}

#: The tables by role a policy merges with the defaults: a role it names replaces that role's
#: default tasks, a role it leaves out keeps them (give ``[]`` to take a role's tasks away).
_ROLE_TABLES: dict[str, dict[Role, frozenset[str]]] = {
    "delegable_tasks_by_role": DEFAULT_DELEGABLE_TASKS,
    "pre_dispensed_tasks_by_role": DEFAULT_PRE_DISPENSED_TASKS,
    "delegating_tasks_by_role": DEFAULT_DELEGATING_TASKS,
}


class MunicipalStandard(BaseModel):
    """A municipality's own standard (e.g. its kvalitetsstandard) that sets a number the law
    leaves open, by its name and the day it was adopted: a finding judged against the number
    names the standard, so that no one reads the number as the law's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    adopted: date | None = None

    def __str__(self) -> str:
        return self.name if self.adopted is None else f"{self.name} of {self.adopted.isoformat()}"


#: The follow-up interval when a municipality names no standard of its own.
_DEFAULT_FOLLOW_UP_STANDARD = MunicipalStandard(name="erantis's default, no municipal standard")

Pct = Annotated[int, Field(ge=0, le=100)]
Days = Annotated[int, Field(ge=0, le=3650)]


_TERMS = SettlementTerms()


#: Bounds of a policy file: far above any real policy (a few hundred characters, three levels).
_MAX_POLICY_CHARS = 1_000_000
_MAX_POLICY_DEPTH = 32


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _data_depth(data: object) -> int:
    deepest = 0
    pending: list[tuple[object, int]] = [(data, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > _MAX_POLICY_DEPTH:
                break
            values = item.values() if isinstance(item, dict) else item
            pending.extend((value, depth + 1) for value in values)
    return deepest


def _read_policy_file(source: Path) -> Any:
    """The document of a ``.toml`` or ``.json`` policy file, read within the bounds of size and
    nesting; every failure an :class:`~erantis_domain.errors.InvalidPolicyError` naming it."""
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidPolicyError(f"cannot read policy file {source}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidPolicyError(f"policy file {source} is not UTF-8 text") from None
    if len(text) > _MAX_POLICY_CHARS:
        raise InvalidPolicyError(
            f"policy file {source} is longer than {_MAX_POLICY_CHARS} characters"
        )
    # Both parsers recurse per level of nesting: a file of ten thousand "[" would end in a
    # RecursionError. A policy is a few levels deep, so count brackets before parsing (a
    # bracket inside a string counts too: harmless at this bound).
    if _bracket_depth(text) > _MAX_POLICY_DEPTH:
        raise InvalidPolicyError(
            f"policy file {source} nests deeper than {_MAX_POLICY_DEPTH} levels"
        )
    try:
        return json.loads(text) if source.suffix == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError, RecursionError) as exc:
        raise InvalidPolicyError(f"policy file {source} is not valid: {exc}") from None


class Policy(BaseModel):
    """Thresholds of the documentation, delegation and frame-budget rules and of settlement.

    All percentages are whole percent; all day counts are calendar days. Invalid values are
    rejected with :class:`~erantis_domain.errors.InvalidPolicyError` naming the field.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "default"
    #: FRM-001: team adjustments may move a frame by at most this share without a new decision.
    adjustment_tolerance_pct: Pct = 10
    # The settlement's defaults are the domain's SettlementTerms defaults: written once, there.
    #: FRM-004 and settlement: delivered within ±band of the frame is "inside".
    settlement_band_pct: Pct = int(_TERMS.settlement_band_pct)
    #: Settlement: the provider's share of an underspend.
    gain_share_provider_pct: Pct = int(_TERMS.gain_share_provider_pct)
    #: Settlement: the provider's cost of an overspend is capped at this share of the frame value.
    loss_cap_pct: Pct = int(_TERMS.loss_cap_pct)
    #: Settlement: price of one minute of help in DKK.
    minute_price: Annotated[Decimal, Field(gt=0, max_digits=9, decimal_places=2)] = (
        _TERMS.minute_price
    )
    #: Settlement: whether an incentive is carried over to the next period instead of paid.
    carry_over: bool = _TERMS.carry_over
    #: Settlement and FRM-004: a citizen's frame does not count while admitted to hospital.
    pause_frame_during_admission: bool = _TERMS.pause_during_admission
    #: DOC-004: a decision is followed up by its follow_up_due, and at the latest this long
    #: after. The law sets the duty (SEL §148 stk. 2, ÆL §31 stk. 2) but no interval: the
    #: interval is the municipality's, from the standard named below.
    case_follow_up_max_days: Days = 365
    #: DOC-004: the municipal standard ``case_follow_up_max_days`` comes from (name and date).
    case_follow_up_standard: MunicipalStandard = _DEFAULT_FOLLOW_UP_STANDARD
    #: PRV-001: a change of provider takes effect at the latest this many days after the
    #: citizen asked (the municipality sets the time, BEK nr. 594/2025 §4; erantis's default).
    provider_change_max_days: Days = 30
    #: PRV-002: a provider's report of changed needs is followed up within this many days
    #: (ÆL §18 stk. 6, BEK nr. 594/2025 §3 set the duty, not the time; erantis's default).
    changed_needs_follow_up_days: Days = 14
    #: DEL-005: a delegation is followed up by its follow_up_due, at the latest this long after.
    delegation_follow_up_max_days: Days = 90
    #: FRM-005: longest rehabilitation course (SEL §83a).
    rehab_max_weeks: Annotated[int, Field(ge=1, le=104)] = 12
    #: DOC-005: a decision must follow a rehabilitation course within this many days.
    reassess_after_rehab_days: Days = 14
    #: FRM-006: at most this many distinct carers per citizen within the window.
    continuity_max_carers: Annotated[int, Field(ge=1, le=100)] = 6
    #: FRM-006: the continuity window in days.
    continuity_window_days: Annotated[int, Field(ge=1, le=365)] = 14
    #: DEL-006: suspend active delegations when the citizen is admitted.
    suspend_on_admission: bool = True
    #: DEL-006: days allowed between admission and suspension.
    suspend_on_admission_days: Days = 1
    #: DOC-006: the functional-ability assessment behind a grant may be at most this old.
    assessment_max_age_days: Days = 365
    #: FRM-004: a dialogue meeting must follow an overspent period within this many days.
    dialogue_after_overspend_days: Days = 30
    #: FRM-007: a period must be settled within this many days after it ends.
    settlement_deadline_days: Days = 30
    #: FRM-008: after this many swaps under the swap right within ``swap_window_days``, the
    #: case goes back to the visitation for reassessment (a municipality's choice; 0: off).
    reassess_after_swaps: Annotated[int, Field(ge=0, le=100)] = 0
    #: FRM-008: the window swaps are counted in (e.g. three months: 91 days).
    swap_window_days: Annotated[int, Field(ge=1, le=366)] = 91
    # The three tables by role merge with their defaults (``_merge_role_tables``): a policy
    # file adds or changes a role without restating the others.
    #: DEL-004: nursing tasks (FSIII G1.x) each delegate role may take; nurses and physicians
    #: may take any.
    delegable_tasks_by_role: dict[Role, frozenset[str]] = Field(
        default_factory=lambda: dict(DEFAULT_DELEGABLE_TASKS)
    )
    #: DEL-004: tasks a delegate role may take only when the medicine is pre-dispensed.
    pre_dispensed_tasks_by_role: dict[Role, frozenset[str]] = Field(
        default_factory=lambda: dict(DEFAULT_PRE_DISPENSED_TASKS)
    )
    #: DEL-001: nursing tasks each role may delegate or hand over (an SSA's onward delegation
    #: is allowed by default, the law being unverified: ``ssa = []`` forbids it).
    delegating_tasks_by_role: dict[Role, frozenset[str]] = Field(
        default_factory=lambda: dict(DEFAULT_DELEGATING_TASKS)
    )
    #: The legal regimes decisions are judged under (``erantis_rules.regimes``): add one for a
    #: later law or version without code changes.
    regimes: tuple[Regime, ...] = DEFAULT_REGIMES
    #: FRM-003, DOC-011: the municipality's catalogue of care courses (forløb, ÆL §9 stk. 1
    #: and 3), each version dated, with its elements (§9 stk. 2 nr. 1-3); replaced whole.
    care_courses: tuple[CareCourse, ...] = DEFAULT_CARE_COURSES

    @model_validator(mode="before")
    @classmethod
    def _merge_role_tables(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        merged = dict(data)
        for name, defaults in _ROLE_TABLES.items():
            given = data.get(name)
            if not isinstance(given, dict):
                continue  # absent (the default factory) or malformed (validation says so)
            table: dict[Any, Any] = {role.value: tasks for role, tasks in defaults.items()}
            for role, tasks in given.items():
                table.pop(role.value if isinstance(role, Role) else role, None)
                table[role] = tasks
            merged[name] = table
        return merged

    @field_validator("regimes")
    @classmethod
    def _regimes_known(cls, value: tuple[Regime, ...]) -> tuple[Regime, ...]:
        ids = [r.id for r in value]
        if len(set(ids)) != len(ids):
            raise ValueError("regime ids must be unique")
        for regime in value:
            if regime.inherits is not None and regime.inherits not in ids:
                raise ValueError(f"{regime.id} inherits unknown regime {regime.inherits}")
        if "SEL" not in {r.law for r in value}:
            raise ValueError("a regime of the law SEL is needed (the fallback of every decision)")
        return value

    @field_validator("care_courses")
    @classmethod
    def _courses_apart(cls, value: tuple[CareCourse, ...]) -> tuple[CareCourse, ...]:
        check_catalogue(value)
        return value

    @field_validator(
        "delegable_tasks_by_role", "pre_dispensed_tasks_by_role", "delegating_tasks_by_role"
    )
    @classmethod
    def _known_tasks(cls, value: dict[Role, frozenset[str]]) -> dict[Role, frozenset[str]]:
        for role, tasks in value.items():
            unknown = sorted(t for t in tasks if not is_code(t, "G"))
            if unknown:
                raise ValueError(
                    f"{role.value}: unknown FSIII nursing intervention codes {unknown}"
                )
        return value

    @classmethod
    def build(cls, **overrides: Any) -> Policy:
        """A policy from keyword overrides of the defaults, validated."""
        return cls.from_mapping(overrides)

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Policy:
        """A policy from a mapping (e.g. a decoded TOML/JSON document), validated."""
        # TOML's dotted keys ("a.b.c...") nest without a bracket: measure the parsed data too,
        # without recursion, before pydantic (and repr in its message) recurse into it.
        if _data_depth(data) > _MAX_POLICY_DEPTH:
            raise InvalidPolicyError(
                f"invalid policy: nests deeper than {_MAX_POLICY_DEPTH} levels"
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            parts = []
            for item in exc.errors(include_url=False):
                field = ".".join(str(p) for p in item["loc"]) or "<policy>"
                msg = str(item["msg"]).removeprefix("Value error, ")
                shown = repr(item.get("input"))
                shown = shown if len(shown) <= 60 else f"<{len(shown)} characters>"
                parts.append(f"{field}: {msg} (got {shown})")
            raise InvalidPolicyError("invalid policy: " + "; ".join(parts)) from None

    @classmethod
    def from_file(cls, path: str | Path) -> Policy:
        """Load a policy from a ``.toml`` or ``.json`` file."""
        return cls.from_mapping(_read_policy_file(Path(path)))

    def settlement_terms(self) -> SettlementTerms:
        """The settlement terms this policy sets, for the frame ledger and ``settle``."""
        return SettlementTerms(
            settlement_band_pct=Decimal(self.settlement_band_pct),
            gain_share_provider_pct=Decimal(self.gain_share_provider_pct),
            loss_cap_pct=Decimal(self.loss_cap_pct),
            minute_price=self.minute_price,
            carry_over=self.carry_over,
            pause_during_admission=self.pause_frame_during_admission,
        )

    def may_take(self, role: Role, task: str, *, pre_dispensed: bool = False) -> bool:
        """DEL-004: whether a delegate of ``role`` may take nursing ``task`` under this policy
        (``pre_dispensed``: the medicine is pre-dispensed)."""
        if role in (Role.NURSE, Role.PHYSICIAN):
            return True
        if task in self.delegable_tasks_by_role.get(role, frozenset()):
            return True
        return pre_dispensed and task in self.pre_dispensed_tasks_by_role.get(role, frozenset())

    def may_delegate(self, role: Role, task: str) -> bool:
        """DEL-001: whether ``role`` may delegate or hand over nursing ``task``."""
        return task in self.delegating_tasks_by_role.get(role, frozenset())
