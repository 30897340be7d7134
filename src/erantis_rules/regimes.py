"""Legal regimes as dated data: which law a decision is judged under.

The Elderly Act (Ældreloven, LOV 1651 of 30/12/2024) took over home care for older citizens
from the Social Services Act (Serviceloven §83) on 1 July 2025. A decision's regime follows
from its date and the citizen's target-group assessment (``TargetGroupAssessed``), never from
an age: see ``docs/law.md``.

* ``SEL-2024``: Serviceloven. Every decision before 1 July 2025; after it, decisions for
  citizens outside the Elderly Act (a need not from ageing, help under SEL §§95-96).
* ``AEL-2025``: Ældreloven, from 1 July 2025, for citizens in its §2 target group.

A municipality (or a later law) adds a regime without code: a :class:`Regime` in the policy's
``regimes`` with the law it belongs to, its first day, and the regime whose rule references it
takes over (``inherits``) until rules name it themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AEL_FROM",
    "DEFAULT_REGIMES",
    "TRANSITION_END",
    "Law",
    "Regime",
    "applicable",
    "reference_under",
    "regime_of",
]

Law = Literal["AEL", "SEL"]

AEL_FROM = date(2025, 7, 1)
"""The Elderly Act's first day (ÆL §45 stk. 1, verified)."""

TRANSITION_END = date(2027, 7, 1)
"""The day SEL §§83, 83a and 86 stk. 1 decisions made before :data:`AEL_FROM` stop being valid
for the Elderly Act's target group, by which the municipality must have decided under ÆL §§10,
13 and 14 (ÆL §46 stk. 2 and 4, verified)."""


class Regime(BaseModel):
    """One legal regime: a law as in force from a day (until a later regime of the law)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Annotated[str, Field(pattern=r"^[A-Z]{2,5}-[0-9]{4}[a-z]?$")]
    law: Law
    title: Annotated[str, Field(min_length=1, max_length=200)]
    #: The first day decisions fall under it (``None``: since before erantis knows).
    in_force_from: date | None = None
    #: Rules' references for this regime are those of ``inherits`` unless a rule names it.
    inherits: str | None = None


DEFAULT_REGIMES: tuple[Regime, ...] = (
    Regime(id="SEL-2024", law="SEL", title="Serviceloven (LBK 2024, as amended by LOV 1703)"),
    Regime(
        id="AEL-2025",
        law="AEL",
        title="Ældreloven (LOV 1651 af 30/12/2024)",
        in_force_from=AEL_FROM,
    ),
)


def regime_of(
    regimes: Iterable[Regime], decided_on: date, target_law: Law | None, cited_act: str
) -> str:
    """The regime a decision of ``decided_on`` is judged under: the law of the citizen's
    target-group assessment (or, without one, of the act the decision cites), as in force
    that day; a law not yet in force then falls back to Serviceloven."""
    law: Law = target_law or ("AEL" if cited_act == "AEL" else "SEL")
    for wanted in (law, "SEL"):
        in_force = [
            r
            for r in regimes
            if r.law == wanted and (r.in_force_from is None or r.in_force_from <= decided_on)
        ]
        if in_force:
            return max(in_force, key=lambda r: r.in_force_from or date.min).id
    return "SEL-2024"


def _chain(regime_id: str, by_id: Mapping[str, Regime]) -> list[str]:
    chain = [regime_id]
    while (regime := by_id.get(chain[-1])) is not None and regime.inherits is not None:
        if regime.inherits in chain:
            break  # a cycle in a policy file: stop rather than loop
        chain.append(regime.inherits)
    return chain


def reference_under(
    references: Mapping[str, str], regime_id: str, regimes: Iterable[Regime]
) -> str | None:
    """A rule's reference under a regime (following ``inherits``), or ``None`` when the rule
    does not apply under it."""
    by_id = {r.id: r for r in regimes}
    for candidate in _chain(regime_id, by_id):
        if candidate in references:
            return references[candidate]
    return None


def applicable(references: Mapping[str, str], regimes: Iterable[Regime]) -> frozenset[str]:
    """The regimes (ids) under which a rule with these references applies."""
    known = list(regimes)
    return frozenset(
        r.id for r in known if reference_under(references, r.id, known) is not None
    ) | frozenset(references)
