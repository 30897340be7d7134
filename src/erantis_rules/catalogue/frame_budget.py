"""Frame steering and incentives (FRM-*): adjustments inside the frame, deliveries against
decisions, continuity, and the settlement cycle of each team period (rammestyring).

These rules enforce municipal policy (DOMAIN.md, policy defaults), not specific paragraphs.
"""

from __future__ import annotations

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
    magnitude,
    not_,
    other,
    param,
    this,
)
from erantis_rules.language.model import Rule, Severity

__all__ = ["RULES"]

FRM_001 = Rule(
    id="FRM-001",
    title="Team adjustments beyond the tolerance without a new decision",
    severity=Severity.WARNING,
    legal_reference="Policy: adjustment_tolerance_pct",
    message="Team adjustments to {intervention} under decision {decision} total {net:+d} "
    "minutes against a frame of {granted}; beyond ±{adjustment_tolerance_pct} % a revised "
    "decision is needed (follow-up outcome E4).",
    description="Inside the frame the team moves time with the citizen; cumulative "
    "adjustments beyond adjustment_tolerance_pct of the granted frame need a revision. An "
    "ÆL §10 care course granted without minutes (no frames, no pooled frame) has no frame to "
    "judge against.",
    judges="adjusted_frame",
    broken_when=all_of(
        not_(this.replaced),
        gt(magnitude(this.net) * 100, this.granted * param("adjustment_tolerance_pct")),
    ),
)

FRM_002 = Rule(
    id="FRM-002",
    title="Time adjusted without the citizen involved",
    severity=Severity.WARNING,
    legal_reference="Policy: citizen involvement (self-determination)",
    message="A time adjustment under decision {decision} was made without the citizen involved.",
    description="Adjustments inside the frame are made together with the citizen: "
    "self-determination and co-production are core values of the model.",
    judges="adjustment",
    broken_when=not_(this.citizen),
)

FRM_003 = Rule(
    id="FRM-003",
    title="Visit outside any active decision",
    severity=Severity.WARNING,
    legal_reference="Policy: deliveries need an active decision",
    message="A visit of {intervention} on {on} is not covered by any active decision.",
    description="Every delivered visit falls under a decision in force on its day: a frame "
    "for its intervention, a swap the swap right allows (SEL §94a), or, under an ÆL §10 care "
    "course, an element of the course the decision names as the municipality's catalogue "
    "(care_courses) has it on the visit's day; all of ÆL §9 stk. 2 when the decision names no "
    "course of the catalogue (DOC-011). Nursing (SUL §138) and madservice (ÆL §13) are never "
    "part of a care course.",
    judges="uncovered_visit",
    # The fold finds the uncovered visits: each one breaks the rule.
    broken_when=all_of(),
)

_FRM_004_DUE = this.end + days(param("dialogue_after_overspend_days"))

FRM_004 = Rule(
    id="FRM-004",
    title="Overspent period without a dialogue meeting",
    severity=Severity.WARNING,
    legal_reference="Policy: settlement_band_pct, dialogue_after_overspend_days",
    message="Team {team} delivered {delivered} minutes in {period} against a frame of "
    "{granted} (more than {settlement_band_pct} % over); no dialogue meeting was held by {due}.",
    description="When a team overspends its frame by more than the settlement band, "
    "purchaser and team hold a dialogue meeting within dialogue_after_overspend_days after "
    "the period ends. The frame is the settlement ledger's: granted frames prorated by the "
    "days they count, plus team adjustments, less hospital stays.",
    judges="team_period",
    due=_FRM_004_DUE,
    broken_when=all_of(
        gt(this.delivered * 100, this.granted * (param("settlement_band_pct") + 100)),
        gt(AS_OF, _FRM_004_DUE),
        absent("meeting", gte(other.held, this.start), lte(other.held, _FRM_004_DUE)),
    ),
)

_FRM_005_DUE = this.started + days(param("rehab_max_weeks") * 7)

FRM_005 = Rule(
    id="FRM-005",
    title="Rehabilitation course too long",
    severity=Severity.WARNING,
    legal_reference="SEL §83a; Policy: rehab_max_weeks",
    message="Rehabilitation course {course} has run longer than {rehab_max_weeks} weeks "
    "(from {started}).",
    description="A §83a course is time-limited: at most rehab_max_weeks.",
    judges="course",
    due=_FRM_005_DUE,
    # An ended course is judged by its end; an open one by the clock (events never postdate it).
    broken_when=all_of(
        any_of(is_none(this.ended), gt(this.ended, _FRM_005_DUE)),
        gt(AS_OF, _FRM_005_DUE),
    ),
    by_regime={
        "SEL-2024": "SEL §83a; Policy: rehab_max_weeks",
        # Under the Elderly Act rehabilitation is an element of the care course (ÆL §9 stk. 2
        # nr. 3) with no time limit of its own: the municipality's standard is what is checked.
        "AEL-2025": "Policy: rehab_max_weeks",
    },
)

FRM_006 = Rule(
    id="FRM-006",
    title="Too many different carers",
    severity=Severity.INFO,
    legal_reference="Policy: continuity_max_carers, continuity_window_days",
    message="{carers} different carers visited the citizen within {continuity_window_days} days "
    "({first} to {last}); the policy allows {continuity_max_carers}.",
    description="Continuity: at most continuity_max_carers distinct carers per citizen "
    "within any continuity_window_days window.",
    judges="continuity",
    broken_when=gt(this.carers, param("continuity_max_carers")),
)

_FRM_007_DUE = this.end + days(param("settlement_deadline_days"))

FRM_007 = Rule(
    id="FRM-007",
    title="Period not settled in time",
    severity=Severity.WARNING,
    legal_reference="Policy: settlement_deadline_days",
    message="Team {team}'s period {period} ended {end} and is not settled (due {due}).",
    description="Each team's settlement period is settled within settlement_deadline_days "
    "after it ends.",
    judges="team_period",
    due=_FRM_007_DUE,
    broken_when=all_of(
        gt(AS_OF, _FRM_007_DUE),
        absent("settled", eq(other.team, this.team)),
    ),
)

FRM_008 = Rule(
    id="FRM-008",
    title="Help swapped or declined often: reassess",
    severity=Severity.INFO,
    legal_reference="Policy: reassess_after_swaps, swap_window_days (SEL §94a)",
    message="The citizen swapped or declined help {count} times within {swap_window_days} days "
    "({first} to {last}); from {reassess_after_swaps} the municipality reassesses the decision.",
    description="Swaps under the swap right are covered help, not deviations; some "
    "municipalities send a case back to the visitation when the citizen swaps or declines the "
    "granted help often (e.g. 3 times in 3 months: a policy, not law; off unless "
    "reassess_after_swaps is set).",
    judges="swaps",
    broken_when=all_of(
        gt(param("reassess_after_swaps"), 0),
        gte(this.count, param("reassess_after_swaps")),
    ),
)

RULES = (FRM_001, FRM_002, FRM_003, FRM_004, FRM_005, FRM_006, FRM_007, FRM_008)
