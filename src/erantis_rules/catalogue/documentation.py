"""Documentation requirements (DOC-*): what a decision (afgørelse) and the case file must hold.

Legal references: Serviceloven (SEL) §83 and §148, Sundhedsloven (SUL) §138,
Forvaltningsloven §§22, 24-25. Where the law sets no number, the policy does.
"""

from __future__ import annotations

from datetime import date

from erantis_rules.catalogue._base import (
    Check,
    Context,
    add,
    all_of,
    any_of,
    gt,
    gte,
    lte,
    mine,
    subj,
)
from erantis_rules.facts import Fact
from erantis_rules.model import Rule, Severity
from erantis_rules.policy import Policy

__all__ = ["CHECKS"]

_GRANTING = ("granted", "revised")


def _granting_durable() -> dict[str, object]:
    return any_of({"kind": "granted"}, {"kind": "revised"})


# DOC-001 ------------------------------------------------------------------------------------


def _doc001(f: Fact, ctx: Context) -> bool:
    return f["kind"] == "granted" and f["sel83"] and not f["potential_before"]


DOC_001 = Check(
    Rule(
        id="DOC-001",
        title="Lasting help granted without assessing rehabilitation potential",
        severity=Severity.VIOLATION,
        legal_reference="SEL §83 stk. 3",
        message="Decision {decision} grants lasting help under SEL §83, but the case has no "
        "earlier assessment of rehabilitation potential.",
        description="Before lasting help under SEL §83 is granted, the municipality must assess "
        "whether a rehabilitation course (§83a) could improve the citizen's function.",
        fact="decision",
    ),
    "decision",
    _doc001,
    lambda p: [
        (
            "subj",
            all_of(
                {"t": "decision"}, {"kind": "granted"}, {"sel83": True}, {"potential_before": False}
            ),
        )
    ],
    values=lambda f, p: {"decision": f["decision"]},
)

# DOC-002 ------------------------------------------------------------------------------------


def _doc002(f: Fact, ctx: Context) -> bool:
    return not f["has_reasons"] or not f["guidance"]


DOC_002 = Check(
    Rule(
        id="DOC-002",
        title="Decision without reasons or complaint guidance",
        severity=Severity.VIOLATION,
        legal_reference="Forvaltningsloven §§22, 24-25",
        message="Decision {decision} ({kind}) lacks {missing}.",
        description="A written decision must give its reasons (§§22, 24) and guidance on how "
        "to complain (§25), whether it grants, revises or rejects.",
        fact="decision",
    ),
    "decision",
    _doc002,
    lambda p: [
        ("subj", all_of({"t": "decision"}, any_of({"has_reasons": False}, {"guidance": False})))
    ],
    values=lambda f, p: {
        "decision": f["decision"],
        "kind": f["kind"],
        "missing": " and ".join(
            part
            for part, ok in (("reasons", f["has_reasons"]), ("complaint guidance", f["guidance"]))
            if not ok
        ),
    },
)

# DOC-003 ------------------------------------------------------------------------------------


def _doc003(f: Fact, ctx: Context) -> bool:
    return f["kind"] in _GRANTING and f["goals"] == 0


DOC_003 = Check(
    Rule(
        id="DOC-003",
        title="Grant without individual goals",
        severity=Severity.VIOLATION,
        legal_reference="SEL §83 stk. 5",
        message="Decision {decision} ({kind}) sets no individual goals for the help.",
        description="Help under §83 is granted with individual goals, so that the team and the "
        "citizen can follow up on them.",
        fact="decision",
    ),
    "decision",
    _doc003,
    lambda p: [("subj", all_of({"t": "decision"}, _granting_durable(), {"goals": 0}))],
    values=lambda f, p: {"decision": f["decision"], "kind": f["kind"]},
)

# DOC-004 ------------------------------------------------------------------------------------


def _doc004_due(f: Fact, p: Policy) -> date:
    return date.fromordinal(min(f["follow_up_due"], f["on"] + p.case_follow_up_max_days))


def _doc004(f: Fact, ctx: Context) -> bool:
    if f["kind"] not in _GRANTING or f["replaced"]:
        return False
    due = _doc004_due(f, ctx.policy).toordinal()
    if ctx.as_of <= due or (f["closed"] and f["closed"] <= due):
        return False
    return not any(
        u["subject"] == f["decision"] and u["on"] >= f["on"] for u in ctx.related("follow_up")
    )


def _doc004_durable(p: Policy) -> list[tuple[str, dict[str, object]]]:
    limit = p.case_follow_up_max_days
    return [
        (
            "subj",
            all_of(
                {"t": "decision"},
                _granting_durable(),
                {"replaced": False},
                # Exempt only when closed on or before the due date (the earlier of the two).
                any_of(
                    {"closed": 0},
                    gt("closed", mine("follow_up_due")),
                    gt("closed", add(mine("on"), limit)),
                ),
            ),
        ),
        ("clock", any_of(gt("as_of", subj("follow_up_due")), gt("as_of", add(subj("on"), limit)))),
        ("f$not", all_of({"t": "follow_up"}, {"subject": subj("decision")}, gte("on", subj("on")))),
    ]


DOC_004 = Check(
    Rule(
        id="DOC-004",
        title="Follow-up of a decision overdue",
        severity=Severity.WARNING,
        legal_reference="SEL §148",
        message="Decision {decision} was due for follow-up by {due}; no follow-up is recorded.",
        description="The municipality follows up on help granted (§148): by the decision's "
        "follow_up_due, and at the latest case_follow_up_max_days after the decision. A "
        "decision replaced by a revision, or of a case closed before the due date, is exempt.",
        fact="decision",
    ),
    "decision",
    _doc004,
    _doc004_durable,
    due=_doc004_due,
    reads=("follow_up",),
    values=lambda f, p: {"decision": f["decision"], "due": _doc004_due(f, p).isoformat()},
)

# DOC-005 ------------------------------------------------------------------------------------


def _doc005_due(f: Fact, p: Policy) -> date:
    return date.fromordinal(f["ended"] + p.reassess_after_rehab_days)


def _doc005(f: Fact, ctx: Context) -> bool:
    if not f["ended"]:
        return False
    last = f["ended"] + ctx.policy.reassess_after_rehab_days
    if ctx.as_of <= last:
        return False
    return not any(f["ended"] <= d["on"] <= last for d in ctx.related("decision"))


def _doc005_durable(p: Policy) -> list[tuple[str, dict[str, object]]]:
    days = p.reassess_after_rehab_days
    return [
        ("subj", all_of({"t": "course"}, gt("ended", 0))),
        ("clock", gt("as_of", add(subj("ended"), days))),
        (
            "d$not",
            all_of(
                {"t": "decision"}, gte("on", subj("ended")), lte("on", add(subj("ended"), days))
            ),
        ),
    ]


DOC_005 = Check(
    Rule(
        id="DOC-005",
        title="No decision after a rehabilitation course",
        severity=Severity.VIOLATION,
        legal_reference="SEL §83 stk. 6; Policy: reassess_after_rehab_days",
        message="Rehabilitation course {course} ended; no decision followed within {days} days "
        "(by {due}).",
        description="After a §83a course the citizen is reassessed and a decision on further "
        "help (grant, revision or rejection) is made within reassess_after_rehab_days.",
        fact="course",
    ),
    "course",
    _doc005,
    _doc005_durable,
    due=_doc005_due,
    reads=("decision",),
    values=lambda f, p: {
        "course": f["course"],
        "days": p.reassess_after_rehab_days,
        "due": _doc005_due(f, p).isoformat(),
    },
)

# DOC-006 ------------------------------------------------------------------------------------


def _doc006(f: Fact, ctx: Context) -> bool:
    return f["kind"] in _GRANTING and (
        not f["fa_on"] or f["on"] - f["fa_on"] > ctx.policy.assessment_max_age_days
    )


DOC_006 = Check(
    Rule(
        id="DOC-006",
        title="Grant without a recent functional-ability assessment",
        severity=Severity.WARNING,
        legal_reference="Policy: assessment_max_age_days",
        message="Decision {decision} ({kind}) rests on no functional-ability assessment from the "
        "last {days} days.",
        description="A grant or revision rests on a functional-ability assessment (FSIII "
        "funktionsevnetilstand) no older than assessment_max_age_days.",
        fact="decision",
    ),
    "decision",
    _doc006,
    lambda p: [
        (
            "subj",
            all_of(
                {"t": "decision"},
                _granting_durable(),
                any_of({"fa_on": 0}, gt("on", add(mine("fa_on"), p.assessment_max_age_days))),
            ),
        )
    ],
    values=lambda f, p: {
        "decision": f["decision"],
        "kind": f["kind"],
        "days": p.assessment_max_age_days,
    },
)

# DOC-007 ------------------------------------------------------------------------------------


def _doc007(f: Fact, ctx: Context) -> bool:
    return f["kind"] in _GRANTING and f["nursing"] and not f["health_before"]


DOC_007 = Check(
    Rule(
        id="DOC-007",
        title="Home nursing granted without a health assessment",
        severity=Severity.VIOLATION,
        legal_reference="SUL §138; Policy: health assessment before nursing",
        message="Decision {decision} grants home nursing, but the case has no earlier "
        "assessment of health conditions.",
        description="Home nursing under SUL §138 (FSIII G1.x) is granted after a nurse has "
        "assessed the citizen's health conditions (FSIII helbredstilstande).",
        fact="decision",
    ),
    "decision",
    _doc007,
    lambda p: [
        (
            "subj",
            all_of(
                {"t": "decision"}, _granting_durable(), {"nursing": True}, {"health_before": False}
            ),
        )
    ],
    values=lambda f, p: {"decision": f["decision"]},
)

CHECKS = (DOC_001, DOC_002, DOC_003, DOC_004, DOC_005, DOC_006, DOC_007)
