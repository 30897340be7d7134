"""Delegation of nursing tasks (DEL-*): who may delegate what to whom, and its follow-up.

Legal basis: the rules on authorised health personnel's use of assistants (BEK 1219/2009 and
its guidance VEJ 115/2009); which task each role may take is municipal policy.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from erantis_domain.values import Role
from erantis_rules.catalogue._base import (
    Check,
    Context,
    Json,
    add,
    all_of,
    any_of,
    gt,
    gte,
    mine,
    subj,
)
from erantis_rules.facts import Fact
from erantis_rules.model import Rule, Severity
from erantis_rules.policy import Policy

__all__ = ["CHECKS"]

_FACT = {"t": "delegation"}

DEL_001 = Check(
    Rule(
        id="DEL-001",
        title="Delegated by someone who is not a nurse",
        severity=Severity.VIOLATION,
        legal_reference="BEK 1219/2009",
        message="Delegation {delegation} of {task} was made by a {delegator_role}; only a nurse "
        "(authorised staff) may delegate.",
        description="Only authorised health personnel (here: nurses) may delegate a nursing task.",
        fact="delegation",
    ),
    "delegation",
    lambda f, ctx: f["delegator_role"] != Role.NURSE.value,
    lambda p: [("subj", all_of(_FACT, {"$neq": {"delegator_role": Role.NURSE.value}}))],
    values=lambda f, p: {
        "delegation": f["delegation"],
        "task": f["task"],
        "delegator_role": f["delegator_role"],
    },
)

DEL_002 = Check(
    Rule(
        id="DEL-002",
        title="Delegate's competence not verified",
        severity=Severity.VIOLATION,
        legal_reference="BEK 1219/2009",
        message="Delegation {delegation} of {task}: the delegate's competence was not verified.",
        description="The delegating nurse makes sure the delegate is competent for the task.",
        fact="delegation",
    ),
    "delegation",
    lambda f, ctx: not f["verified"],
    lambda p: [("subj", all_of(_FACT, {"verified": False}))],
    values=lambda f, p: {"delegation": f["delegation"], "task": f["task"]},
)

DEL_003 = Check(
    Rule(
        id="DEL-003",
        title="Framework delegation without a written instruction",
        severity=Severity.VIOLATION,
        legal_reference="BEK 1219/2009 (rammedelegation)",
        message="Framework delegation {delegation} of {task} has no written instruction.",
        description="A framework delegation (rammedelegation) needs a written instruction.",
        fact="delegation",
    ),
    "delegation",
    lambda f, ctx: f["kind"] == "framework" and not f["instruction"],
    lambda p: [("subj", all_of(_FACT, {"kind": "framework"}, {"instruction": False}))],
    values=lambda f, p: {"delegation": f["delegation"], "task": f["task"]},
)


def _del004(f: Fact, ctx: Context) -> bool:
    return not ctx.policy.may_take(Role(f["delegate_role"]), f["task"])


def _del004_durable(p: Policy) -> list[tuple[str, Json]]:
    # One alternative per non-nurse role: that role, and a task outside its list.
    alternatives: list[Json] = []
    for role in Role:
        if role is Role.NURSE:
            continue
        allowed = sorted(p.delegable_tasks_by_role.get(role, frozenset()))
        alternatives.append(
            all_of({"delegate_role": role.value}, *({"$neq": {"task": t}} for t in allowed))
        )
    return [("subj", all_of(_FACT, any_of(*alternatives)))]


DEL_004 = Check(
    Rule(
        id="DEL-004",
        title="Task not delegable to the delegate's role",
        severity=Severity.VIOLATION,
        legal_reference="Policy: delegable_tasks_by_role",
        message="Delegation {delegation}: task {task} may not be delegated to a {delegate_role} "
        "under the policy.",
        description="The policy lists the nursing tasks (FSIII G1.x) each role may take.",
        fact="delegation",
    ),
    "delegation",
    _del004,
    _del004_durable,
    values=lambda f, p: {
        "delegation": f["delegation"],
        "task": f["task"],
        "delegate_role": f["delegate_role"],
    },
)


def _del005_due(f: Fact, p: Policy) -> date:
    return date.fromordinal(min(f["follow_up_due"], f["on"] + p.delegation_follow_up_max_days))


def _del005(f: Fact, ctx: Context) -> bool:
    if f["revoked"]:
        return False
    if ctx.as_of <= _del005_due(f, ctx.policy).toordinal():
        return False
    return not any(
        u["subject"] == f["delegation"] and u["on"] >= f["on"] for u in ctx.related("follow_up")
    )


def _del005_durable(p: Policy) -> list[tuple[str, Json]]:
    limit = p.delegation_follow_up_max_days
    return [
        ("subj", all_of(_FACT, {"revoked": 0})),
        ("clock", any_of(gt("as_of", subj("follow_up_due")), gt("as_of", add(subj("on"), limit)))),
        (
            "f$not",
            all_of({"t": "follow_up"}, {"subject": subj("delegation")}, gte("on", subj("on"))),
        ),
    ]


DEL_005 = Check(
    Rule(
        id="DEL-005",
        title="Follow-up of a delegation overdue",
        severity=Severity.WARNING,
        legal_reference="BEK 1219/2009; Policy: delegation_follow_up_max_days",
        message="Delegation {delegation} of {task} was due for follow-up by {due}; "
        "none is recorded.",
        description="A delegation is followed up by its follow_up_due or within "
        "delegation_follow_up_max_days, whichever is earlier. Revoked delegations are exempt.",
        fact="delegation",
    ),
    "delegation",
    _del005,
    _del005_durable,
    due=_del005_due,
    reads=("follow_up",),
    values=lambda f, p: {
        "delegation": f["delegation"],
        "task": f["task"],
        "due": _del005_due(f, p).isoformat(),
    },
)


def _del006_due(f: Fact, p: Policy) -> date:
    return date.fromordinal(f["admitted"] + p.suspend_on_admission_days)


def _del006(f: Fact, ctx: Context) -> bool:
    p = ctx.policy
    last = f["admitted"] + p.suspend_on_admission_days
    return (
        p.suspend_on_admission
        and ctx.as_of > last
        and (not f["discharged"] or f["discharged"] > last)
        and (not f["suspended"] or f["suspended"] > last)
    )


def _del006_durable(p: Policy) -> list[tuple[str, Json]]:
    if not p.suspend_on_admission:
        return []
    days = p.suspend_on_admission_days
    return [
        (
            "subj",
            all_of(
                {"t": "admission"},
                any_of({"discharged": 0}, gt("discharged", add(mine("admitted"), days))),
                any_of({"suspended": 0}, gt("suspended", add(mine("admitted"), days))),
            ),
        ),
        ("clock", gt("as_of", add(subj("admitted"), days))),
    ]


def _del006_values(f: Fact, p: Policy) -> dict[str, Any]:
    return {"delegation": f["delegation"], "days": p.suspend_on_admission_days}


DEL_006 = Check(
    Rule(
        id="DEL-006",
        title="Delegation not suspended on admission",
        severity=Severity.WARNING,
        legal_reference="Policy: suspend_on_admission, suspend_on_admission_days",
        message="The citizen was admitted; delegation {delegation} was not suspended within "
        "{days} day(s).",
        description="When the citizen is admitted to hospital, active delegations are suspended "
        "within suspend_on_admission_days (if the policy says to suspend), unless the citizen "
        "is home again by then.",
        fact="admission",
    ),
    "admission",
    _del006,
    _del006_durable,
    due=_del006_due,
    values=_del006_values,
)

CHECKS = (DEL_001, DEL_002, DEL_003, DEL_004, DEL_005, DEL_006)
