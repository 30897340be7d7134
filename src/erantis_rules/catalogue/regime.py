"""The law in force (REG-*): a decision cites the law that applies to the citizen on its day.

From 1 July 2025 the Elderly Act (Ældreloven, ÆL §45 stk. 1) covers care for citizens in its
target group (ÆL §2), and SEL §2 stk. 5 (LOV 1703 of 30/12/2024) bars them from SEL §§83, 83a,
83b, 84 and 86. Who is in the target group is the municipality's assessment
(``TargetGroupAssessed``), never an age; a citizen under SEL §§95-96 is outside the Act at any
age (ÆL §2 stk. 4). SEL §§83, 83a and 86 stk. 1 decisions made before that day stay valid until
1 July 2027, and SEL §2 stk. 5 does not apply to their citizens meanwhile (ÆL §46 stk. 2-3); by
then the municipality must have decided under the Act (stk. 4). All verified: ``docs/law.md``.
"""

from __future__ import annotations

from collections.abc import Mapping

from erantis_rules.catalogue._shared import GRANTING
from erantis_rules.language._facts import DecisionFact
from erantis_rules.language.conditions import (
    AS_OF,
    Const,
    all_of,
    any_of,
    earliest,
    eq,
    gte,
    lt,
    ne,
    not_,
    this,
    truth,
)
from erantis_rules.language.model import Ground, Rule, Severity
from erantis_rules.regimes import AEL_FROM, TRANSITION_END

__all__ = ["RULES"]

_BAR = "SEL §2 stk. 5 (LOV 1703 af 30/12/2024 §1 nr. 2); ÆL §2"

REG_001 = Rule(
    id="REG-001",
    title="Serviceloven cited for a citizen under the Elderly Act",
    severity=Severity.VIOLATION,
    ground=Ground.VERIFIED,
    legal_reference=_BAR,
    message="{what} {subject} of {on} cites {cited}, which SEL §2 stk. 5 bars for the Elderly "
    "Act's target group from 2025-07-01; it should cite the Elderly Act.",
    description="A grant, revision or rehabilitation course started on or after 1 July 2025 "
    "for a citizen assessed to be in the Elderly Act's target group cites the Elderly Act, not "
    "SEL §§83, 83a, 83b, 84 or 86 (SEL §2 stk. 5). A citizen whose SEL decision from before that "
    "day still runs is exempt (ÆL §46 stk. 3): REG-006 judges that case.",
    judges="citation",
    broken_when=all_of(this.barred_sel, not_(this.transitional)),
    by_regime={"AEL-2025": _BAR},
)

_OUTSIDE = {
    "sel_95_96": "the citizen was assessed to receive help under SEL §§95-96, to whom the Act "
    "does not apply (ÆL §2 stk. 4)",
    "other": "the citizen was assessed to be outside its target group (a need not from ageing)",
}


def _why(fact: DecisionFact) -> Mapping[str, str]:
    if fact.assessed_outside:
        return {"why": _OUTSIDE.get(fact.assessed_outside, _OUTSIDE["other"])}
    return {"why": "the case records no assessment that the citizen is in its target group"}


REG_002 = Rule(
    id="REG-002",
    title="Elderly Act grant without a target-group assessment placing the citizen under it",
    severity=Severity.WARNING,
    ground=Ground.VERIFIED,
    legal_reference="ÆL §2 stk. 1-4",
    message="Decision {decision} grants help under the Elderly Act, but {why}.",
    description="Whether a citizen falls under the Elderly Act (pension age, or an equivalent "
    "need below it, ÆL §2 stk. 1-2) is assessed by the municipality (stk. 3); a grant under the "
    "Act rests on an assessment that placed the citizen under it, not on an age. The Act does "
    "not apply to a citizen under SEL §§95-96 at any age (stk. 4), nor to a need not from "
    "ageing: the assessment's conclusion is read, not only its presence.",
    judges="decision",
    broken_when=all_of(
        GRANTING,
        this.cites_ael,
        any_of(not_(this.target_assessed), ne(this.assessed_outside, "")),
    ),
    detail=_why,
    by_regime={"AEL-2025": "ÆL §2 stk. 1-3", "SEL-2024": "ÆL §2 stk. 1-4"},
)

_TRANSITION = "ÆL §46 stk. 2 and 4"

REG_003 = Rule(
    id="REG-003",
    title="Serviceloven decision from before the Elderly Act: Elderly Act decision due",
    severity=Severity.INFO,
    ground=Ground.VERIFIED,
    legal_reference=_TRANSITION,
    message="Decision {decision} of {on} under {cited} is valid until 2027-07-01 (ÆL §46 "
    "stk. 2); by {due} the municipality decides under the Elderly Act, earlier if the need "
    "changes.",
    description="A SEL §83, §83a or §86 stk. 1 decision made before 1 July 2025 for a citizen "
    "assessed to be in the Elderly Act's target group stays valid until 1 July 2027 (ÆL §46 "
    "stk. 2); by then, or when the help no longer meets the need, the municipality decides "
    "under ÆL §§10, 13 and 14 (stk. 4-5). While the old decision runs, erantis says so (info). "
    "A citizen assessed outside the Act has no transition to make. SEL §84 decisions stay "
    "valid with no end (stk. 1).",
    judges="decision",
    due=Const(TRANSITION_END),
    broken_when=all_of(
        this.transitional_basis,
        eq(this.citizen_law, "AEL"),
        gte(this.runs_through, AS_OF),
        gte(AS_OF, AEL_FROM),
        lt(AS_OF, TRANSITION_END),
    ),
    by_regime={"SEL-2024": _TRANSITION},
)

REG_004 = Rule(
    id="REG-004",
    title="Serviceloven decision from before the Elderly Act still the basis after 2027-06-30",
    severity=Severity.VIOLATION,
    ground=Ground.VERIFIED,
    legal_reference=_TRANSITION,
    message="Decision {decision} of {on} under {cited} was valid only until {due} (ÆL §46 "
    "stk. 2), and it is still the citizen's basis of help: a decision under the Elderly Act "
    "was due by then (stk. 4).",
    description="From 1 July 2027 a SEL §83, §83a or §86 stk. 1 decision made before 1 July "
    "2025 no longer holds for a citizen in the Elderly Act's target group: the municipality "
    "had to decide under ÆL §§10, 13 and 14 by then (ÆL §46 stk. 2 and 4). A decision still in "
    "force on that day is a violation.",
    judges="decision",
    due=Const(TRANSITION_END),
    broken_when=all_of(
        this.transitional_basis,
        eq(this.citizen_law, "AEL"),
        gte(this.runs_through, TRANSITION_END),
        # Stated against the fact (the earliest is the day itself, given the line above): a
        # clock comparison joins the judged fact.
        gte(AS_OF, earliest(this.runs_through, Const(TRANSITION_END))),
    ),
    by_regime={"SEL-2024": _TRANSITION},
)

_MEALS = {
    "SEL-2024": "SEL §83b (LOV 1703 af 30/12/2024)",
    "AEL-2025": "ÆL §§13-14",
}

REG_005 = Rule(
    id="REG-005",
    title="Madservice granted under the wrong provision",
    severity=Severity.VIOLATION,
    ground=Ground.VERIFIED,
    legal_reference="SEL §83b; ÆL §§13-14",
    message="Decision {decision} of {on} grants madservice under {cited}; from 2025-07-01 "
    "madservice is granted under SEL §83b, or for the Elderly Act's target group under ÆL §13 "
    "(at home) or §14 (residents).",
    description="SEL §83 stk. 1 nr. 3 (madservice) is repealed: from 1 July 2025 madservice "
    "outside the Elderly Act is SEL §83b, and under the Act it is ÆL §13 at home and §14 on a "
    "plejehjem or in a plejebolig (not part of a §10 care course). A grant of madservice "
    "(FSIII H1.11) citing anything else is miscited; a SEL citation the Act's target group "
    "is barred from is REG-001's.",
    judges="decision",
    broken_when=truth(this.meals_miscited),
    by_regime=_MEALS,
)

_CHANGED = "ÆL §46 stk. 3 and 5; SEL §2 stk. 5"

REG_006 = Rule(
    id="REG-006",
    title="New Serviceloven decision for a citizen in transition",
    severity=Severity.WARNING,
    ground=Ground.VERIFIED,
    legal_reference=_CHANGED,
    message="{what} {subject} of {on} cites {cited} for a citizen whose Serviceloven decision "
    "from before 2025-07-01 still runs: lawful while it does (ÆL §46 stk. 3), but a changed "
    "need calls for a decision under the Elderly Act (stk. 5).",
    description="SEL §2 stk. 5 does not apply to a citizen whose pre-2025-07-01 SEL decision "
    "still runs (ÆL §46 stk. 3), so a new SEL decision for them is not barred; but when the "
    "need has changed so that the help no longer meets it, the municipality decides under the "
    "Act (stk. 5). erantis cannot judge how far the need changed: a warning, not a violation.",
    judges="citation",
    broken_when=all_of(this.barred_sel, this.transitional),
    by_regime={"AEL-2025": _CHANGED},
)

RULES = (REG_001, REG_002, REG_003, REG_004, REG_005, REG_006)
