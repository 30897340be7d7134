"""One citizen's life: referral, assessments, a rehabilitation course, the lasting decisions,
closing and hospital admissions, then the visits.

Every draw happens in a fixed order (the seed's promise), so the steps below run in sequence.
"""

from __future__ import annotations

from typing import Any

from erantis_domain.testing.synthetic.decisions import (
    AEL_FIRST_DAY,
    follow_ups,
    lasting_grant,
    round5,
    spans_of,
)
from erantis_domain.testing.synthetic.delegations import admission, nursing_grant
from erantis_domain.testing.synthetic.draws import Draws
from erantis_domain.testing.synthetic.life import Life
from erantis_domain.testing.synthetic.municipality import Municipality
from erantis_domain.testing.synthetic.team import Team
from erantis_domain.testing.synthetic.thresholds import thresholds
from erantis_domain.testing.synthetic.visits import deliver, plan, service_segments
from erantis_domain.testing.synthetic.vocabulary import (
    AEL10,
    AEL10_COURSE,
    BANDS,
    FUNCTIONAL,
    GOALS,
    HEALTH,
    MUNICIPALITY,
    REFERRAL_REASONS,
    REHAB,
    SEL83,
    SEL83A,
    SOURCES,
)

__all__ = ["citizen_events"]

#: Share of cases opened during the window (the others are open when it starts).
_NEW = 0.15
#: Share of citizens with home nursing (SUL §138) besides home help.
_NURSING = 0.53
#: Share of citizens with rehabilitation potential: many new ones, few in the stock.
_POTENTIAL_NEW, _POTENTIAL_STOCK = 0.45, 0.08
#: Share of citizens who regain their function in a rehabilitation course.
_REGAINED = 0.25
#: Share of cases closed (moved, died, declined) some time after the grant.
_CLOSED = 0.07
#: Days from a course's end to a timely decision: well inside ``reassess_after_rehab_days``.
_PROMPT = (1, 10)
#: Share of the Elderly Act's target group below pension age, with an equivalent need (ÆL §2
#: stk. 2).
_BELOW_PENSION_AGE = 0.05
#: The shortest course planned, in weeks.
_SHORTEST_COURSE = 6


def citizen_events(town: Municipality, index: int, team: Team) -> list[dict[str, Any]]:
    """The events of citizen ``index`` of ``team``, sorted by ``occurred_at``."""
    draws = town.draws
    life = Life(town, team, index)
    between, chance = draws.between, draws.chance
    stock = not chance(_NEW)
    open_day = between(0, 6) if stock else between(0, max(0, town.calendar.days - 30))
    life.add(open_day, 4, "CaseOpened", life.visitator, team_id=team.id, municipality=MUNICIPALITY)
    life.add(
        open_day,
        4,
        "ReferralReceived",
        life.visitator,
        source=draws.pick(SOURCES),
        reason=draws.pick(REFERRAL_REASONS),
    )
    _target_group(life, open_day)
    band, weekly = _weekly_help(draws)
    nursing = chance(_NURSING)
    assess = open_day + between(1, 3)
    potential = _first_assessments(life, assess, band, nursing, stock)
    grant_day = assess + between(0, 2)
    if potential:
        after = _rehabilitation(life, assess, weekly, band)
        if after is None:  # regained function: the case is closed
            return deliver(life)
        grant_day = after
        weekly = max(30, int(weekly * (0.6 + 0.3 * draws.rand())))
    frames, lasting = lasting_grant(life, grant_day, weekly, band)
    nursing_day = grant_day + between(0, 3)
    nursing_grants = nursing_grant(life, nursing_day) if nursing else None
    if nursing_grants is not None:
        lasting.append(nursing_grants)
    help_segments = follow_ups(life, lasting, frames)
    _closing(life, grant_day)
    admission(life, grant_day)
    service_segments(life, help_segments, nursing_grants, frames, grant_day)
    return deliver(life)


def _target_group(life: Life, day: int) -> None:
    """The visitation assesses which law the citizen is under (never from an age alone)."""
    if life.law == "SEL":
        basis = "other"  # e.g. a lifelong disability: Serviceloven
    else:
        basis = "equivalent_need" if life.law_rng.random() < _BELOW_PENSION_AGE else "pension_age"
    life.add(day, 4, "TargetGroupAssessed", life.visitator, law=life.law, basis=basis)


def _weekly_help(draws: Draws) -> tuple[int, int]:
    """The citizen's hours band and weekly minutes of home help, by the national distribution."""
    draw = draws.rand()
    band = len(BANDS) - 1
    for index, (share, *_rest) in enumerate(BANDS):
        if draw < share:
            band = index
            break
        draw -= share
    _, low, mode, high = BANDS[band]
    return band, int(draws.rng.triangular(low, high, mode))


def assessment(life: Life, d: int, slot: int, band: int) -> None:
    """A functional-ability assessment by the visitator, scores around the hours band."""
    between = life.town.draws.between
    scores = [
        {"condition": c, "score": min(4, max(0, band + between(-1, 2)))}
        for c in life.town.draws.rng.sample(FUNCTIONAL, between(3, 6))
    ]
    life.add(d, slot, "FunctionalAbilityAssessed", life.visitator, scores=scores)


def _first_assessments(life: Life, d: int, band: int, nursing: bool, stock: bool) -> bool:
    """Functional ability, health (nursing citizens) and rehabilitation potential; whether the
    citizen has potential."""
    draws = life.town.draws
    if not draws.chance(0.015):  # DOC-006 when skipped
        assessment(life, d, 5, band)
    if nursing and not draws.chance(0.02):  # DOC-007 when skipped
        conditions = [
            {"condition": c, "has_problem": draws.chance(0.6)}
            for c in draws.rng.sample(HEALTH, draws.between(2, 5))
        ]
        life.add(d, 6, "HealthConditionAssessed", life.nurse, conditions=conditions)
    potential = draws.chance(_POTENTIAL_NEW if not stock else _POTENTIAL_STOCK)
    if not draws.chance(0.02):  # DOC-001 when skipped
        life.add(
            d,
            7,
            "RehabilitationPotentialAssessed",
            life.visitator,
            has_potential=potential,
            reasons="Vurderet ud fra funktionsevne og borgerens egne mål",
        )
    return potential


def _rehabilitation(life: Life, assess: int, weekly: int, band: int) -> int | None:
    """A rehabilitation course (SEL §83a) and its end; the day of the next decision, or None
    when the citizen regained their function and the case was closed."""
    draws, limits = life.town.draws, thresholds()
    between, chance = draws.between, draws.chance
    c0 = assess + between(1, 4)
    planned = between(_SHORTEST_COURSE, limits.rehab_max_weeks)
    if chance(0.04):  # FRM-005: a course too long
        weeks = between(limits.rehab_max_weeks + 1, limits.rehab_max_weeks + 3)
    else:
        weeks = planned
    end = c0 + weeks * 7
    decision = life.next_decision()
    codes = draws.rng.sample(REHAB, 1 + chance(0.5))
    minutes = max(60, min(300, int(weekly * 1.2)))
    frames = [
        {"intervention": c, "minutes": round5(minutes / len(codes)), "per": "week"} for c in codes
    ]
    # Under the Elderly Act rehabilitation is an element of the care course (ÆL §10, jf. §9
    # stk. 2 nr. 3), and SEL §83a is barred for its target group (SEL §2 stk. 5).
    under_ael = life.law == "AEL" and life.town.calendar.iso[c0] >= AEL_FIRST_DAY
    act = AEL10 if under_ael else SEL83A
    basis = (decision, act, frames, [draws.pick(GOALS)])
    reasons = "Potentiale for at genvinde funktionsevne"
    named = AEL10_COURSE if under_ael else {}
    life.grant(c0, 8, life.visitator, basis, end, end, reasons, complaint_guidance=True, **named)
    course = {"course_id": f"{life.case}-c1"}
    life.add(
        c0,
        9,
        "RehabilitationCourseStarted",
        life.therapist,
        **course,
        goals=[draws.pick(GOALS)],
        planned_weeks=planned,
        legal_basis=act,
    )
    life.spans.append((c0, end, spans_of(frames)))
    life.segments.append((c0 + 1, end, plan(life, frames, "therapist")))
    outcome = "Forløbet afsluttet; mål delvist nået"
    life.add(end, 12, "RehabilitationCourseEnded", life.therapist, **course, outcome=outcome)
    life.add(
        end, 13, "FollowUpRecorded", life.visitator, subject_id=decision, outcome="E4", note=""
    )
    assessment(life, end, 13, max(0, band - 1))
    late = limits.reassess_after_rehab_days
    # DOC-005 when the decision comes late
    next_day = end + (between(*_PROMPT) if not chance(0.03) else between(late + 1, late + 11))
    if not chance(_REGAINED):
        return next_day
    life.add(
        next_day,
        10,
        "VisitationRejected",
        life.visitator,
        decision_id=life.next_decision(),
        legal_basis=SEL83,
        reasons="Borgeren er selvhjulpen efter rehabiliteringsforløbet",
        complaint_guidance=not chance(0.02),
    )
    life.add(next_day + between(0, 3), 18, "CaseClosed", life.visitator, reason="Selvhjulpen")
    return None


def _closing(life: Life, grant_day: int) -> None:
    """Some cases close (moved, died, declined); their delegations are revoked that day."""
    draws, days = life.town.draws, life.town.calendar.days
    if not draws.chance(_CLOSED):
        return
    closed = draws.between(grant_day + 14, grant_day + 300)
    if closed < days:
        reason = draws.pick(("Flyttet på plejehjem", "Død", "Ønsker ikke hjælp"))
        life.add(closed, 18, "CaseClosed", life.visitator, reason=reason)
        for delegation_id, _, _, on in life.delegations:
            if on < closed:
                life.add(
                    closed,
                    19,
                    "DelegationRevoked",
                    life.nurse,
                    delegation_id=delegation_id,
                    reason="Sagen er lukket",
                )
    life.closed = min(closed, days)
