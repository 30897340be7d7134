"""Private: the recipe that draws one citizen's case history into a :class:`CasePlan`.

Phases, in business time: opening and referral; assessments (functional; health when the case
has nursing); rehabilitation potential; an optional §83a course; the grant (and a nursing grant
under SUL §138); a run of visits, team adjustments, delegations, revisions and follow-ups; the
injected violations; an optional admission and discharge; an optional closing.

``bad(rule_id)`` says whether the history must break a rule: always for the injected rules, by
a coin (that shrinks to "no") for flag-like practices in a free history, never in a compliant
one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from hypothesis import strategies as st

from erantis_domain.testing._plan import CasePlan, Decision
from erantis_rules.policy import DEFAULT_DELEGABLE_TASKS

__all__ = ["DELEGABLE", "SUPPORTED_CASE_RULES", "draw_case_plan"]

T = TypeVar("T")
Draw = Callable[[st.SearchStrategy[T]], T]

#: Rules a case history can be made to break (``violating=``).
SUPPORTED_CASE_RULES = frozenset(
    {
        *(f"DOC-00{n}" for n in range(1, 8)),
        *(f"DEL-00{n}" for n in range(1, 7)),
        "FRM-001",
        "FRM-002",
        "FRM-003",
        "FRM-005",
        "FRM-006",
    }
)
_FLAG_RULES = frozenset({"DOC-002", "DOC-003", "DEL-001", "DEL-002", "DEL-003", "FRM-002"})

#: Delegable nursing tasks per delegate role: the policy's default, read from ``Policy``.
DELEGABLE: dict[str, tuple[str, ...]] = {
    role.value: tuple(sorted(tasks)) for role, tasks in DEFAULT_DELEGABLE_TASKS.items()
}

_SEL_83 = {"act": "SEL", "paragraph": "83", "regime": "SEL-2024"}
_SEL_83A = {"act": "SEL", "paragraph": "83a", "regime": "SEL-2024"}
_SUL_138 = {"act": "SUL", "paragraph": "138", "regime": "SUL-2024"}
_HOME = ("H1.1", "H1.2", "H1.3", "H1.5", "H1.8")
_NURSING = ("G1.19", "G1.20", "G1.39")
_GOALS = ("Klarer selv morgenhygiejne", "Går selv til postkassen", "Spiser selv")
_CARERS = tuple(f"carer-{n}" for n in range(1, 7))
_MAX_ACTIVITY = 10


class _Recipe:
    def __init__(self, draw: Draw[Any], plan: CasePlan, free: bool, violating: frozenset[str]):
        self.draw = draw
        self.plan = plan
        self.free = free
        self.violating = violating
        self.visits = 0
        self.delegations = 0
        self.revisions = 0

    def bad(self, rule: str) -> bool:
        if rule in self.violating:
            return True
        return self.free and rule in _FLAG_RULES and self.draw(st.booleans())

    def days(self, low: int, high: int) -> int:
        return int(self.draw(st.integers(low, high)))

    # --- phases ----------------------------------------------------------------------------

    def opening(self, day: date, nursing: bool) -> None:
        p = self.plan
        p.add(day, "CaseOpened", "visitator", team_id=p.team_id, municipality="0756")
        # Home nursing rests on a physician's referral (DOC-008): a hospital or the GP.
        sources = ["hospital", "gp"] if nursing else ["hospital", "gp", "relative", "citizen"]
        source = self.draw(st.sampled_from([*sources, "other"] if not nursing else sources))
        p.add(day, "ReferralReceived", "visitator", source=source, reason="")

    def assessments(self, day: date, nursing: bool, rehab: bool) -> None:
        p = self.plan
        if not self.bad("DOC-006"):
            codes = self.draw(
                st.lists(
                    st.sampled_from(["J1.1", "J2", "J3", "J4.1"]),
                    min_size=1,
                    max_size=3,
                    unique=True,
                )
            )
            scores = [
                {"condition": c, "score": self.draw(st.sampled_from([0, 1, 2, 3, 4, 9]))}
                for c in codes
            ]
            p.add(day, "FunctionalAbilityAssessed", "therapist", scores=scores)
        if nursing and not self.bad("DOC-007"):
            conditions = [{"condition": "I1", "has_problem": True}]
            p.add(day, "HealthConditionAssessed", "nurse", conditions=conditions)
        if not self.bad("DOC-001"):
            p.add(
                day, "RehabilitationPotentialAssessed", "therapist", has_potential=rehab, reasons=""
            )

    def course(self, day: date) -> date:
        p = self.plan
        weeks = self.draw(st.integers(1, 12))
        course_id = f"{p.case_id}-c1"
        p.add(
            day,
            "RehabilitationCourseStarted",
            "therapist",
            course_id=course_id,
            goals=[_GOALS[1]],
            planned_weeks=weeks,
            legal_basis=_SEL_83A,
        )
        length = 12 * 7 + self.days(1, 20) if self.bad("FRM-005") else self.days(7, weeks * 7)
        end = day + timedelta(days=length)
        p.add(end, "RehabilitationCourseEnded", "therapist", course_id=course_id, outcome="")
        gap = self.days(15, 40) if self.bad("DOC-005") else self.days(0, 10)
        return end + timedelta(days=gap)

    def decide(
        self, day: date, basis: dict[str, str], codes: tuple[str, ...], revises: str = ""
    ) -> Decision:
        p = self.plan
        chosen = self.draw(st.lists(st.sampled_from(codes), min_size=1, max_size=2, unique=True))
        frames: list[tuple[str, int, str]] = []
        for code in chosen:
            per = self.draw(st.sampled_from(["week", "month"]))
            low = 60 if per == "week" else 240
            frames.append((code, self.draw(st.integers(low, low * 5)), per))
        lasting = "DOC-001" in self.violating or self.draw(st.booleans())
        until = None if lasting else day + timedelta(days=self.days(120, 400))
        doc_004 = "DOC-004" in self.violating and not p.decisions
        due = day + timedelta(days=self.days(14, 60) if doc_004 else self.days(30, 365))
        number = len([d for d in p.decisions if d.decision_id.startswith(p.case_id)]) + 1
        decision = Decision(f"{p.case_id}-d{number}", day, frames, day, until, due)
        first = not p.decisions
        incomplete = first and basis is _SEL_83
        guidance, reasons = True, "Behov for hjælp"
        if incomplete and self.bad("DOC-002"):
            guidance, reasons = self.draw(
                st.sampled_from([(False, reasons), (True, ""), (False, "")])
            )
        goals = [] if incomplete and self.bad("DOC-003") else [_GOALS[0]]
        fields: dict[str, Any] = {
            "decision_id": decision.decision_id,
            "legal_basis": basis,
            "frames": [{"intervention": c, "minutes": m, "per": per} for c, m, per in frames],
            "goals": goals,
            "valid_from": day.isoformat(),
            "valid_until": until.isoformat() if until else None,
            "follow_up_due": due.isoformat(),
            "team_id": p.team_id,
            "reasons": reasons,
            "complaint_guidance": guidance,
        }
        if revises:
            fields["revises"] = revises
        p.add(day, "VisitationRevised" if revises else "VisitationGranted", "visitator", **fields)
        p.decisions.append(decision)
        p.subjects[decision.decision_id] = (day, due, "decision")
        if doc_004:
            p.no_follow_up.add(decision.decision_id)
            p.min_as_of = max(p.min_as_of, due + timedelta(days=self.days(1, 30)))
        return decision

    def visit(self, day: date, share: str = "0.8") -> None:
        active = [(d, code) for d in self.plan.active(day) for code, _, _ in d.frames]
        budget = self.plan.visit_budget(day, Decimal(share))
        if not active or budget < 5:
            return
        _, code = self.draw(st.sampled_from(active))
        minutes = min(self.draw(st.integers(5, 45)), budget)
        carer = self.draw(st.sampled_from(_CARERS))
        self.visits += 1
        self.plan.deliver(day, self.visits, carer, code, minutes)

    def adjust(self, day: date, *, citizen_involved: bool, over: bool = False) -> None:
        active = [(d, code, m) for d in self.plan.active(day) for code, m, _ in d.frames]
        if not active:
            return
        decision, code, minutes = self.draw(st.sampled_from(active))
        done = decision.adjusted.get(code, 0)
        if over:
            delta = minutes * 15 // 100 + 1 + self.days(0, 20) - done
        elif self.free:
            delta = self.draw(st.integers(-30, 30))
        else:
            limit = minutes // 20
            delta = self.draw(st.integers(-limit - done, limit - done))
        decision.adjusted[code] = done + delta
        self.plan.add(
            day,
            "TimeAdjustedByTeam",
            "team_lead",
            decision_id=decision.decision_id,
            intervention=code,
            delta_minutes=delta,
            reason="",
            citizen_involved=citizen_involved,
            team_id=self.plan.team_id,
        )

    def delegate(self, day: date, defect: str = "") -> str:
        p = self.plan
        self.delegations += 1
        delegation_id = f"{p.case_id}-del{self.delegations}"
        role = self.draw(st.sampled_from(["ssa", "ssh"]))
        task = self.draw(st.sampled_from(DELEGABLE[role]))
        if defect == "DEL-004":
            role, task = self.draw(
                st.sampled_from([("ssh", "G1.39"), ("ssa", "G1.5"), ("ssh", "G1.5")])
            )
        kind = (
            "framework"
            if defect == "DEL-003"
            else self.draw(st.sampled_from(["concrete", "framework"]))
        )
        instruction = (
            None if defect == "DEL-003" or (self.free and self.bad("DEL-003")) else "instr-1"
        )
        delegator = "nurse"
        if defect == "DEL-001" or (not defect and self.free and self.bad("DEL-001")):
            # Not an SSA: whether an SSA may pass a task on is unverified law, allowed by
            # default (DEL-001).
            delegator = self.draw(st.sampled_from(["ssh", "therapist"]))
        verified = not (defect == "DEL-002" or (not defect and self.free and self.bad("DEL-002")))
        due = day + timedelta(days=self.days(7, 30) if defect == "DEL-005" else self.days(14, 90))
        p.add(
            day,
            "NursingTaskDelegated",
            "nurse",
            delegation_id=delegation_id,
            task=task,
            kind=kind,
            delegator_id="nurse-1",
            delegator_role=delegator,
            delegate_id=f"carer-{role}",
            delegate_role=role,
            instruction_ref=instruction,
            competence_verified=verified,
            follow_up_due=due.isoformat(),
            onward_delegation_allowed=False,
        )
        p.subjects[delegation_id] = (day, due, "delegation")
        if defect == "DEL-005":
            p.no_follow_up.add(delegation_id)
            p.min_as_of = max(p.min_as_of, due + timedelta(days=self.days(1, 30)))
        return delegation_id


def draw_case_plan(
    draw: Draw[Any],
    *,
    case_id: str,
    team_id: str,
    start: date,
    compliant: bool,
    violating: frozenset[str],
) -> CasePlan:
    """Draw one case history's plan (see the module docstring for its phases)."""
    plan = CasePlan(case_id=case_id, team_id=team_id)
    r = _Recipe(draw, plan, free=not compliant and not violating, violating=violating)
    v = violating
    nursing = draw(st.booleans()) or any(x == "DOC-007" or x.startswith("DEL") for x in v)
    rehab = draw(st.booleans()) or bool({"DOC-005", "FRM-005"} & v)
    day = start
    r.opening(day, nursing)
    day += timedelta(days=r.days(0, 3))
    r.assessments(day, nursing, rehab)
    if rehab:
        day = r.course(day + timedelta(days=r.days(0, 3)))
    else:
        day += timedelta(days=r.days(0, 5))
    home = r.decide(day, _SEL_83, _HOME)
    if nursing:
        r.decide(day, _SUL_138, _NURSING)
    if draw(st.booleans()):
        plan.add(
            day,
            "VisitationRejected",
            "visitator",
            decision_id=f"{case_id}-r1",
            legal_basis=_SEL_83,
            reasons="Behovet dækkes af hjælpemidler",
            complaint_guidance=True,
        )
    delegations: list[str] = []
    for action in draw(
        st.lists(
            st.sampled_from(["visit", "visit", "adjust", "delegate", "revise"]),
            max_size=_MAX_ACTIVITY,
        )
    ):
        day += timedelta(days=r.days(0, 6))
        if action == "visit":
            r.visit(day)
        elif action == "adjust":
            r.adjust(day, citizen_involved=not r.bad("FRM-002"))
        elif action == "delegate" and nursing and len(delegations) < 3:
            delegations.append(r.delegate(day))
        elif action == "revise" and "DOC-004" not in v and home.revised_from is None:
            # A revision replaces its decision from valid_from: never under a planned visit.
            day = max(day, max((d for d, _ in plan.delivered), default=day) + timedelta(days=1))
            home.revised_from = day
            home = r.decide(day, _SEL_83, _HOME, revises=home.decision_id)
    day += timedelta(days=1)
    _inject(r, day, delegations)
    return _ending(r, plan.last_day + timedelta(days=1), delegations)


def _inject(r: _Recipe, day: date, delegations: list[str]) -> None:
    v = r.violating
    if "FRM-001" in v:
        r.adjust(day, citizen_involved=True, over=True)
    if "FRM-002" in v:
        r.adjust(day, citizen_involved=False)
    if "FRM-003" in v:
        granted = {code for d in r.plan.decisions for code, _, _ in d.frames}
        code = next(c for c in ("H1.12", "H1.11", "H1.10") if c not in granted)
        r.visits += 1
        r.plan.deliver(day, r.visits, _CARERS[0], code, 5)
    if "FRM-006" in v:
        for n in range(7):
            active = [c for d in r.plan.active(day) for c, _, _ in d.frames]
            r.visits += 1
            r.plan.deliver(day + timedelta(days=n), r.visits, f"relief-{n}", active[0], 1)
    for rule in ("DEL-001", "DEL-002", "DEL-003", "DEL-004", "DEL-005"):
        if rule in v:
            delegations.append(r.delegate(day, defect=rule))
    if "DEL-006" in v:
        if not delegations:
            delegations.append(r.delegate(day))
        admitted = r.plan.last_day + timedelta(days=1)
        r.plan.add(admitted, "CitizenAdmitted", "nurse", institution="Regionshospitalet")
        r.plan.min_as_of = max(r.plan.min_as_of, admitted + timedelta(days=r.days(2, 20)))


def _ending(r: _Recipe, day: date, delegations: list[str]) -> CasePlan:
    plan, v = r.plan, r.violating
    if "DEL-006" in v:
        return plan
    admitted = False
    if r.draw(st.booleans()):
        admitted = True
        plan.add(day, "CitizenAdmitted", "nurse", institution="Regionshospitalet")
        for delegation_id in delegations:
            plan.add(day, "DelegationSuspended", "nurse", delegation_id=delegation_id, reason="")
        if r.draw(st.booleans()):
            day += timedelta(days=r.days(1, 10))
            plan.add(day, "CitizenDischarged", "nurse")
            admitted = False
    may_close = not admitted and not {"DOC-004", "DEL-005"} & v
    if may_close and r.draw(st.booleans()):
        day += timedelta(days=r.days(0, 5))
        for delegation_id in delegations:
            plan.add(day, "DelegationRevoked", "nurse", delegation_id=delegation_id, reason="")
        plan.add(day, "CaseClosed", "visitator", reason="")
        plan.closed_on = day
    return plan
