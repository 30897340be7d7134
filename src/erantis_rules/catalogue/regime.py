"""The law in force (REG-*): a decision cites the law that applies to the citizen on its day.

From 1 July 2025 the Elderly Act (Ældreloven) covers care for citizens in its target group
(ÆL §2), and SEL §2 stk. 5 (LOV 1703 of 30/12/2024) bars them from SEL §§83, 83a, 83b, 84 and
86. Who is in the target group is the municipality's assessment (``TargetGroupAssessed``),
never an age. What happens to SEL decisions made before that day is unverified
(``shared/LEGAL.md`` §3): those get an ``info`` finding, never a violation.
"""

from __future__ import annotations

from erantis_rules.catalogue._shared import GRANTING
from erantis_rules.language.conditions import (
    all_of,
    any_of,
    gte,
    is_none,
    lt,
    not_,
    this,
)
from erantis_rules.language.model import Rule, Severity
from erantis_rules.regimes import AEL_FROM

__all__ = ["RULES"]

REG_001 = Rule(
    id="REG-001",
    title="Serviceloven cited for a citizen under the Elderly Act",
    severity=Severity.VIOLATION,
    legal_reference="SEL §2 stk. 5 (LOV 1703 af 30/12/2024 §1 nr. 2)",
    message="Decision {decision} of {on} cites SEL §§83/83a/83b/84/86, which the Elderly "
    "Act's target group cannot receive from 2025-07-01; it should cite the Elderly Act.",
    description="A new or changed grant on or after 1 July 2025 for a citizen assessed to be "
    "in the Elderly Act's target group cites the Elderly Act, not SEL §§83, 83a, 83b, 84 or 86 "
    "(SEL §2 stk. 5, verified).",
    judges="decision",
    broken_when=all_of(GRANTING, this.barred_sel),
    by_regime={"AEL-2025": "SEL §2 stk. 5 (LOV 1703 af 30/12/2024 §1 nr. 2); ÆL §2"},
)

REG_002 = Rule(
    id="REG-002",
    title="Elderly Act grant without a target-group assessment",
    severity=Severity.WARNING,
    legal_reference="ÆL §2 stk. 1-3",
    message="Decision {decision} grants help under the Elderly Act, but the case records no "
    "assessment that the citizen is in its target group.",
    description="Whether a citizen falls under the Elderly Act (pension age, or an equivalent "
    "need below it, ÆL §2 stk. 1-2) is assessed by the municipality (stk. 3); a grant under the "
    "Act rests on that assessment (TargetGroupAssessed), not on an age.",
    judges="decision",
    broken_when=all_of(GRANTING, this.cites_ael, not_(this.target_assessed)),
    by_regime={"AEL-2025": "ÆL §2 stk. 1-3"},
)

REG_003 = Rule(
    id="REG-003",
    title="Serviceloven §83 decision from before the Elderly Act still in force",
    severity=Severity.INFO,
    legal_reference="Transition to the Elderly Act (unverified; LEGAL.md §3)",
    message="Decision {decision} of {on} under SEL §83 is in force beyond 2025-07-01; its "
    "status under the Elderly Act's transitional rules is unverified: check it.",
    description="A SEL §83 decision made before 1 July 2025 was lawful when made. Whether it "
    "continues, counts as an Elderly Act decision or must be decided again is not verified "
    "(LEGAL.md §3): erantis says so (info), and never calls it a violation.",
    judges="decision",
    broken_when=all_of(
        GRANTING,
        this.sel83,
        lt(this.on, AEL_FROM),
        any_of(is_none(this.in_force_last), gte(this.in_force_last, AEL_FROM)),
    ),
    by_regime={"SEL-2024": "Transition to the Elderly Act (unverified; LEGAL.md §3)"},
)

RULES = (REG_001, REG_002, REG_003)
