"""Frame steering and incentives (FRM-*): adjustments inside the frame, deliveries against
decisions, continuity, and the settlement cycle of each team period (rammestyring).

These rules enforce municipal policy (DOMAIN.md, policy defaults), not specific paragraphs.
"""

from __future__ import annotations

from datetime import date

from erantis_domain.values import period_bounds
from erantis_rules.catalogue._base import (
    Check,
    Context,
    Json,
    add,
    all_of,
    any_of,
    gt,
    gte,
    lt,
    lte,
    mine,
    subj,
)
from erantis_rules.facts import Fact
from erantis_rules.model import Rule, Severity
from erantis_rules.policy import Policy

__all__ = ["CHECKS"]


def _times(field: str, factor: int) -> Json:
    return {"$mul": {"$l": mine(field), "$r": factor}}


# FRM-001 ------------------------------------------------------------------------------------


def _frm001(f: Fact, ctx: Context) -> bool:
    tolerance = ctx.policy.adjustment_tolerance_pct
    return not f["replaced"] and abs(f["net100"]) > f["granted"] * tolerance


FRM_001 = Check(
    Rule(
        id="FRM-001",
        title="Team adjustments beyond the tolerance without a new decision",
        severity=Severity.WARNING,
        legal_reference="Policy: adjustment_tolerance_pct",
        message="Team adjustments to {intervention} under decision {decision} total {net:+d} "
        "minutes against a frame of {granted}; beyond ±{tolerance} % a revised decision is needed "
        "(follow-up outcome E4).",
        description="Inside the frame the team moves time with the citizen; cumulative "
        "adjustments beyond adjustment_tolerance_pct of the granted frame need a revision.",
        fact="adjusted_frame",
    ),
    "adjusted_frame",
    _frm001,
    lambda p: [
        (
            "subj",
            all_of(
                {"t": "adjusted_frame"},
                {"replaced": False},
                any_of(
                    gt("net100", _times("granted", p.adjustment_tolerance_pct)),
                    lt("net100", _times("granted", -p.adjustment_tolerance_pct)),
                ),
            ),
        )
    ],
    values=lambda f, p: {
        "intervention": f["intervention"],
        "decision": f["decision"],
        "net": f["net100"] // 100,
        "granted": f["granted"],
        "tolerance": p.adjustment_tolerance_pct,
    },
)

# FRM-002 ------------------------------------------------------------------------------------

FRM_002 = Check(
    Rule(
        id="FRM-002",
        title="Time adjusted without the citizen involved",
        severity=Severity.WARNING,
        legal_reference="Policy: citizen involvement (self-determination)",
        message="A time adjustment under decision {decision} was made without the citizen "
        "involved.",
        description="Adjustments inside the frame are made together with the citizen: "
        "self-determination and co-production are core values of the model.",
        fact="adjustment",
    ),
    "adjustment",
    lambda f, ctx: not f["citizen"],
    lambda p: [("subj", all_of({"t": "adjustment"}, {"citizen": False}))],
    values=lambda f, p: {"decision": f["decision"]},
)

# FRM-003 ------------------------------------------------------------------------------------

FRM_003 = Check(
    Rule(
        id="FRM-003",
        title="Visit outside any active decision",
        severity=Severity.WARNING,
        legal_reference="Policy: deliveries need an active decision",
        message="A visit of {intervention} on {day} is not covered by any active decision.",
        description="Every delivered visit falls under a decision active on that day that "
        "grants a frame for the intervention.",
        fact="uncovered_visit",
    ),
    "uncovered_visit",
    lambda f, ctx: True,
    lambda p: [("subj", {"t": "uncovered_visit"})],
    values=lambda f, p: {
        "intervention": f["intervention"],
        "day": date.fromordinal(f["on"]).isoformat(),
    },
)

# FRM-004 ------------------------------------------------------------------------------------


def _frm004_due(f: Fact, p: Policy) -> date:
    return date.fromordinal(f["end"] + p.dialogue_after_overspend_days)


def _frm004(f: Fact, ctx: Context) -> bool:
    p = ctx.policy
    last = f["end"] + p.dialogue_after_overspend_days
    if ctx.as_of <= last or f["delivered100"] <= f["granted"] * (100 + p.settlement_band_pct):
        return False
    return not any(f["start"] <= m["held"] <= last for m in ctx.related("meeting"))


def _frm004_durable(p: Policy) -> list[tuple[str, Json]]:
    days = p.dialogue_after_overspend_days
    return [
        (
            "subj",
            all_of(
                {"t": "team_period"},
                gt("delivered100", _times("granted", 100 + p.settlement_band_pct)),
            ),
        ),
        ("clock", gt("as_of", add(subj("end"), days))),
        (
            "m$not",
            all_of(
                {"t": "meeting"}, gte("held", subj("start")), lte("held", add(subj("end"), days))
            ),
        ),
    ]


FRM_004 = Check(
    Rule(
        id="FRM-004",
        title="Overspent period without a dialogue meeting",
        severity=Severity.WARNING,
        legal_reference="Policy: settlement_band_pct, dialogue_after_overspend_days",
        message="Team {team} delivered {delivered} minutes in {period} against a frame of "
        "{granted} (more than {band} % over); no dialogue meeting was held by {due}.",
        description="When a team overspends its frame by more than the settlement band, "
        "purchaser and team hold a dialogue meeting within dialogue_after_overspend_days after "
        "the period ends. The frame is the settlement ledger's: granted frames prorated by the "
        "days they count, plus team adjustments, less hospital stays.",
        fact="team_period",
    ),
    "team_period",
    _frm004,
    _frm004_durable,
    due=_frm004_due,
    reads=("meeting",),
    values=lambda f, p: {
        "team": f["team"],
        "period": f["period"],
        "delivered": f["delivered100"] // 100,
        "granted": f["granted"],
        "band": p.settlement_band_pct,
        "due": _frm004_due(f, p).isoformat(),
    },
)

# FRM-005 ------------------------------------------------------------------------------------


def _frm005_due(f: Fact, p: Policy) -> date:
    return date.fromordinal(f["started"] + 7 * p.rehab_max_weeks)


def _frm005(f: Fact, ctx: Context) -> bool:
    last: int = f["ended"] or ctx.as_of
    return last - int(f["started"]) > 7 * ctx.policy.rehab_max_weeks


def _frm005_durable(p: Policy) -> list[tuple[str, Json]]:
    days = 7 * p.rehab_max_weeks
    # An ended course is judged by its end; an open one by the clock (events never postdate it).
    return [
        (
            "subj",
            all_of({"t": "course"}, any_of({"ended": 0}, gt("ended", add(mine("started"), days)))),
        ),
        ("clock", gt("as_of", add(subj("started"), days))),
    ]


FRM_005 = Check(
    Rule(
        id="FRM-005",
        title="Rehabilitation course too long",
        severity=Severity.WARNING,
        legal_reference="SEL §83a; Policy: rehab_max_weeks",
        message="Rehabilitation course {course} has run longer than {weeks} weeks "
        "(from {started}).",
        description="A §83a course is time-limited: at most rehab_max_weeks.",
        fact="course",
    ),
    "course",
    _frm005,
    _frm005_durable,
    due=_frm005_due,
    values=lambda f, p: {
        "course": f["course"],
        "weeks": p.rehab_max_weeks,
        "started": date.fromordinal(f["started"]).isoformat(),
    },
)

# FRM-006 ------------------------------------------------------------------------------------

FRM_006 = Check(
    Rule(
        id="FRM-006",
        title="Too many different carers",
        severity=Severity.INFO,
        legal_reference="Policy: continuity_max_carers, continuity_window_days",
        message="{carers} different carers visited the citizen within {window} days "
        "({start} to {end}); the policy allows {allowed}.",
        description="Continuity: at most continuity_max_carers distinct carers per citizen "
        "within any continuity_window_days window.",
        fact="continuity",
    ),
    "continuity",
    lambda f, ctx: f["carers"] > ctx.policy.continuity_max_carers,
    lambda p: [("subj", all_of({"t": "continuity"}, gt("carers", p.continuity_max_carers)))],
    values=lambda f, p: {
        "carers": f["carers"],
        "window": p.continuity_window_days,
        "start": date.fromordinal(f["from"]).isoformat(),
        "end": date.fromordinal(f["to"]).isoformat(),
        "allowed": p.continuity_max_carers,
    },
)

# FRM-007 ------------------------------------------------------------------------------------


def _frm007_due(f: Fact, p: Policy) -> date:
    return date.fromordinal(f["end"] + p.settlement_deadline_days)


FRM_007 = Check(
    Rule(
        id="FRM-007",
        title="Period not settled in time",
        severity=Severity.WARNING,
        legal_reference="Policy: settlement_deadline_days",
        message="Team {team}'s period {period} ended {end} and is not settled (due {due}).",
        description="Each team's settlement period is settled within settlement_deadline_days "
        "after it ends.",
        fact="team_period",
    ),
    "team_period",
    lambda f, ctx: (
        ctx.as_of > f["end"] + ctx.policy.settlement_deadline_days and not ctx.related("settled")
    ),
    lambda p: [
        ("subj", {"t": "team_period"}),
        ("clock", gt("as_of", add(subj("end"), p.settlement_deadline_days))),
        ("s$not", all_of({"t": "settled"}, {"team": subj("team")})),
    ],
    due=_frm007_due,
    reads=("settled",),
    values=lambda f, p: {
        "team": f["team"],
        "period": f["period"],
        "end": period_bounds(f["period"])[1].isoformat(),
        "due": _frm007_due(f, p).isoformat(),
    },
)

CHECKS = (FRM_001, FRM_002, FRM_003, FRM_004, FRM_005, FRM_006, FRM_007)
