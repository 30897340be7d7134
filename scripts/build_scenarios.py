"""Write the rule scenarios under ``specs/scenarios/<RULE-ID>/*.yaml``.

Each scenario is data: given events (JSON, exactly as the event contract), ``as_of``, optional
policy overrides, and the exact expected findings (rule id, subject, evidence). This script is
how they were authored; the files are the spec, and ``tests/test_scenarios.py`` runs every file
on both evaluators. Re-run after changing a scenario here:
``uv run python scripts/build_scenarios.py``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "specs" / "scenarios"
CASE = "case-s1"
TEAM = "team-a"
D0 = date(2026, 9, 1)
SEL83 = {"act": "SEL", "paragraph": "83", "regime": "SEL-2024"}
SUL138 = {"act": "SUL", "paragraph": "138", "regime": "SUL-2024"}


@dataclass
class Story:
    """A case under construction: events with readable labels for their ids."""

    events: list[dict[str, Any]] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)
    issued: int = 0

    def add(
        self, label: str, event_type: str, day: date, role: str = "visitator", **fields: Any
    ) -> str:
        self.issued += 1
        event_id = f"00000000-0000-4000-8000-{self.issued:012d}"
        self.ids[label] = event_id
        body: dict[str, Any] = {"type": event_type, "event_id": event_id}
        if event_type not in ("DialogueMeetingHeld", "PeriodSettled"):
            body["case_id"] = fields.pop("case_id", CASE)
        body["occurred_at"] = f"{day.isoformat()}T09:00:00+02:00"
        body["recorded_by"] = {"actor_id": f"{role}-1", "role": role}
        body.update(fields)
        self.events.append(body)
        return event_id

    def drop(self, label: str) -> None:
        event_id = self.ids.pop(label)
        self.events = [e for e in self.events if e["event_id"] != event_id]

    def edit(self, label: str, **fields: Any) -> None:
        for event in self.events:
            if event["event_id"] == self.ids[label]:
                event.update(fields)


def grant(
    s: Story, label: str, day: date, *, decision: str = "d1", minutes: int = 120, **over: Any
) -> str:
    fields: dict[str, Any] = {
        "decision_id": decision,
        "legal_basis": SEL83,
        "frames": [{"intervention": "H1.1", "minutes": minutes, "per": "week"}],
        "goals": ["Klarer selv morgenhygiejne"],
        "valid_from": day.isoformat(),
        "valid_until": None,
        "follow_up_due": (day + timedelta(days=180)).isoformat(),
        "team_id": TEAM,
        "reasons": "Behov for hjælp til personlig pleje",
        "complaint_guidance": True,
    }
    fields.update(over)
    return s.add(label, "VisitationGranted", day, **fields)


def visit(
    s: Story,
    label: str,
    day: date,
    *,
    carer: str = "carer-1",
    minutes: int = 60,
    code: str = "H1.1",
) -> str:
    return s.add(
        label,
        "VisitDelivered",
        day,
        role="ssh",
        visit_id=label,
        team_id=TEAM,
        carer_id=carer,
        carer_role="ssh",
        intervention=code,
        minutes=minutes,
        delivered_on=day.isoformat(),
    )


def clean() -> Story:
    """A well-documented case: assessed, granted with goals, reasons and guidance, visited."""
    s = Story()
    s.add("opened", "CaseOpened", D0 - timedelta(days=10), team_id=TEAM, municipality="0756")
    s.add(
        "referral",
        "ReferralReceived",
        D0 - timedelta(days=10),
        source="hospital",
        reason="Udskrevet",
    )
    s.add(
        "fa",
        "FunctionalAbilityAssessed",
        D0 - timedelta(days=5),
        scores=[{"condition": "J1.1", "score": 2}],
    )
    s.add(
        "health",
        "HealthConditionAssessed",
        D0 - timedelta(days=5),
        role="nurse",
        conditions=[{"condition": "I4.4", "has_problem": False}],
    )
    s.add(
        "potential",
        "RehabilitationPotentialAssessed",
        D0 - timedelta(days=4),
        has_potential=False,
        reasons="Stabil",
    )
    grant(s, "grant", D0)
    for week in range(4):
        visit(s, f"visit-{week}", D0 + timedelta(days=7 * week + 1))
    return s


def delegation(s: Story, label: str, day: date, **over: Any) -> str:
    fields: dict[str, Any] = {
        "delegation_id": "del-1",
        "task": "G1.20",
        "kind": "concrete",
        "delegator_id": "nurse-7",
        "delegator_role": "nurse",
        "delegate_id": "ssa-3",
        "delegate_role": "ssa",
        "instruction_ref": None,
        "competence_verified": True,
        "follow_up_due": (day + timedelta(days=60)).isoformat(),
        "onward_delegation_allowed": False,
    }
    fields.update(over)
    return s.add(label, "NursingTaskDelegated", day, role="nurse", **fields)


def adjust(s: Story, label: str, day: date, delta: int, *, citizen: bool = True) -> str:
    return s.add(
        label,
        "TimeAdjustedByTeam",
        day,
        role="team_lead",
        decision_id="d1",
        intervention="H1.1",
        delta_minutes=delta,
        reason="Aftalt med borgeren",
        citizen_involved=citizen,
        team_id=TEAM,
    )


AS_OF = date(2026, 10, 15)
Scenario = tuple[str, str, Story, date, dict[str, Any], list[tuple[str, str, list[str]]]]
SCENARIOS: list[Scenario] = []


def scenario(
    rule: str, name: str, description: str
) -> Callable[[Callable[[], tuple[Any, ...]]], None]:
    def register(build: Callable[[], tuple[Any, ...]]) -> None:
        story, as_of, policy, expect = build()
        SCENARIOS.append((rule, name, story, as_of, policy, expect))
        DESCRIPTIONS[(rule, name)] = description

    return register


DESCRIPTIONS: dict[tuple[str, str], str] = {}


# --- a clean case --------------------------------------------------------------------------------


@scenario("CLEAN", "well-documented-case", "A well-documented case gives no findings at all.")
def _clean() -> tuple[Any, ...]:
    return clean(), AS_OF, {}, []


# --- DOC -----------------------------------------------------------------------------------------


@scenario(
    "DOC-001",
    "fail-no-potential-assessment",
    "A lasting §83 grant with no earlier assessment of rehabilitation potential.",
)
def _doc001_fail() -> tuple[Any, ...]:
    s = clean()
    s.drop("potential")
    return s, AS_OF, {}, [("DOC-001", CASE, [s.ids["grant"]])]


@scenario(
    "DOC-001", "pass-potential-assessed-first", "The potential was assessed before the grant."
)
def _doc001_pass() -> tuple[Any, ...]:
    return clean(), AS_OF, {}, []


@scenario(
    "DOC-001",
    "fail-assessed-only-after",
    "The potential was assessed only after the grant: not earlier.",
)
def _doc001_late() -> tuple[Any, ...]:
    s = clean()
    s.drop("potential")
    s.add(
        "potential",
        "RehabilitationPotentialAssessed",
        D0 + timedelta(days=3),
        has_potential=False,
        reasons="",
    )
    return s, AS_OF, {}, [("DOC-001", CASE, [s.ids["grant"]])]


@scenario("DOC-002", "fail-no-reasons", "A grant without reasons.")
def _doc002_fail() -> tuple[Any, ...]:
    s = clean()
    s.edit("grant", reasons="  ")
    return s, AS_OF, {}, [("DOC-002", CASE, [s.ids["grant"]])]


@scenario("DOC-002", "fail-rejection-without-guidance", "A rejection without complaint guidance.")
def _doc002_reject() -> tuple[Any, ...]:
    s = clean()
    s.add(
        "reject",
        "VisitationRejected",
        D0 + timedelta(days=20),
        decision_id="d2",
        legal_basis=SEL83,
        reasons="Behovet er dækket",
        complaint_guidance=False,
    )
    return s, AS_OF, {}, [("DOC-002", CASE, [s.ids["reject"]])]


@scenario(
    "DOC-002",
    "pass-reasons-and-guidance",
    "Grant and rejection both give reasons and complaint guidance.",
)
def _doc002_pass() -> tuple[Any, ...]:
    s = clean()
    s.add(
        "reject",
        "VisitationRejected",
        D0 + timedelta(days=20),
        decision_id="d2",
        legal_basis=SEL83,
        reasons="Behovet er dækket",
        complaint_guidance=True,
    )
    return s, AS_OF, {}, []


@scenario("DOC-003", "fail-no-goals", "A grant without individual goals.")
def _doc003_fail() -> tuple[Any, ...]:
    s = clean()
    s.edit("grant", goals=[])
    return s, AS_OF, {}, [("DOC-003", CASE, [s.ids["grant"]])]


@scenario("DOC-003", "pass-goals", "A grant with goals.")
def _doc003_pass() -> tuple[Any, ...]:
    return clean(), AS_OF, {}, []


def _followup_story() -> Story:
    s = clean()
    s.edit("grant", follow_up_due=(D0 + timedelta(days=30)).isoformat())
    return s


@scenario("DOC-004", "fail-follow-up-overdue", "As of a day after follow_up_due with no follow-up.")
def _doc004_fail() -> tuple[Any, ...]:
    s = _followup_story()
    return s, D0 + timedelta(days=31), {}, [("DOC-004", CASE, [s.ids["grant"]])]


@scenario("DOC-004", "pass-boundary-on-due-day", "As of the due day itself: not yet overdue.")
def _doc004_boundary() -> tuple[Any, ...]:
    return _followup_story(), D0 + timedelta(days=30), {}, []


@scenario("DOC-004", "pass-followed-up", "A follow-up (E1) recorded before the due day.")
def _doc004_pass() -> tuple[Any, ...]:
    s = _followup_story()
    s.add("fu", "FollowUpRecorded", D0 + timedelta(days=28), subject_id="d1", outcome="E1", note="")
    return s, D0 + timedelta(days=40), {}, []


@scenario(
    "DOC-004",
    "fail-policy-maximum-earlier",
    "follow_up_due is far off, but the policy maximum (20 days here) has passed.",
)
def _doc004_policy() -> tuple[Any, ...]:
    s = clean()
    return (
        s,
        D0 + timedelta(days=21),
        {"case_follow_up_max_days": 20},
        [("DOC-004", CASE, [s.ids["grant"]])],
    )


@scenario(
    "DOC-004",
    "fail-closed-after-due",
    "The case closed two days after the follow-up was due, without it.",
)
def _doc004_closed_late() -> tuple[Any, ...]:
    s = _followup_story()
    s.add("closed", "CaseClosed", D0 + timedelta(days=32), reason="Flyttet")
    return s, D0 + timedelta(days=40), {}, [("DOC-004", CASE, [s.ids["grant"]])]


@scenario("DOC-004", "pass-closed-before-due", "The case closed before the follow-up was due.")
def _doc004_closed_early() -> tuple[Any, ...]:
    s = _followup_story()
    s.add("closed", "CaseClosed", D0 + timedelta(days=29), reason="Flyttet")
    return s, D0 + timedelta(days=40), {}, []


def _rehab_story(end_day: date) -> Story:
    s = clean()
    s.drop("grant")
    for label in [k for k in s.ids if k.startswith("visit-")]:
        s.drop(label)
    s.add(
        "course-start",
        "RehabilitationCourseStarted",
        D0,
        role="therapist",
        course_id="c1",
        goals=["Går selv til bad"],
        planned_weeks=8,
        legal_basis={"act": "SEL", "paragraph": "83a", "regime": "SEL-2024"},
    )
    s.add(
        "course-end",
        "RehabilitationCourseEnded",
        end_day,
        role="therapist",
        course_id="c1",
        outcome="Delvist mål",
    )
    return s


@scenario(
    "DOC-005", "fail-no-decision-after-course", "The course ended; 15 days later still no decision."
)
def _doc005_fail() -> tuple[Any, ...]:
    end = D0 + timedelta(days=50)
    s = _rehab_story(end)
    return (
        s,
        end + timedelta(days=15),
        {},
        [("DOC-005", CASE, [s.ids["course-start"], s.ids["course-end"]])],
    )


@scenario("DOC-005", "pass-boundary-day-14", "As of 14 days after the end: still in time.")
def _doc005_boundary() -> tuple[Any, ...]:
    end = D0 + timedelta(days=50)
    return _rehab_story(end), end + timedelta(days=14), {}, []


@scenario(
    "DOC-005", "pass-decision-on-day-14", "A decision exactly 14 days after the course ended."
)
def _doc005_pass() -> tuple[Any, ...]:
    end = D0 + timedelta(days=50)
    s = _rehab_story(end)
    grant(s, "grant", end + timedelta(days=14))
    return s, end + timedelta(days=20), {}, []


@scenario(
    "DOC-005", "fail-decision-on-day-15", "A decision one day too late still leaves the finding."
)
def _doc005_late() -> tuple[Any, ...]:
    end = D0 + timedelta(days=50)
    s = _rehab_story(end)
    grant(s, "grant", end + timedelta(days=15))
    return (
        s,
        end + timedelta(days=20),
        {},
        [("DOC-005", CASE, [s.ids["course-start"], s.ids["course-end"]])],
    )


@scenario("DOC-006", "fail-no-assessment", "A grant with no functional-ability assessment.")
def _doc006_fail() -> tuple[Any, ...]:
    s = clean()
    s.drop("fa")
    return s, AS_OF, {}, [("DOC-006", CASE, [s.ids["grant"]])]


@scenario(
    "DOC-006", "pass-boundary-365-days", "The assessment is exactly 365 days old at the grant."
)
def _doc006_boundary() -> tuple[Any, ...]:
    s = clean()
    s.drop("fa")
    s.add(
        "fa",
        "FunctionalAbilityAssessed",
        D0 - timedelta(days=365),
        scores=[{"condition": "J1", "score": 1}],
    )
    return s, AS_OF, {}, []


@scenario("DOC-006", "fail-366-days-old", "The assessment is 366 days old at the grant.")
def _doc006_old() -> tuple[Any, ...]:
    s = clean()
    s.drop("fa")
    s.add(
        "fa",
        "FunctionalAbilityAssessed",
        D0 - timedelta(days=366),
        scores=[{"condition": "J1", "score": 1}],
    )
    return s, AS_OF, {}, [("DOC-006", CASE, [s.ids["grant"]])]


def _nursing(s: Story) -> str:
    return grant(
        s,
        "nursing",
        D0 + timedelta(days=2),
        decision="d-n",
        legal_basis=SUL138,
        frames=[{"intervention": "G1.20", "minutes": 30, "per": "week"}],
    )


@scenario(
    "DOC-007",
    "fail-nursing-without-health-assessment",
    "A §138 nursing grant with no health assessment.",
)
def _doc007_fail() -> tuple[Any, ...]:
    s = clean()
    s.drop("health")
    _nursing(s)
    return s, AS_OF, {}, [("DOC-007", CASE, [s.ids["nursing"]])]


@scenario("DOC-007", "pass-health-assessed", "A §138 nursing grant after a health assessment.")
def _doc007_pass() -> tuple[Any, ...]:
    s = clean()
    _nursing(s)
    return s, AS_OF, {}, []


# --- DEL -----------------------------------------------------------------------------------------


@scenario("DEL-001", "fail-delegated-by-ssh", "An SSH delegated a nursing task.")
def _del001_fail() -> tuple[Any, ...]:
    s = clean()
    delegation(
        s, "del", D0 + timedelta(days=3), delegator_role="ssh", delegate_role="ssh", task="G1.19"
    )
    return s, AS_OF, {}, [("DEL-001", CASE, [s.ids["del"]])]


@scenario(
    "DEL-001", "pass-delegated-by-nurse", "A nurse delegated medicine administration to an SSA."
)
def _del001_pass() -> tuple[Any, ...]:
    s = clean()
    delegation(s, "del", D0 + timedelta(days=3))
    return s, AS_OF, {}, []


@scenario("DEL-002", "fail-competence-not-verified", "The delegate's competence was not verified.")
def _del002_fail() -> tuple[Any, ...]:
    s = clean()
    delegation(s, "del", D0 + timedelta(days=3), competence_verified=False)
    return s, AS_OF, {}, [("DEL-002", CASE, [s.ids["del"]])]


@scenario("DEL-002", "pass-competence-verified", "Competence verified.")
def _del002_pass() -> tuple[Any, ...]:
    s = clean()
    delegation(s, "del", D0 + timedelta(days=3))
    return s, AS_OF, {}, []


@scenario(
    "DEL-003",
    "fail-framework-without-instruction",
    "A framework delegation without a written instruction.",
)
def _del003_fail() -> tuple[Any, ...]:
    s = clean()
    delegation(s, "del", D0 + timedelta(days=3), kind="framework", instruction_ref=None)
    return s, AS_OF, {}, [("DEL-003", CASE, [s.ids["del"]])]


@scenario(
    "DEL-003", "pass-framework-with-instruction", "A framework delegation with its instruction."
)
def _del003_pass() -> tuple[Any, ...]:
    s = clean()
    delegation(s, "del", D0 + timedelta(days=3), kind="framework", instruction_ref="INSTR-2026-014")
    return s, AS_OF, {}, []


@scenario(
    "DEL-004",
    "fail-wound-care-to-ssh",
    "Wound care (G1.39) delegated to an SSH: not on the SSH list.",
)
def _del004_fail() -> tuple[Any, ...]:
    s = clean()
    delegation(s, "del", D0 + timedelta(days=3), task="G1.39", delegate_role="ssh")
    return s, AS_OF, {}, [("DEL-004", CASE, [s.ids["del"]])]


@scenario("DEL-004", "pass-wound-care-to-ssa", "Wound care (G1.39) delegated to an SSA.")
def _del004_pass() -> tuple[Any, ...]:
    s = clean()
    delegation(s, "del", D0 + timedelta(days=3), task="G1.39", delegate_role="ssa")
    return s, AS_OF, {}, []


@scenario(
    "DEL-004", "pass-policy-allows-ssh", "A municipality whose policy lets SSH take wound care."
)
def _del004_policy() -> tuple[Any, ...]:
    s = clean()
    delegation(s, "del", D0 + timedelta(days=3), task="G1.39", delegate_role="ssh")
    policy = {
        "delegable_tasks_by_role": {
            "ssa": ["G1.20", "G1.19", "G1.39"],
            "ssh": ["G1.19", "G1.20", "G1.39"],
        }
    }
    return s, AS_OF, policy, []


def _del_fu_story() -> Story:
    s = clean()
    delegation(
        s, "del", D0 + timedelta(days=3), follow_up_due=(D0 + timedelta(days=33)).isoformat()
    )
    return s


@scenario(
    "DEL-005",
    "fail-follow-up-overdue",
    "One day past the delegation's follow_up_due without follow-up.",
)
def _del005_fail() -> tuple[Any, ...]:
    s = _del_fu_story()
    return s, D0 + timedelta(days=34), {}, [("DEL-005", CASE, [s.ids["del"]])]


@scenario("DEL-005", "pass-boundary-due-day", "As of the due day: not yet overdue.")
def _del005_boundary() -> tuple[Any, ...]:
    return _del_fu_story(), D0 + timedelta(days=33), {}, []


@scenario("DEL-005", "pass-followed-up", "The delegation was followed up (E1).")
def _del005_pass() -> tuple[Any, ...]:
    s = _del_fu_story()
    s.add(
        "fu",
        "FollowUpRecorded",
        D0 + timedelta(days=30),
        role="nurse",
        subject_id="del-1",
        outcome="E1",
        note="",
    )
    return s, D0 + timedelta(days=40), {}, []


def _admission_story(suspend_after: int | None) -> Story:
    s = clean()
    delegation(s, "del", D0 + timedelta(days=3))
    s.add(
        "admit", "CitizenAdmitted", D0 + timedelta(days=10), institution="Regionshospitalet Herning"
    )
    if suspend_after is not None:
        s.add(
            "suspend",
            "DelegationSuspended",
            D0 + timedelta(days=10 + suspend_after),
            role="nurse",
            delegation_id="del-1",
            reason="Indlagt",
        )
    return s


@scenario(
    "DEL-006", "fail-not-suspended", "Admitted, and the delegation is still active two days later."
)
def _del006_fail() -> tuple[Any, ...]:
    s = _admission_story(None)
    return s, D0 + timedelta(days=12), {}, [("DEL-006", CASE, [s.ids["admit"], s.ids["del"]])]


@scenario(
    "DEL-006", "pass-suspended-within-a-day", "Suspended the day after admission (the boundary)."
)
def _del006_pass() -> tuple[Any, ...]:
    return _admission_story(1), D0 + timedelta(days=20), {}, []


@scenario(
    "DEL-006", "fail-suspended-two-days-late", "Suspended two days after admission: too late."
)
def _del006_late() -> tuple[Any, ...]:
    s = _admission_story(2)
    return s, D0 + timedelta(days=20), {}, [("DEL-006", CASE, [s.ids["admit"], s.ids["del"]])]


@scenario(
    "DEL-006",
    "fail-re-delegated-after-an-earlier-stay",
    "Suspended in a first stay, delegated again, not suspended in a second stay.",
)
def _del006_again() -> tuple[Any, ...]:
    s = _admission_story(0)
    s.add("home", "CitizenDischarged", D0 + timedelta(days=14))
    delegation(s, "again", D0 + timedelta(days=15))
    s.add("admit-2", "CitizenAdmitted", D0 + timedelta(days=20), institution="Herning")
    return s, D0 + timedelta(days=23), {}, [("DEL-006", CASE, [s.ids["admit-2"], s.ids["again"]])]


@scenario(
    "DEL-006",
    "pass-policy-does-not-suspend",
    "The municipality's policy does not suspend on admission.",
)
def _del006_policy() -> tuple[Any, ...]:
    return _admission_story(None), D0 + timedelta(days=12), {"suspend_on_admission": False}, []


# --- FRM -----------------------------------------------------------------------------------------


@scenario(
    "FRM-001",
    "pass-boundary-exactly-10-pct",
    "Adjustments of +12 minutes on a 120-minute frame: exactly 10 %.",
)
def _frm001_boundary() -> tuple[Any, ...]:
    s = clean()
    adjust(s, "adj-1", D0 + timedelta(days=5), 7)
    adjust(s, "adj-2", D0 + timedelta(days=9), 5)
    return s, AS_OF, {}, []


@scenario(
    "FRM-001",
    "fail-one-minute-over",
    "Adjustments of +13 minutes on a 120-minute frame: over 10 %.",
)
def _frm001_fail() -> tuple[Any, ...]:
    s = clean()
    adjust(s, "adj-1", D0 + timedelta(days=5), 7)
    adjust(s, "adj-2", D0 + timedelta(days=9), 6)
    return s, AS_OF, {}, [("FRM-001", CASE, [s.ids["adj-1"], s.ids["adj-2"]])]


@scenario(
    "FRM-001", "fail-reduction-beyond-tolerance", "A reduction of 13 minutes is beyond -10 % too."
)
def _frm001_negative() -> tuple[Any, ...]:
    s = clean()
    adjust(s, "adj-1", D0 + timedelta(days=5), -13)
    return s, AS_OF, {}, [("FRM-001", CASE, [s.ids["adj-1"]])]


@scenario("FRM-001", "pass-revised-decision", "Beyond tolerance, but the decision was revised.")
def _frm001_pass() -> tuple[Any, ...]:
    s = clean()
    adjust(s, "adj-1", D0 + timedelta(days=5), 30)
    s.add(
        "revision",
        "VisitationRevised",
        D0 + timedelta(days=12),
        decision_id="d2",
        revises="d1",
        legal_basis=SEL83,
        frames=[{"intervention": "H1.1", "minutes": 150, "per": "week"}],
        goals=["Klarer selv morgenhygiejne"],
        valid_from=(D0 + timedelta(days=12)).isoformat(),
        valid_until=None,
        follow_up_due=(D0 + timedelta(days=180)).isoformat(),
        team_id=TEAM,
        reasons="Øget behov",
        complaint_guidance=True,
    )
    return s, AS_OF, {}, []


@scenario("FRM-002", "fail-citizen-not-involved", "A small adjustment made without the citizen.")
def _frm002_fail() -> tuple[Any, ...]:
    s = clean()
    adjust(s, "adj-1", D0 + timedelta(days=5), 5, citizen=False)
    return s, AS_OF, {}, [("FRM-002", CASE, [s.ids["adj-1"]])]


@scenario("FRM-002", "pass-citizen-involved", "The same adjustment made with the citizen.")
def _frm002_pass() -> tuple[Any, ...]:
    s = clean()
    adjust(s, "adj-1", D0 + timedelta(days=5), 5)
    return s, AS_OF, {}, []


@scenario(
    "FRM-003",
    "fail-visit-before-grant",
    "The grant is valid from 2 September; a visit on 1 September.",
)
def _frm003_fail() -> tuple[Any, ...]:
    s = clean()
    s.edit("grant", valid_from=(D0 + timedelta(days=2)).isoformat())
    return s, AS_OF, {}, [("FRM-003", CASE, [s.ids["visit-0"]])]


@scenario(
    "FRM-003",
    "fail-intervention-not-granted",
    "A visit for practical help (H1.8) when only personal care is granted.",
)
def _frm003_code() -> tuple[Any, ...]:
    s = clean()
    visit(s, "cleaning", D0 + timedelta(days=3), code="H1.8")
    return s, AS_OF, {}, [("FRM-003", CASE, [s.ids["cleaning"]])]


@scenario("FRM-003", "pass-covered-visits", "Every visit is covered by the grant.")
def _frm003_pass() -> tuple[Any, ...]:
    return clean(), AS_OF, {}, []


def _team_month(
    delivered_minutes: int, *, meeting: date | None = None, settle: bool = True
) -> Story:
    """A case whose September frame is 700 minutes/month, with given deliveries."""
    s = clean()
    for label in [k for k in s.ids if k.startswith("visit-")]:
        s.drop(label)
    s.edit("grant", frames=[{"intervention": "H1.1", "minutes": 700, "per": "month"}])
    day = D0 + timedelta(days=1)
    remaining = delivered_minutes
    n = 0
    while remaining > 0:
        chunk = min(remaining, 600)
        visit(s, f"visit-{n}", day + timedelta(days=n % 20), minutes=chunk, carer=f"carer-{n % 3}")
        remaining -= chunk
        n += 1
    if meeting:
        s.add(
            "meeting",
            "DialogueMeetingHeld",
            meeting,
            role="team_lead",
            team_id=TEAM,
            period="2026-09",
            held_on=meeting.isoformat(),
            participants=["visitator", "team_lead"],
            agreements=["Gennemgang af forbrug"],
        )
    if settle:
        s.add(
            "settled",
            "PeriodSettled",
            date(2026, 10, 5),
            role="system",
            team_id=TEAM,
            period="2026-09",
            granted_minutes=700,
            delivered_minutes=delivered_minutes,
            variance_pct="0",
            band="inside",
            incentive_amount="0.00",
        )
    return s


FRM004_AS_OF = date(2026, 11, 1)


@scenario(
    "FRM-004",
    "pass-team-adjustment-raised-the-frame",
    "800 minutes delivered on a 700 frame the team raised by 100 with the citizen: the "
    "settlement's frame is 800, inside the band.",
)
def _frm004_adjusted() -> tuple[Any, ...]:
    s = _team_month(800)
    s.add(
        "adj",
        "TimeAdjustedByTeam",
        D0,
        role="team_lead",
        decision_id="d1",
        intervention="H1.1",
        delta_minutes=100,
        reason="Aftalt med borgeren",
        citizen_involved=True,
        team_id=TEAM,
    )
    return s, FRM004_AS_OF, {"adjustment_tolerance_pct": 15}, []


@scenario(
    "FRM-004", "pass-boundary-exactly-5-pct-over", "735 minutes on a 700 frame: exactly the band."
)
def _frm004_boundary() -> tuple[Any, ...]:
    return _team_month(735), FRM004_AS_OF, {}, []


@scenario(
    "FRM-004",
    "fail-one-minute-over-band",
    "736 minutes on a 700 frame, no dialogue meeting within 30 days.",
)
def _frm004_fail() -> tuple[Any, ...]:
    return _team_month(736), FRM004_AS_OF, {}, [("FRM-004", f"{TEAM}/2026-09", [])]


@scenario(
    "FRM-004",
    "pass-meeting-held",
    "Overspent, and a dialogue meeting was held on day 30 after the period.",
)
def _frm004_pass() -> tuple[Any, ...]:
    return _team_month(800, meeting=date(2026, 10, 30)), FRM004_AS_OF, {}, []


@scenario(
    "FRM-004",
    "pass-still-in-time",
    "Overspent; as of 30 days after the period a meeting can still be held.",
)
def _frm004_waiting() -> tuple[Any, ...]:
    return _team_month(800), date(2026, 10, 30), {}, []


def _course(weeks_days: int, ended: bool) -> Story:
    s = clean()
    # The course ends five days before the grant, so the grant follows it in time (DOC-005).
    start = D0 - timedelta(days=(weeks_days or 100) + 5)
    s.add(
        "course-start",
        "RehabilitationCourseStarted",
        start,
        role="therapist",
        course_id="c1",
        goals=["Går selv"],
        planned_weeks=12,
        legal_basis={"act": "SEL", "paragraph": "83a", "regime": "SEL-2024"},
    )
    if ended:
        s.add(
            "course-end",
            "RehabilitationCourseEnded",
            start + timedelta(days=weeks_days),
            role="therapist",
            course_id="c1",
            outcome="Mål nået",
        )
    return s


@scenario("FRM-005", "pass-boundary-12-weeks", "A course of exactly 84 days.")
def _frm005_boundary() -> tuple[Any, ...]:
    return _course(84, True), AS_OF, {}, []


@scenario("FRM-005", "fail-85-days", "A course that ended after 85 days.")
def _frm005_fail() -> tuple[Any, ...]:
    s = _course(85, True)
    return s, AS_OF, {}, [("FRM-005", CASE, [s.ids["course-start"], s.ids["course-end"]])]


@scenario("FRM-005", "fail-still-running", "A course still running long after 12 weeks.")
def _frm005_open() -> tuple[Any, ...]:
    s = _course(0, False)
    return s, AS_OF, {}, [("FRM-005", CASE, [s.ids["course-start"]])]


def _carers(n: int, spread_days: int) -> Story:
    s = clean()
    for label in [k for k in s.ids if k.startswith("visit-")]:
        s.drop(label)
    for i in range(n):
        visit(
            s,
            f"visit-{i}",
            D0 + timedelta(days=2 + (i * spread_days) // max(n - 1, 1)),
            carer=f"carer-{i}",
        )
    return s


@scenario("FRM-006", "pass-boundary-six-carers", "Six different carers within 14 days.")
def _frm006_boundary() -> tuple[Any, ...]:
    return _carers(6, 13), AS_OF, {}, []


@scenario("FRM-006", "fail-seven-carers", "Seven different carers within 14 days.")
def _frm006_fail() -> tuple[Any, ...]:
    s = _carers(7, 13)
    return s, AS_OF, {}, [("FRM-006", CASE, [s.ids[f"visit-{i}"] for i in range(7)])]


@scenario(
    "FRM-006",
    "pass-seven-carers-spread-out",
    "Seven carers, but never more than six within 14 days.",
)
def _frm006_spread() -> tuple[Any, ...]:
    return _carers(7, 14), AS_OF, {}, []


@scenario("FRM-007", "fail-not-settled", "September ended; 31 days later it is not settled.")
def _frm007_fail() -> tuple[Any, ...]:
    return (
        _team_month(600, settle=False),
        date(2026, 10, 31),
        {},
        [("FRM-007", f"{TEAM}/2026-09", [])],
    )


@scenario("FRM-007", "pass-boundary-day-30", "30 days after the period ended: still in time.")
def _frm007_boundary() -> tuple[Any, ...]:
    return _team_month(600, settle=False), date(2026, 10, 30), {}, []


@scenario("FRM-007", "pass-settled", "The period was settled.")
def _frm007_pass() -> tuple[Any, ...]:
    return _team_month(600), date(2026, 10, 31), {}, []


def write() -> int:
    if TARGET.exists():
        shutil.rmtree(TARGET)
    for rule, name, story, as_of, policy, expect in SCENARIOS:
        folder = TARGET / rule
        folder.mkdir(parents=True, exist_ok=True)
        document: dict[str, Any] = {
            "description": DESCRIPTIONS[(rule, name)],
            "as_of": as_of.isoformat(),
        }
        if policy:
            document["policy"] = policy
        document["given"] = story.events
        document["expect"] = [{"rule_id": r, "subject": s, "evidence": e} for r, s, e in expect]
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return len(SCENARIOS)


if __name__ == "__main__":
    print(f"wrote {write()} scenarios to {TARGET.relative_to(ROOT)}")
