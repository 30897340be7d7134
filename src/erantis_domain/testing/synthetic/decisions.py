"""The lasting home-help grant (SEL §83), follow-ups and revisions of the lasting decisions,
and the team's own time adjustments."""

from __future__ import annotations

from typing import Any

from erantis_domain.testing.synthetic.life import Frames, Life
from erantis_domain.testing.synthetic.vocabulary import (
    AEL10,
    AEL10_COURSE,
    GOALS,
    HELP,
    HELP_WEIGHTS,
    REASONS,
    SEL83,
)

__all__ = ["Grant", "follow_ups", "lasting_grant", "round5", "spans_of"]

#: A lasting decision: (first day, frames, decision id, follow-up due day, "help" or "nurse").
Grant = tuple[int, Frames, str, int, str]

#: The Elderly Act's first day (ISO), from which its target group's grants cite it.
AEL_FIRST_DAY = "2025-07-01"
#: Share of the Elderly Act's grants that cite SEL §83 all the same (REG-001).
_WRONG_LAW = 0.02
#: Share of lasting help decisions a team adjusts once.
_ADJUSTED = 0.35
#: An adjustment's share of the frame: beyond ``Policy.adjustment_tolerance_pct`` (10 %) with
#: no new decision (FRM-001), else inside it. Kept as floats drawn here, not derived from the
#: policy's percentage, because float arithmetic on it would move every later draw.
_BEYOND, _BEYOND_LOW, _BEYOND_SPREAD, _INSIDE = 0.06, 0.15, 0.15, 0.09


def round5(value: float) -> int:
    """Minutes rounded to whole five minutes, at least five (as visitators write frames)."""
    return max(5, int(value / 5 + 0.5) * 5)


def spans_of(frames: Frames) -> list[tuple[int, str]]:
    """The (minutes, per) of each frame, for the team's ledger."""
    return [(f["minutes"], f["per"]) for f in frames]


def _help_frames(life: Life, weekly: int, band: int) -> Frames:
    draws = life.town.draws
    count = min(len(HELP), draws.between(1, 2) + band)
    chosen: list[str] = []
    while len(chosen) < count:
        code = draws.rng.choices(HELP, HELP_WEIGHTS)[0][0]
        if code not in chosen:
            chosen.append(code)
    weights = [0.5 + draws.rand() for _ in chosen]
    total = sum(weights)
    frames: Frames = [
        {"intervention": c, "minutes": max(20, round5(weekly * w / total)), "per": "week"}
        for c, w in zip(chosen, weights, strict=True)
    ]
    if band >= 1 and draws.chance(0.5):  # cleaning every other week, as a monthly frame
        frames.append(
            {"intervention": "H1.8", "minutes": draws.pick((90, 100, 120)), "per": "month"}
        )
    return frames


def lasting_grant(life: Life, day: int, weekly: int, band: int) -> tuple[Frames, list[Grant]]:
    """The lasting grant of home help from ``day``: its frames, and it as the first lasting
    decision. A few lack goals, reasons or complaint guidance."""
    draws = life.town.draws
    decision = life.next_decision()
    frames = _help_frames(life, weekly, band)
    goals = [] if draws.chance(0.02) else draws.rng.sample(GOALS, draws.between(1, 2))  # DOC-003
    reasons = "" if draws.chance(0.015) else draws.pick(REASONS)  # DOC-002
    follow_up = day + draws.between(60, 200)
    act, course = _law_of_the_grant(life, day, frames)
    basis = (decision, act, frames, goals)
    guidance = not draws.chance(0.015)
    life.grant(day, 10, life.visitator, basis, None, follow_up, reasons, guidance, **course)
    return frames, [(day, frames, decision, follow_up, "help")]


def _law_of_the_grant(life: Life, day: int, frames: Frames) -> tuple[dict[str, Any], Any]:
    """SEL §83 before the Elderly Act and for citizens outside it; from 2025-07-01 a care course
    under ÆL §10 for its target group, its weekly frames pooled (a monthly frame keeps them
    itemised). A few cite SEL §83 although the citizen is under the Act (REG-001)."""
    if life.law != "AEL" or life.town.calendar.iso[day] < AEL_FIRST_DAY:
        return SEL83, {}
    if life.law_rng.random() < _WRONG_LAW:
        return SEL83, {}
    if all(frame["per"] == "week" for frame in frames):
        pooled = sum(frame["minutes"] for frame in frames)
        return AEL10, {"course_frame": {"minutes": pooled, "per": "week"}, **AEL10_COURSE}
    return AEL10, dict(AEL10_COURSE)


def follow_ups(life: Life, lasting: list[Grant], frames: Frames) -> list[tuple[int, Frames]]:
    """Follow up each lasting decision (a few late or never), revise some help decisions, and
    let the team adjust some; the help frames in force from each day (the grant's first)."""
    draws, days = life.town.draws, life.town.calendar.days
    between, chance = draws.between, draws.chance
    in_force: list[tuple[int, Frames]] = [(lasting[0][0], frames)]
    for start_day, dframes, decision, due, kind in lasting:
        problem = chance(0.04)  # DOC-004: missed or late follow-up
        fu_day = due - between(0, 14) if not problem else due + between(5, 30)
        if problem and chance(0.5):
            fu_day = days  # never
        outcome = "E4" if (kind == "help" and chance(0.15)) else draws.pick(("E1", "E1", "E2"))
        life.add(
            fu_day,
            14,
            "FollowUpRecorded",
            life.visitator,
            subject_id=decision,
            outcome=outcome,
            note="",
        )
        if outcome == "E4" and fu_day < days:
            revised = _revise(life, fu_day, decision, dframes)
            if revised[0] < days:
                in_force.append(revised)
                life.spans.append((start_day, revised[0] - 1, spans_of(dframes)))
                life.spans.append((revised[0], days - 1, spans_of(revised[1])))
            else:
                life.spans.append((start_day, days - 1, spans_of(dframes)))
        else:
            life.spans.append((start_day, days - 1, spans_of(dframes)))
        if kind == "help" and chance(_ADJUSTED):
            _adjust(life, decision, dframes, start_day)
    return in_force


def _revise(life: Life, fu_day: int, decision: str, frames: Frames) -> tuple[int, Frames]:
    """A revision after a follow-up that found a changed need; its day and frames."""
    draws, iso = life.town.draws, life.town.calendar.iso
    rev_day = fu_day + draws.between(1, 7)
    revised = life.next_decision()
    rev_due = rev_day + draws.between(90, 200)
    factor = 0.8 + 0.5 * draws.rand()
    new_frames: Frames = [{**f, "minutes": max(5, round5(f["minutes"] * factor))} for f in frames]
    act, course = _law_of_the_grant(life, rev_day, new_frames)
    life.add(
        rev_day,
        10,
        "VisitationRevised",
        life.visitator,
        decision_id=revised,
        revises=decision,
        legal_basis=act,
        frames=new_frames,
        goals=draws.rng.sample(GOALS, draws.between(1, 2)),
        valid_from=iso[rev_day],
        valid_until=None,
        follow_up_due=iso[rev_due],
        team_id=life.team.id,
        reasons="Ændret behov efter opfølgning",
        complaint_guidance=True,
        **course,
    )
    if not draws.chance(0.04):  # DOC-004 when the revision is never followed up
        life.add(
            rev_due - draws.between(0, 14),
            14,
            "FollowUpRecorded",
            life.visitator,
            subject_id=revised,
            outcome="E1",
            note="",
        )
    return rev_day, new_frames


def _adjust(life: Life, decision: str, frames: Frames, start_day: int) -> None:
    """The team moves time on one weekly frame, mostly with the citizen and inside the
    tolerance."""
    draws = life.town.draws
    weekly = [f for f in frames if f["per"] == "week"]
    if not weekly:
        return
    frame = draws.pick(weekly)
    beyond = draws.chance(_BEYOND)  # FRM-001: beyond the tolerance, no revision
    share = _BEYOND_LOW + _BEYOND_SPREAD * draws.rand() if beyond else _INSIDE * draws.rand()
    delta = max(1, int(frame["minutes"] * share)) * (1 if draws.chance(0.6) else -1)
    life.add(
        start_day + draws.between(10, 120),
        15,
        "TimeAdjustedByTeam",
        {"actor_id": f"{life.team.id}-lead", "role": "team_lead"},
        decision_id=decision,
        intervention=frame["intervention"],
        delta_minutes=delta,
        reason="Tid flyttet efter aftale med borgeren",
        citizen_involved=not draws.chance(0.1),  # FRM-002
        team_id=life.team.id,
    )
