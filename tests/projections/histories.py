"""Hand-made histories of the projection tests and a small local hypothesis strategy.

The worked example (team ``team-nord``, October 2026, 31 days), computed by hand:

========  ==========================================================  =======  ====  =========
citizen   frame                                                        granted  adj.  delivered
========  ==========================================================  =======  ====  =========
case-1    d-1 180/week Oct 1-15 (15 d): 2700/7 = 385.71 -> 386;        935      0     900
          revised by d-2 240/week from Oct 16 (16 d): 3840/7 = 548.57
          -> 549
case-2    d-3 600/month; admitted Oct 10, discharged Oct 20: paused     406      0     400
          Oct 10-19, 21 days count: 12600/31 = 406.45 -> 406
case-3    d-4 70/week until Oct 25, case closed Oct 21: Oct 1-20        200      26    230
          (20 d) = 200; adjustment +14/week from Oct 8: 13 d -> 26
========  ==========================================================  =======  ====  =========

Team: granted 1541, adjusted 26, frame 1567, delivered 1530, variance -37 minutes,
-37 / 1567 × 100 = -2.36120... -> -2.3612 %, inside the 5 % band, incentive 0.00.
Noise that must not count: a visit to case-1 by another team, a rejected application.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from hypothesis import strategies as st

from erantis_domain.events import Event, parse_event
from tests.factories import at, make

TEAM = "team-nord"
PERIOD = "2026-10"


def ev(kind: str, case_id: str | None, day: str | date, **fields: Any) -> Event:
    """An event of ``kind`` on ``day`` for ``case_id`` (``None`` for a team event)."""
    overrides: dict[str, Any] = {"occurred_at": at(day), **fields}
    if case_id is not None:
        overrides["case_id"] = case_id
    return parse_event(make(kind, **overrides))


def grant(
    case_id: str,
    decision_id: str,
    minutes: int,
    per: str,
    valid_from: str,
    valid_until: str | None = None,
    *,
    team: str = TEAM,
    intervention: str = "H1.1",
    revises: str | None = None,
) -> Event:
    """A grant (or, with ``revises``, a revision) of one frame, decided on ``valid_from``."""
    fields: dict[str, Any] = {
        "decision_id": decision_id,
        "frames": [{"intervention": intervention, "minutes": minutes, "per": per}],
        "valid_from": valid_from,
        "valid_until": valid_until,
        "team_id": team,
    }
    if revises is not None:
        return ev("VisitationRevised", case_id, valid_from, revises=revises, **fields)
    return ev("VisitationGranted", case_id, valid_from, **fields)


def visits(
    case_id: str,
    total: int,
    first_day: str,
    *,
    team: str = TEAM,
    tag: str = "",
    intervention: str = "H1.1",
) -> list[Event]:
    """Visits of at most 60 minutes, one a day from ``first_day``, adding up to ``total``."""
    out: list[Event] = []
    day = date.fromisoformat(first_day)
    number = 0
    while total > 0:
        minutes = min(60, total)
        number += 1
        out.append(
            ev(
                "VisitDelivered",
                case_id,
                day,
                visit_id=f"v-{case_id}-{tag}{number}",
                team_id=team,
                intervention=intervention,
                minutes=minutes,
                delivered_on=day.isoformat(),
            )
        )
        total -= minutes
        day += timedelta(days=1)
    return out


def worked_example() -> list[Event]:
    """The team of three citizens described in the module docstring."""
    return [
        ev("CaseOpened", "case-1", "2026-08-20"),
        grant("case-1", "d-1", 180, "week", "2026-09-01"),
        ev("VisitationRejected", "case-1", "2026-09-01", decision_id="d-0"),
        grant("case-1", "d-2", 240, "week", "2026-10-16", revises="d-1"),
        *visits("case-1", 900, "2026-10-01"),
        *visits("case-1", 120, "2026-10-03", team="team-syd", tag="syd"),
        ev("CaseOpened", "case-2", "2026-09-20"),
        grant("case-2", "d-3", 600, "month", "2026-10-01", intervention="H1.2"),
        ev("CitizenAdmitted", "case-2", "2026-10-10"),
        ev("CitizenDischarged", "case-2", "2026-10-20"),
        *visits("case-2", 400, "2026-10-01", intervention="H1.2"),
        ev("CaseOpened", "case-3", "2026-09-10"),
        grant("case-3", "d-4", 70, "week", "2026-09-15", "2026-10-25"),
        ev(
            "TimeAdjustedByTeam",
            "case-3",
            "2026-10-08",
            decision_id="d-4",
            delta_minutes=14,
            citizen_involved=True,
        ),
        *visits("case-3", 230, "2026-10-01"),
        ev("CaseClosed", "case-3", "2026-10-21"),
    ]


def one_citizen_month(frame: int, delivered: int, *, team: str = "team-band") -> list[Event]:
    """One citizen with ``frame`` minutes per month in October 2026, and ``delivered``."""
    return [
        grant("case-9", "d-9", frame, "month", "2026-10-01", team=team),
        *visits("case-9", delivered, "2026-10-01", team=team),
    ]


# --- a small local strategy of case histories ---------------------------------------------------

_TEAMS = ("team-a", "team-b")
_START = date(2026, 9, 1)
_DAYS = 91  # September to November 2026


def _day(offset: int) -> str:
    return (_START + timedelta(days=offset)).isoformat()


@st.composite
def _case_events(draw: st.DrawFn, case_id: str) -> list[dict[str, Any]]:
    offsets = st.integers(0, _DAYS - 1)
    teams = st.sampled_from(_TEAMS)
    decisions: list[str] = []
    delegations: list[str] = []
    out: list[dict[str, Any]] = []
    steps = draw(st.lists(st.integers(0, 9), min_size=1, max_size=14))
    for number, step in enumerate(steps):
        day = draw(offsets)
        common = {"case_id": case_id, "occurred_at": at(_day(day))}
        if step in (0, 1):
            decision_id = f"{case_id}-d{number}"
            until = draw(st.none() | st.integers(day, _DAYS + 30))
            fields = {
                "decision_id": decision_id,
                "frames": [
                    {
                        "intervention": draw(st.sampled_from(("H1.1", "H1.2", "G1.20"))),
                        "minutes": draw(st.integers(0, 900)),
                        "per": draw(st.sampled_from(("week", "month"))),
                    }
                ],
                "valid_from": _day(day),
                "valid_until": None if until is None else _day(until),
                "team_id": draw(teams),
            }
            if step == 1 and decisions:
                out.append(
                    make(
                        "VisitationRevised",
                        revises=draw(st.sampled_from(decisions)),
                        **common,
                        **fields,
                    )
                )
            else:
                out.append(make("VisitationGranted", **common, **fields))
            decisions.append(decision_id)
        elif step in (2, 3, 4):
            out.append(
                make(
                    "VisitDelivered",
                    visit_id=f"{case_id}-v{number}",
                    team_id=draw(teams),
                    minutes=draw(st.integers(0, 240)),
                    delivered_on=_day(draw(offsets)),
                    **common,
                )
            )
        elif step == 5:
            out.append(
                make(
                    "TimeAdjustedByTeam",
                    decision_id=draw(st.sampled_from(decisions or ["unknown"])),
                    delta_minutes=draw(st.integers(-120, 120)),
                    team_id=draw(teams),
                    citizen_involved=draw(st.booleans()),
                    **common,
                )
            )
        elif step == 6:
            kind = draw(st.sampled_from(("CitizenAdmitted", "CitizenDischarged", "CaseClosed")))
            out.append(make(kind, **common))
        elif step == 7:
            delegation_id = f"{case_id}-del{number}"
            out.append(
                make(
                    "NursingTaskDelegated",
                    delegation_id=delegation_id,
                    delegator_id=draw(st.sampled_from(("nurse-1", "nurse-2"))),
                    delegate_id=draw(st.sampled_from(("ssa-1", "ssa-2", "ssh-1"))),
                    follow_up_due=_day(draw(offsets)),
                    **common,
                )
            )
            delegations.append(delegation_id)
        else:
            subject = draw(st.sampled_from(delegations or ["none"]))
            kind = draw(
                st.sampled_from(("DelegationSuspended", "DelegationRevoked", "FollowUpRecorded"))
            )
            if kind == "FollowUpRecorded":
                outcome = draw(st.sampled_from(("E1", "E2", "E3", "E4")))
                out.append(make(kind, subject_id=subject, outcome=outcome, **common))
            else:
                out.append(make(kind, delegation_id=subject, **common))
    return out


@st.composite
def histories(draw: st.DrawFn, max_cases: int = 4) -> list[Event]:
    """Events of 1-``max_cases`` citizens of two teams, September-November 2026, interleaved
    in a drawn order, with deterministic event ids."""
    count = draw(st.integers(1, max_cases))
    per_case = [draw(_case_events(f"case-{n}")) for n in range(count)]
    merged: list[dict[str, Any]] = []
    while any(per_case):
        source = draw(st.sampled_from([c for c in per_case if c]))
        merged.append(source.pop(0))
    for index, data in enumerate(merged):
        data["event_id"] = str(uuid5(NAMESPACE_URL, f"erantis-test/{index}"))
    return [parse_event(data) for data in merged]
