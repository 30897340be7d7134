"""Home nursing (SUL §138): the nursing grant, delegations of its tasks with their follow-ups,
and what a hospital admission does to them."""

from __future__ import annotations

from erantis_domain.testing.synthetic.decisions import Grant, round5
from erantis_domain.testing.synthetic.life import Life
from erantis_domain.testing.synthetic.thresholds import thresholds
from erantis_domain.testing.synthetic.vocabulary import GOALS, HOSPITALS, NURSING, SUL138

__all__ = ["admission", "nursing_grant"]

#: Share of citizens admitted to hospital once (only with a month of service left).
_ADMITTED = 0.09
#: Share of nursing grants without a physician's referral (DOC-008).
_NO_REFERRAL = 0.03
#: Share of admissions after which the delegations are suspended late, or some not at all.
_LATE_SUSPENSION = 0.12


def nursing_grant(life: Life, day: int) -> Grant:
    """A nursing grant on ``day`` with one or two tasks, each delegable one delegated."""
    draws = life.town.draws
    decision = life.next_decision()
    tasks = draws.rng.sample(NURSING, draws.between(1, 2))
    frames = [
        {"intervention": c, "minutes": round5(draws.between(*span)), "per": "week"}
        for c, span, _, _ in tasks
    ]
    follow_up = day + draws.between(60, 200)
    basis = (decision, SUL138, frames, [draws.pick(GOALS)])
    reasons = "Lægehenvisning til hjemmesygepleje"
    # Home nursing rests on a physician's referral, referenced on the grant; a few lack it
    # (DOC-008). Drawn from the citizen's own stream, so other draws stay where they were.
    referral = {} if life.law_rng.random() < _NO_REFERRAL else {"referral_ref": f"HENV-{decision}"}
    # Only a visitator decides, also on nursing (the default append policy).
    life.grant(
        day,
        11,
        life.visitator,
        basis,
        None,
        follow_up,
        reasons,
        complaint_guidance=True,
        **referral,
    )
    for code, _, _, delegable in tasks:
        if delegable:
            _delegate(life, code, delegable, day + draws.between(0, 2))
    return day, frames, decision, follow_up, "nurse"


def _delegate(life: Life, task: str, delegable: tuple[str, ...], d: int) -> None:
    """The nurse delegates ``task`` to a primary carer on day ``d``; follow-ups every two to
    three months. A few delegations break a DEL rule."""
    draws, iso = life.town.draws, life.town.calendar.iso
    primaries, roles = life.primaries, life.roles
    delegation_id = f"{life.case}-del{len(life.delegations) + 1}"
    wanted = draws.pick(delegable)
    if draws.chance(0.02):  # DEL-004: an SSH takes a task reserved for the SSA
        wanted = "ssh" if task == "G1.39" else wanted
    candidates = [c for c in primaries if roles[c] == wanted] or primaries
    delegate = draws.pick(candidates)
    delegator, delegator_role = life.nurse_id, "nurse"
    if draws.chance(0.02):  # DEL-001: an SSH delegates
        delegator, delegator_role = primaries[0], "ssh"
    framework = draws.chance(0.2)
    instruction = None
    if framework and not draws.chance(0.1):  # DEL-003 when missing
        instruction = f"INSTR-{task}-{life.nurse_id[-2:]}"
    due = d + draws.between(60, 90)
    life.add(
        d,
        12,
        "NursingTaskDelegated",
        # Recorded by the responsible nurse, also when an SSH delegated (a fact to judge).
        {"actor_id": life.nurse_id, "role": "nurse"},
        delegation_id=delegation_id,
        task=task,
        kind="framework" if framework else "concrete",
        delegator_id=delegator,
        delegator_role=delegator_role,
        delegate_id=delegate,
        delegate_role=roles[delegate],
        instruction_ref=instruction,
        competence_verified=not draws.chance(0.03),  # DEL-002
        follow_up_due=iso[due],
        onward_delegation_allowed=False,
        # Medicine given by home care is pre-dispensed (dosisdispenseret) by the pharmacy.
        pre_dispensed=task == "G1.20",
    )
    follow = due - draws.between(0, 10)
    if draws.chance(0.04):  # DEL-005: a follow-up comes late
        follow = due + draws.between(5, 40)
    while follow < life.town.calendar.days:
        life.add(
            follow,
            17,
            "FollowUpRecorded",
            life.nurse,
            subject_id=delegation_id,
            outcome="E1",
            note="",
        )
        follow += draws.between(60, 85)
    life.delegations.append((delegation_id, task, delegate, d))


def admission(life: Life, grant_day: int) -> None:
    """Some citizens are admitted to hospital: visits pause, delegations are suspended (mostly
    in time), and revoked and delegated anew on discharge."""
    draws = life.town.draws
    between, chance = draws.between, draws.chance
    if not (chance(_ADMITTED) and life.closed - grant_day > 30):
        return
    admitted = between(grant_day + 7, life.closed - 20)
    home = admitted + between(2, 14)
    life.add(admitted, 15, "CitizenAdmitted", life.visitator, institution=draws.pick(HOSPITALS))
    active = [dl for dl in life.delegations if dl[3] < admitted]
    allowed = thresholds().suspend_on_admission_days
    late = chance(_LATE_SUSPENSION)  # DEL-006
    for delegation_id, _, _, _ in active:
        if late and chance(0.5):
            continue
        life.add(
            admitted + (between(allowed + 1, allowed + 3) if late else between(0, allowed)),
            16,
            "DelegationSuspended",
            life.nurse,
            delegation_id=delegation_id,
            reason="Indlagt",
        )
    life.add(home, 9, "CitizenDischarged", life.visitator)
    life.pauses.append((admitted, home))
    for delegation_id, task, _, _ in active:
        life.add(
            home,
            10,
            "DelegationRevoked",
            life.nurse,
            delegation_id=delegation_id,
            reason="Genvurderes efter udskrivelse",
        )
        delegable = next(n[3] for n in NURSING if n[0] == task)
        _delegate(life, task, delegable, home + 1)
