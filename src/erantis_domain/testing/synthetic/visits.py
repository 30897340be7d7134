"""Visits: how each frame becomes a weekly pattern of visits, who delivers them, and what they
add to the team's ledger (granted minutes prorated as the budget ledger does, and delivered)."""

from __future__ import annotations

from operator import itemgetter
from typing import Any, Literal, cast

from erantis_domain.fsiii import help_category
from erantis_domain.projections.proration import prorate
from erantis_domain.testing.synthetic.calendar import SLOT_OF, SLOTS
from erantis_domain.testing.synthetic.decisions import Grant
from erantis_domain.testing.synthetic.life import Frames, Life, Plan
from erantis_domain.testing.synthetic.team import role_of
from erantis_domain.testing.synthetic.vocabulary import HELP, visit_length

__all__ = ["deliver", "plan", "service_segments"]

_Per = Literal["week", "month"]

#: A visit's deviation from its planned length: 64 factors from 0.92 to 1.08, by six bits.
_NOISE = tuple(0.92 + 0.16 * k / 63 for k in range(64))
#: Visits last 15 to 90 minutes; a weekly pattern keeps visits between 18 and 78 minutes.
_SHORTEST, _LONGEST, _PLAN_SHORTEST, _PLAN_LONGEST = 15, 90, 18, 78
#: Share of citizens who swap help under the swap right now and then.
_SWAPPING = 0.1
#: Share of citizens with visits of an intervention no decision covers (FRM-003).
_UNCOVERED = 0.03
#: Who delivers, as tables of 32 drawn from five random bits. Home help: each primary 10 of
#: 32, the backup 2. Rehabilitation: the therapist 17, the primaries 15. A delegated task: the
#: delegate 29, the nurse 3.
_PRIMARY_SHARE, _BACKUP_SHARE, _THERAPIST_SHARE, _DELEGATE_SHARE = 10, 2, 17, 29
#: Days of a month of many carers (FRM-006): twice the continuity window.
_CHAOS_DAYS = 28


def plan(life: Life, frames: Frames, kind: str, delegated: dict[str, str] | None = None) -> Plan:
    """Visits of each frame; a monthly frame is a visit every other week, a delegated task is
    delivered by its delegate."""
    result: Plan = []
    for frame in frames:
        code, minutes = frame["intervention"], frame["minutes"]
        if frame["per"] == "month":
            result.append((code, minutes * 12 / 26, None, kind))
            continue
        per_week = max(1, round(minutes / visit_length(code)))
        while minutes / per_week > _PLAN_LONGEST:
            per_week += 1
        while per_week > 1 and minutes / per_week < _PLAN_SHORTEST:
            per_week -= 1
        counts = [per_week // 7] * 7
        for w in life.town.draws.rng.sample(range(7), per_week % 7):
            counts[w] += 1
        who = kind
        if delegated is not None and code in delegated:
            who = delegated[code]
        result.append((code, minutes / per_week, counts, who))
    return result


def service_segments(
    life: Life,
    help_in_force: list[tuple[int, Frames]],
    nursing: Grant | None,
    frames: Frames,
    grant_day: int,
) -> None:
    """The delivery segments of the lasting help (one per set of frames in force), of the
    nursing, and now and then of an intervention no decision covers."""
    draws, days, closed = life.town.draws, life.town.calendar.days, life.closed
    help_in_force.sort(key=itemgetter(0))
    for k, (first, in_force) in enumerate(help_in_force):
        last = help_in_force[k + 1][0] - 1 if k + 1 < len(help_in_force) else days - 1
        life.segments.append((first + 1, min(last, closed - 1), plan(life, in_force, "help")))
    if nursing is not None:
        delegated = {task: delegate for _, task, delegate, _ in life.delegations}
        nursing_plan = plan(life, nursing[1], "nurse", delegated)
        life.segments.append((nursing[0] + 1, closed - 1, nursing_plan))
    if draws.chance(_UNCOVERED):
        extra = "H1.6" if "H1.6" not in {f["intervention"] for f in frames} else "H1.4"
        for _ in range(draws.between(1, 3)):
            d = draws.between(grant_day + 1, max(grant_day + 1, closed - 1))
            life.segments.append((d, d, [(extra, 20.0, None, "help")]))


def deliver(life: Life) -> list[dict[str, Any]]:
    """Deliver the visits, add the case to the team's ledger, and return the case's events
    sorted by ``occurred_at``, none after the day the case was closed."""
    _visit(life)
    _swaps(life)
    _grant(life)
    life.out.sort(key=itemgetter(0))
    days, closed = life.town.calendar.days, life.closed
    limit = (closed + 1) * SLOTS if closed < days else (days + 1) * SLOTS
    return [body for key, body in life.out if key < limit]


def _swaps(life: Life) -> None:
    """A few citizens use the swap right (bytteret, SEL §94a; content varying inside an Elderly
    Act care course): a visit gives other help of the same kind than decided (personal care for
    personal care, practical help for practical help), inside the time granted for it, and the
    swap is recorded. Drawn from the citizen's own stream, so the other draws stay where they
    were."""
    rng = life.law_rng
    if rng.random() >= _SWAPPING:
        return
    # The help decision in force on a day: the latest grant or revision of help from before it.
    decisions = sorted(
        (
            body["valid_from"],
            body["decision_id"],
            {f["intervention"]: f["minutes"] for f in body["frames"]},
        )
        for _, body in life.out
        if body["type"] in ("VisitationGranted", "VisitationRevised")
        and body["legal_basis"]["act"] != "SUL"
    )
    visits = [
        (key, body)
        for key, body in life.out
        if body["type"] == "VisitDelivered" and body["intervention"].startswith("H")
    ]
    for key, visit in rng.sample(visits, min(len(visits), rng.randint(1, 3))):
        day = visit["delivered_on"]
        in_force = [d for d in decisions if d[0] <= day]
        if not in_force or visit["intervention"] not in in_force[-1][2]:
            continue
        kind = help_category(visit["intervention"])
        alike = [c for c, _ in HELP if c != visit["intervention"] and help_category(c) == kind]
        if not alike or visit["minutes"] > in_force[-1][2][visit["intervention"]]:
            continue
        instead = rng.choice(alike)
        granted, visit["intervention"] = visit["intervention"], instead
        life.out.append(
            (
                key + 1,
                {
                    "type": "HelpSwapped",
                    "event_id": life.town.draws.event_id(),
                    "case_id": life.case,
                    "occurred_at": visit["occurred_at"],
                    "recorded_by": dict(visit["recorded_by"]),
                    "decision_id": in_force[-1][1],
                    "granted_intervention": granted,
                    "delivered_intervention": instead,
                    "minutes": visit["minutes"],
                    "swapped_on": day,
                },
            )
        )


def _grant(life: Life) -> None:
    """Each decision's frames prorated over the months it is in force, into the team's ledger."""
    granted, days = life.team.granted, life.town.calendar.days
    for a, last, mins in life.spans:
        b = min(last, life.closed - 1, days - 1)
        if b < a:
            continue
        for index, (lo, hi, month_days, _) in enumerate(life.town.calendar.months):
            overlap = min(b, hi) - max(a, lo) + 1
            if overlap > 0:
                granted[index] += sum(
                    prorate(m, cast("_Per", per), overlap, month_days) for m, per in mins
                )


def _visit(life: Life) -> None:
    """Every visit of every segment, outside pauses. The hot loop of the generator: tables
    and locals instead of attribute look-ups, event dicts built directly."""
    town, team, roles = life.town, life.team, life.roles
    draws, calendar = town.draws, town.calendar
    bits, days = draws.rng.getrandbits, calendar.days
    occ, iso, weekday, month_of = calendar.occ, calendar.iso, calendar.weekday, calendar.month_of
    delivered, day_factor = team.delivered, team.day_factor
    case, team_id, counter, prefix = life.case, team.id, draws.counter, draws.prefix
    noise = 0.95 + 0.1 * draws.rand()
    shortest, longest, slot_of, deviation = _SHORTEST, _LONGEST, SLOT_OF, _NOISE
    everyone = [(c, role_of(c)) for c in team.carers() + town.temps]
    crew = len(everyone)
    help_pick = [
        (c, roles[c]) for c in (*life.primaries * _PRIMARY_SHARE, *[life.backup] * _BACKUP_SHARE)
    ]
    nurse_pick = [(life.nurse_id, "nurse")] * 32
    therapist_pick = [(team.therapist, "therapist")] * _THERAPIST_SHARE + [
        (c, roles[c]) for c in life.primaries * 5
    ]
    chaos_lo = life.chaotic_from if life.chaotic_from >= 0 else days
    chaos_hi = chaos_lo + _CHAOS_DAYS
    paused = [False] * days
    for a, b in life.pauses:
        for d in range(max(0, a), min(b, days - 1) + 1):
            paused[d] = True
    visit_no = 0
    append = life.out.append
    for first, last, segment in life.segments:
        first = max(0, first)
        last = min(last, life.closed - 1, days - 1)
        if last < first:
            continue
        for code, length, counts, who in segment:
            if who == "help":
                pick = help_pick
            elif who == "nurse":
                pick = nurse_pick
            elif who == "therapist":
                pick = therapist_pick
            else:  # a delegate, the nurse now and then
                pick = [(who, roles.get(who, "nurse"))] * _DELEGATE_SHARE + nurse_pick[:3]
            helping = who == "help"
            if counts is None:  # every other week
                runs = [(range(first, last + 1, 14), 1)]
            else:
                w0 = weekday[first]
                runs = [
                    (range(first + (w - w0) % 7, last + 1, 7), n) for w, n in enumerate(counts) if n
                ]
            for days_run, n in runs:
                for d in days_run:
                    if paused[d]:
                        continue
                    scale = length * day_factor[d] * noise
                    occ_d = occ[d]
                    on = iso[d]
                    month = month_of[d]
                    for _ in range(n):
                        r = bits(24)
                        if helping and chaos_lo <= d < chaos_hi:
                            carer, role = everyone[(r >> 16) % crew]
                        else:
                            carer, role = pick[r & 31]
                        minutes = int(scale * deviation[(r >> 5) & 63] + 0.5)
                        if minutes < shortest:  # a conditional, not min/max: the hot loop
                            minutes = shortest
                        elif minutes > longest:
                            minutes = longest
                        delivered[month] += minutes
                        visit_no += 1
                        counter += 1
                        slot = slot_of[r >> 11 & 31]
                        append(
                            (
                                d * SLOTS + slot,
                                {
                                    "type": "VisitDelivered",
                                    "event_id": f"{prefix}{counter:012x}",
                                    "case_id": case,
                                    "occurred_at": occ_d[slot],
                                    "recorded_by": {"actor_id": carer, "role": role},
                                    "visit_id": f"{case}-v{visit_no}",
                                    "team_id": team_id,
                                    "carer_id": carer,
                                    "carer_role": role,
                                    "intervention": code,
                                    "minutes": minutes,
                                    "delivered_on": on,
                                },
                            )
                        )
    draws.counter = counter
