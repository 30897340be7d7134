"""Delegation of nursing tasks (DEL-*): who may delegate what to whom, and its follow-up.

Legal basis: the rules on authorised health personnel's use of assistants (BEK 1219/2009 and
its guidance VEJ 115/2009); which task each role may take is municipal policy.
"""

from __future__ import annotations

from collections.abc import Mapping

from erantis_domain.values import Role
from erantis_rules.catalogue._shared import follow_up_due, no_follow_up_since
from erantis_rules.language._facts import DelegationFact
from erantis_rules.language.conditions import (
    AS_OF,
    all_of,
    any_of,
    days,
    eq,
    gt,
    is_in,
    is_none,
    lookup,
    not_,
    param,
    this,
)
from erantis_rules.language.model import Ground, Rule, Severity

__all__ = ["RULES"]

_ROLES = tuple(r.value for r in Role)

#: A role as a message names it, with its article ("an SSH", "a nurse").
_ROLE_NAMES = {
    Role.SSA: "an SSA",
    Role.SSH: "an SSH",
    Role.NURSE: "a nurse",
    Role.PHYSICIAN: "a physician",
    Role.VISITATOR: "a visitator",
    Role.THERAPIST: "a therapist",
    Role.TEAM_LEAD: "a team lead",
    Role.SYSTEM: "the system",
    Role.CONTROLLER: "a controller",
}


def _roles_named(fact: DelegationFact) -> Mapping[str, str]:
    return {
        "delegator": _ROLE_NAMES[fact.delegator_role],
        "delegate": _ROLE_NAMES[fact.delegate_role],
    }


DEL_001 = Rule(
    id="DEL-001",
    title="Delegated by someone who may not delegate the task",
    severity=Severity.VIOLATION,
    ground=Ground.SECONDARY,
    legal_reference="BEK 1219/2009; Policy: delegating_tasks_by_role",
    message="Delegation {delegation} of {task} was made by {delegator}, who may not "
    "delegate or hand over that task under the policy.",
    description="Reserved tasks are the physician's to delegate (autorisationsloven §74, BEK "
    "1219/2009); a nurse hands nursing tasks over under her duty of care (opgaveoverdragelse). "
    "The policy says who may delegate or hand over which task: by default the physician, the "
    "nurse and the SSA any task. Whether an SSA may pass a delegated task on is unverified law, "
    "so it is no violation unless the municipality's policy forbids it (delegating_tasks_by_role "
    "merges with the defaults: `ssa = []` takes the SSA's tasks away, the others keep theirs).",
    judges="delegation",
    broken_when=not_(
        is_in(this.task, lookup("delegating_tasks_by_role", this.delegator_role, _ROLES))
    ),
    detail=_roles_named,
)

DEL_002 = Rule(
    id="DEL-002",
    title="Delegate's competence not verified",
    severity=Severity.VIOLATION,
    ground=Ground.SECONDARY,
    legal_reference="BEK 1219/2009",
    message="Delegation {delegation} of {task}: the delegate's competence was not verified.",
    description="The delegating nurse makes sure the delegate is competent for the task.",
    judges="delegation",
    broken_when=not_(this.verified),
)

DEL_003 = Rule(
    id="DEL-003",
    title="Framework delegation without a written instruction",
    severity=Severity.VIOLATION,
    ground=Ground.SECONDARY,
    legal_reference="BEK 1219/2009 (rammedelegation)",
    message="Framework delegation {delegation} of {task} has no written instruction.",
    description="A framework delegation (rammedelegation) needs a written instruction.",
    judges="delegation",
    broken_when=all_of(eq(this.form, "framework"), not_(this.instruction)),
)

DEL_004 = Rule(
    id="DEL-004",
    title="Task not delegable to the delegate's role",
    severity=Severity.VIOLATION,
    ground=Ground.POLICY,
    legal_reference="Policy: delegable_tasks_by_role, pre_dispensed_tasks_by_role",
    message="Delegation {delegation}: task {task} may not be delegated to {delegate} "
    "under the policy.",
    description="The policy lists the nursing tasks (FSIII G1.x) each role may take, and those "
    "it may take only when the medicine is pre-dispensed (by default: an SSH gives medicine, "
    "G1.20, only then). Nurses and physicians may take any task.",
    judges="delegation",
    broken_when=all_of(
        not_(is_in(this.delegate_role, (Role.NURSE.value, Role.PHYSICIAN.value))),
        not_(is_in(this.task, lookup("delegable_tasks_by_role", this.delegate_role, _ROLES))),
        not_(
            all_of(
                this.pre_dispensed,
                is_in(
                    this.task,
                    lookup("pre_dispensed_tasks_by_role", this.delegate_role, _ROLES),
                ),
            )
        ),
    ),
    detail=_roles_named,
)

_DEL_005_DUE = follow_up_due("delegation_follow_up_max_days")

DEL_005 = Rule(
    id="DEL-005",
    title="Follow-up of a delegation overdue",
    severity=Severity.WARNING,
    ground=Ground.POLICY,
    legal_reference="BEK 1219/2009; Policy: delegation_follow_up_max_days",
    message="Delegation {delegation} of {task} was due for follow-up by {due}; none is recorded.",
    description="A delegation is followed up by its follow_up_due or within "
    "delegation_follow_up_max_days, whichever is earlier. Revoked delegations are exempt.",
    judges="delegation",
    due=_DEL_005_DUE,
    broken_when=all_of(
        is_none(this.revoked),
        gt(AS_OF, _DEL_005_DUE),
        no_follow_up_since(this.delegation),
    ),
)

_DEL_006_DUE = this.admitted + days(param("suspend_on_admission_days"))

DEL_006 = Rule(
    id="DEL-006",
    title="Delegation not suspended on admission",
    severity=Severity.WARNING,
    ground=Ground.POLICY,
    legal_reference="Policy: suspend_on_admission, suspend_on_admission_days",
    message="The citizen was admitted; delegation {delegation} was not suspended within "
    "{suspend_on_admission_days} day(s).",
    description="When the citizen is admitted to hospital, active delegations are suspended "
    "within suspend_on_admission_days (if the policy says to suspend), unless the citizen "
    "is home again by then.",
    judges="admission",
    due=_DEL_006_DUE,
    broken_when=all_of(
        param("suspend_on_admission"),
        any_of(is_none(this.discharged), gt(this.discharged, _DEL_006_DUE)),
        any_of(is_none(this.suspended), gt(this.suspended, _DEL_006_DUE)),
        gt(AS_OF, _DEL_006_DUE),
    ),
)

RULES = (DEL_001, DEL_002, DEL_003, DEL_004, DEL_005, DEL_006)
