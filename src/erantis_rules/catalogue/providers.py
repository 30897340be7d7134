"""Free choice and providers (PRV-*): the citizen's choice of provider, the provider's report
of changed needs, and the helper the citizen appointed.

Legal basis: ÆL §18 (free choice between two or more providers, at most one municipal; a
fritvalgsbevis refused only in special cases, stk. 4) and §20 (an own helper, approved, with a
contract, doing only the contracted tasks), BEK nr. 594/2025 §3 (the provider informs the
municipality of changed needs), §4 (the municipality sets how soon a change of provider takes
effect) and §5 (a fritvalgsbevis is granted by decision); under Serviceloven SEL §§91 and 94.
The times are the municipality's (policy).
"""

from __future__ import annotations

from erantis_rules.language.conditions import (
    AS_OF,
    absent,
    all_of,
    days,
    eq,
    gt,
    gte,
    lte,
    not_,
    other,
    param,
    this,
)
from erantis_rules.language.model import Ground, Rule, Severity

__all__ = ["RULES"]

PRV_001 = Rule(
    id="PRV-001",
    title="Change of provider not in effect in time",
    severity=Severity.WARNING,
    ground=Ground.VERIFIED,
    legal_reference="ÆL §18; BEK 594/2025 §4; Policy: provider_change_max_days",
    message="The citizen asked on {requested} to change the provider of decision {decision}; "
    "the change took effect on {effective}, later than the {provider_change_max_days} days "
    "the municipality allows.",
    description="A citizen may change provider (ÆL §18; SEL §91); the municipality sets how "
    "soon a change takes effect (BEK nr. 594/2025 §4): provider_change_max_days.",
    judges="provider_change",
    broken_when=gt(this.effective, this.requested + days(param("provider_change_max_days"))),
    by_regime={
        "SEL-2024": "SEL §91; Policy: provider_change_max_days",
        "AEL-2025": "ÆL §18; BEK 594/2025 §4; Policy: provider_change_max_days",
    },
)

_PRV_002_DUE = this.reported + days(param("changed_needs_follow_up_days"))

PRV_002 = Rule(
    id="PRV-002",
    title="Provider's report of changed needs not followed up",
    severity=Severity.WARNING,
    ground=Ground.VERIFIED,
    legal_reference="ÆL §18 stk. 6, §31 stk. 2; BEK 594/2025 §3",
    message="The provider reported on {reported} that the need under decision {decision} "
    "changed; no follow-up of the decision is recorded by {due}.",
    description="A provider informs the municipality when the citizen's need changes (ÆL §18 "
    "stk. 6; BEK nr. 594/2025 §3), and the municipality follows the case (ÆL §31 stk. 2; SEL "
    "§148 stk. 2): a follow-up of the decision is recorded within changed_needs_follow_up_days "
    "(the municipality's time).",
    judges="needs_report",
    due=_PRV_002_DUE,
    broken_when=all_of(
        gt(AS_OF, _PRV_002_DUE),
        absent(
            "follow_up",
            eq(other.subject, this.decision),
            gte(other.on, this.reported),
            lte(other.on, _PRV_002_DUE),
        ),
    ),
    by_regime={
        "SEL-2024": "SEL §148 stk. 2; Policy: changed_needs_follow_up_days",
        "AEL-2025": "ÆL §18 stk. 6, §31 stk. 2; BEK 594/2025 §3; "
        "Policy: changed_needs_follow_up_days",
    },
)

PRV_003 = Rule(
    id="PRV-003",
    title="Own helper's visit outside the contract",
    severity=Severity.VIOLATION,
    ground=Ground.VERIFIED,
    legal_reference="ÆL §20 stk. 2",
    message="A visit of {intervention} on {on} by the citizen's own helper {helper} is outside "
    "the tasks of a contract on file.",
    description="A helper the citizen appoints is approved by the municipality and carries out "
    "only the tasks of the contract (ÆL §20 stk. 2; SEL §94 before): a visit of another task, "
    "or any visit when no contract is on file, is outside it.",
    judges="helper_visit",
    # The fold finds the visits outside the contract: each one breaks the rule.
    broken_when=all_of(),
    by_regime={"SEL-2024": "SEL §94", "AEL-2025": "ÆL §20 stk. 2"},
)

PRV_004 = Rule(
    id="PRV-004",
    title="Provider chosen through a fritvalgsbevis without a decision granting it",
    severity=Severity.WARNING,
    ground=Ground.VERIFIED,
    legal_reference="ÆL §18; BEK 594/2025 §5",
    message="The provider of decision {decision} took over on {effective} through a "
    "fritvalgsbevis, but no decision granting a fritvalgsbevis for that help is recorded by then.",
    description="A citizen may choose a provider through a fritvalgsbevis, a certificate the "
    "citizen contracts with (ÆL §18); the municipality grants it by decision (BEK nr. 594/2025 "
    "§5): a FreeChoiceCertificateDecided granting it for the help, on or before the day the "
    "provider takes over. Not applied under Serviceloven, whose order on free choice was not "
    "read.",
    judges="certificate_use",
    broken_when=not_(this.granted_by_then),
    by_regime={"AEL-2025": "ÆL §18; BEK 594/2025 §5"},
)

PRV_005 = Rule(
    id="PRV-005",
    title="Fritvalgsbevis refused without reasons",
    severity=Severity.VIOLATION,
    ground=Ground.VERIFIED,
    legal_reference="ÆL §18 stk. 4; Forvaltningsloven §22",
    message="The decision of {on} refusing a fritvalgsbevis for the help of decision {decision} "
    "gives no reasons.",
    description="The municipality may refuse a fritvalgsbevis only in special cases (ÆL §18 "
    "stk. 4, 'i særlige tilfælde'); the refusal is a decision of its own that does not grant "
    "what was asked, so it gives its reasons (Forvaltningsloven §22). Whether it can be "
    "appealed, and so needs complaint guidance, is not checked: ÆL §30 stk. 1's list was not "
    "read for it.",
    judges="certificate",
    broken_when=all_of(not_(this.granted), not_(this.has_reasons)),
    by_regime={"AEL-2025": "ÆL §18 stk. 4; Forvaltningsloven §22"},
)

RULES = (PRV_001, PRV_002, PRV_003, PRV_004, PRV_005)
