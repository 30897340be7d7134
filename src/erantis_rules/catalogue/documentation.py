"""Documentation requirements (DOC-*): what a decision (afgørelse) and the case file must hold.

Legal references: Serviceloven (SEL) §83 and §148, Sundhedsloven (SUL) §138,
Forvaltningsloven §§22, 24-25. Where the law sets no number, the policy does.
"""

from __future__ import annotations

from collections.abc import Mapping

from erantis_rules.catalogue._shared import GRANTING, follow_up_due, no_follow_up_since
from erantis_rules.language._facts import DecisionFact
from erantis_rules.language.conditions import (
    AS_OF,
    absent,
    all_of,
    any_of,
    days,
    eq,
    gt,
    gte,
    is_none,
    lte,
    ne,
    not_,
    other,
    param,
    this,
    truth,
)
from erantis_rules.language.model import Ground, Rule, Severity

__all__ = ["RULES"]

DOC_001 = Rule(
    id="DOC-001",
    title="Lasting help granted without assessing rehabilitation potential",
    severity=Severity.VIOLATION,
    ground=Ground.VERIFIED,
    legal_reference="SEL §83 stk. 3",
    message="Decision {decision} grants lasting help under SEL §83, but the case has no "
    "earlier assessment of rehabilitation potential.",
    description="Before lasting help under SEL §83 is granted, the municipality must assess "
    "whether a rehabilitation course (§83a) could improve the citizen's function.",
    judges="decision",
    broken_when=all_of(eq(this.made, "granted"), this.sel83, not_(this.potential_before)),
    # The Elderly Act has no such duty (its whole text read: docs/law.md): not applied.
    by_regime={"SEL-2024": "SEL §83 stk. 3"},
)


def _missing(fact: DecisionFact) -> Mapping[str, str]:
    parts = (("reasons", fact.has_reasons), ("complaint guidance", fact.guidance))
    return {"missing": " and ".join(part for part, present in parts if not present)}


DOC_002 = Rule(
    id="DOC-002",
    title="Decision without reasons or complaint guidance",
    severity=Severity.VIOLATION,
    ground=Ground.VERIFIED,
    legal_reference="Forvaltningsloven §§22, 24-25",
    message="Decision {decision} ({made}) lacks {missing}.",
    description="A written decision that does not fully grant what was applied for must give "
    "its reasons (§§22, 24) and guidance on how to complain (§25); a decision in full "
    "agreement (fuldt medhold) needs neither (§22).",
    judges="decision",
    broken_when=all_of(
        not_(this.fully_granted), any_of(not_(this.has_reasons), not_(this.guidance))
    ),
    detail=_missing,
)

DOC_003 = Rule(
    id="DOC-003",
    title="Grant without individual goals",
    severity=Severity.VIOLATION,
    ground=Ground.VERIFIED,
    legal_reference="SEL §83 stk. 5",
    message="Decision {decision} ({made}) sets no individual goals for the help.",
    description="Help under §83 is granted with individual goals, so that the team and the "
    "citizen can follow up on them. Not for SUL §138 nursing; the Elderly Act has no goal "
    "duty (its whole text read, docs/law.md).",
    judges="decision",
    broken_when=all_of(GRANTING, this.sel83, eq(this.goals, 0)),
    by_regime={"SEL-2024": "SEL §83 stk. 5"},
)

_DOC_004_DUE = follow_up_due("case_follow_up_max_days")

#: The law sets the follow-up duty, not its interval (SEL §148 stk. 2; ÆL §31 stk. 2, both
#: verified): the interval is the municipality's standard, named in the policy.
_DOC_004_INTERVAL = "interval: Policy: case_follow_up_max_days (municipal standard)"

DOC_004 = Rule(
    id="DOC-004",
    title="Follow-up of a decision overdue",
    severity=Severity.WARNING,
    ground=Ground.VERIFIED,
    legal_reference="SEL §148 stk. 2 (duty); " + _DOC_004_INTERVAL,
    message="Decision {decision} was due for follow-up by {due} (its own follow-up day, or at "
    "the latest {case_follow_up_max_days} days after it under {case_follow_up_standard}); no "
    "follow-up is recorded.",
    description="The municipality follows the case to make sure the help still serves its "
    "purpose (SEL §148 stk. 2; ÆL §31 stk. 2). Neither law sets an interval: the finding names "
    "the law for the duty and the municipality's standard for the interval "
    "(case_follow_up_max_days, from case_follow_up_standard). Due by the decision's "
    "follow_up_due, and at the latest case_follow_up_max_days after the decision. A decision "
    "replaced by a revision, or of a case closed before the due date, is exempt.",
    judges="decision",
    due=_DOC_004_DUE,
    broken_when=all_of(
        GRANTING,
        not_(this.replaced),
        # Exempt only when closed on or before the due date.
        any_of(is_none(this.closed), gt(this.closed, _DOC_004_DUE)),
        gt(AS_OF, _DOC_004_DUE),
        no_follow_up_since(this.decision),
    ),
    by_regime={
        "SEL-2024": "SEL §148 stk. 2 (duty); " + _DOC_004_INTERVAL,
        "AEL-2025": "ÆL §31 stk. 2 (duty); " + _DOC_004_INTERVAL,
    },
)

_DOC_005_DUE = this.ended + days(param("reassess_after_rehab_days"))

DOC_005 = Rule(
    id="DOC-005",
    title="No decision after a rehabilitation course",
    severity=Severity.VIOLATION,
    ground=Ground.VERIFIED,
    legal_reference="SEL §83 stk. 6; Policy: reassess_after_rehab_days",
    message="Rehabilitation course {course} ended; no decision followed within "
    "{reassess_after_rehab_days} days (by {due}).",
    description="After a §83a course the citizen is reassessed and a decision on further "
    "help (grant, revision or rejection) is made within reassess_after_rehab_days.",
    judges="course",
    due=_DOC_005_DUE,
    broken_when=all_of(
        not_(is_none(this.ended)),
        gt(AS_OF, _DOC_005_DUE),
        absent("decision", gte(other.on, this.ended), lte(other.on, _DOC_005_DUE)),
    ),
    by_regime={"SEL-2024": "SEL §83 stk. 6; Policy: reassess_after_rehab_days"},
)

DOC_006 = Rule(
    id="DOC-006",
    title="Grant without a recent functional-ability assessment",
    severity=Severity.WARNING,
    ground=Ground.POLICY,
    legal_reference="Policy: assessment_max_age_days",
    message="Decision {decision} ({made}) rests on no functional-ability assessment from the "
    "last {assessment_max_age_days} days.",
    description="A grant or revision of care help (SEL §83 or the Elderly Act; not SUL §138 "
    "nursing) rests on a functional-ability assessment (FSIII funktionsevnetilstand) no older "
    "than assessment_max_age_days.",
    judges="decision",
    broken_when=all_of(
        GRANTING,
        this.care,
        any_of(
            is_none(this.fa_on),
            gt(this.on, this.fa_on + days(param("assessment_max_age_days"))),
        ),
    ),
)

DOC_007 = Rule(
    id="DOC-007",
    title="Home nursing granted without a health assessment",
    # The municipality's standard (the law's paragraph is not verified): a warning.
    severity=Severity.WARNING,
    ground=Ground.POLICY,
    legal_reference="Policy: health assessment before nursing (the nursing record rules)",
    message="Decision {decision} grants home nursing, but the case has no earlier "
    "assessment of health conditions.",
    description="Home nursing (FSIII G1.x) is granted after a nurse has assessed the "
    "citizen's health conditions (FSIII helbredstilstande), as the nursing record rules have "
    "the nurse document them; which paragraph says so is not verified (docs/law.md), so the "
    "policy names the duty. SUL §138's own condition, the physician's referral, is DOC-008.",
    judges="decision",
    broken_when=all_of(GRANTING, this.nursing, not_(this.health_before)),
)

DOC_008 = Rule(
    id="DOC-008",
    title="Home nursing granted without a physician's referral",
    severity=Severity.WARNING,
    ground=Ground.VERIFIED,
    legal_reference="SUL §138",
    message="Decision {decision} grants home nursing under SUL §138, but no physician's "
    "referral came before it.",
    description="Home nursing under SUL §138 is given free of charge on a physician's referral "
    "(lægehenvisning, SUL §138, verified): a referral from a hospital or the "
    "citizen's GP recorded before the grant, or a referral reference on the grant itself.",
    judges="decision",
    broken_when=all_of(GRANTING, this.sul138, not_(this.physician_referral)),
)

DOC_009 = Rule(
    id="DOC-009",
    title="Grant without written information on the help granted",
    severity=Severity.VIOLATION,
    ground=Ground.VERIFIED,
    legal_reference="SEL §89; ÆL §29",
    message="Decision {decision} ({made}) grants help, but the citizen was not informed in "
    "writing of the help granted.",
    description="Every grant or revision of help comes with written information on the content "
    "granted (SEL §89; ÆL §29 under the Elderly Act). A minor adjustment in the citizen's "
    "favour needs no new notice (2. pkt. of both). Not for SUL §138 nursing. A decision event "
    "records it (informed_in_writing, minor_favourable); events without it count as informed, "
    "the written decision stating the help.",
    judges="decision",
    broken_when=all_of(GRANTING, not_(this.sul138), not_(this.informed)),
    by_regime={"SEL-2024": "SEL §89", "AEL-2025": "ÆL §29"},
)

DOC_010 = Rule(
    id="DOC-010",
    title="Reasons or complaint guidance incomplete",
    severity=Severity.WARNING,
    ground=Ground.VERIFIED,
    legal_reference="Forvaltningsloven §§24-25; retssikkerhedsloven §§66-67",
    message="Decision {decision} ({made}): {content_gaps}.",
    description="Where a decision does not fully grant the request, its reasons name the legal "
    "rules, the main considerations and the facts relied on (Forvaltningsloven §24), and its "
    "complaint guidance states the complaint body (Ankestyrelsen), that the complaint goes "
    "first to the municipality that decided, which reassesses it, and the 4-week time limit "
    "(§25 stk. 1; retssikkerhedsloven §§66-67; SEL §166, ÆL §30 stk. 1). An Elderly Act "
    "decision that ends a Serviceloven decision also says that this ending cannot be appealed "
    "(ÆL §30 stk. 2). Judged on the elements the decision records (reasons_name, "
    "guidance_states), never on its text; not recorded: only their presence is judged "
    "(DOC-002). A warning: §24 asks the facts 'om fornødent'.",
    judges="decision",
    broken_when=all_of(not_(this.fully_granted), ne(this.content_gaps, "")),
    by_regime={
        "SEL-2024": "Forvaltningsloven §§24-25; retssikkerhedsloven §§66-67; SEL §166",
        "AEL-2025": "Forvaltningsloven §§24-25; retssikkerhedsloven §§66-67; ÆL §30",
    },
)


def _named(fact: DecisionFact) -> Mapping[str, str]:
    # A dash, not a word, for "none": the Danish message shows the same value.
    return {"named": fact.care_course or "–"}


DOC_011 = Rule(
    id="DOC-011",
    title="Care course grant that names no course of the catalogue",
    severity=Severity.INFO,
    ground=Ground.VERIFIED,
    legal_reference="ÆL §10, §9 stk. 1-3",
    message="Decision {decision} of {on} grants a care course under ÆL §10 but names none of the "
    "municipality's catalogue in force that day (named: {named}); its visits are judged against "
    "every element of §9 stk. 2.",
    description="An ÆL §10 decision grants one of the care courses (forløb) the municipality "
    "has set up and published (§9 stk. 1 and 3), each holding elements of §9 stk. 2 (personal "
    "help and care, practical tasks, genoptræning): the catalogue is the policy's "
    "care_courses, dated. A grant that names none, or one the catalogue does not hold on its "
    "day, leaves its content unknown: its visits are judged against all of §9 stk. 2 (FRM-003). "
    "Information: decisions recorded before erantis knew the catalogue name none.",
    judges="decision",
    broken_when=all_of(GRANTING, truth(this.course_missing)),
    detail=_named,
    by_regime={"AEL-2025": "ÆL §10, §9 stk. 1-3; Policy: care_courses"},
)

RULES = (
    DOC_001,
    DOC_002,
    DOC_003,
    DOC_004,
    DOC_005,
    DOC_006,
    DOC_007,
    DOC_008,
    DOC_009,
    DOC_010,
    DOC_011,
)
