"""A small, fixed sample of events (two citizens of one team) for the demo and examples."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, uuid5
from zoneinfo import ZoneInfo

from erantis_domain.events import Event, parse_events

__all__ = ["sample_events"]

_TZ = ZoneInfo("Europe/Copenhagen")


def sample_events() -> list[Event]:
    """Events of two citizens' cases in team ``team-nord`` during October 2026, with stable
    event ids (the demo is idempotent: running it twice stores nothing new)."""
    raw: list[dict[str, Any]] = []
    counter = 0

    def add(
        case_id: str | None, day: date, kind: str, role: str = "visitator", **fields: Any
    ) -> None:
        nonlocal counter
        counter += 1
        raw.append(
            {
                "type": kind,
                "event_id": str(uuid5(NAMESPACE_URL, f"erantis-sample/{counter}")),
                **({"case_id": case_id} if case_id else {}),
                "occurred_at": datetime(day.year, day.month, day.day, 10, tzinfo=_TZ).isoformat(),
                "recorded_by": {"actor_id": f"{role}-1", "role": role},
                **fields,
            }
        )

    start = date(2026, 10, 1)
    basis = {"act": "SEL", "paragraph": "83", "regime": "SEL-2024"}
    for case_id, minutes in (("case-0001", 180), ("case-0002", 90)):
        add(
            case_id,
            start - timedelta(days=20),
            "CaseOpened",
            team_id="team-nord",
            municipality="0756",
        )
        add(case_id, start - timedelta(days=20), "ReferralReceived", source="hospital", reason="")
        add(
            case_id,
            start - timedelta(days=15),
            "FunctionalAbilityAssessed",
            scores=[{"condition": "J1.1", "score": 2}, {"condition": "J3", "score": 1}],
        )
        add(
            case_id,
            start - timedelta(days=15),
            "RehabilitationPotentialAssessed",
            has_potential=False,
            reasons="",
        )
        add(
            case_id,
            start,
            "VisitationGranted",
            decision_id=f"{case_id}-d1",
            legal_basis=basis,
            frames=[{"intervention": "H1.1", "minutes": minutes, "per": "week"}],
            goals=["Klarer selv morgenhygiejne"],
            valid_from=start.isoformat(),
            valid_until=None,
            follow_up_due=(start + timedelta(days=180)).isoformat(),
            team_id="team-nord",
            reasons="Behov for hjælp til personlig pleje",
            complaint_guidance=True,
        )
        for week in range(4):
            add(
                case_id,
                start + timedelta(days=7 * week + 1),
                "VisitDelivered",
                role="ssh",
                visit_id=f"{case_id}-v{week}",
                team_id="team-nord",
                carer_id=f"carer-{week % 2}",
                carer_role="ssh",
                intervention="H1.1",
                minutes=minutes - 10,
                delivered_on=(start + timedelta(days=7 * week + 1)).isoformat(),
            )
    add(
        "case-0002",
        start + timedelta(days=10),
        "TimeAdjustedByTeam",
        role="team_lead",
        decision_id="case-0002-d1",
        intervention="H1.1",
        delta_minutes=15,
        reason="",
        citizen_involved=False,
        team_id="team-nord",
    )
    return parse_events(raw)
