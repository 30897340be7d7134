"""A fast, seeded generator of a synthetic municipality's events, for benchmarks and demos.

:func:`generate` yields JSON-ready event dicts, valid per the event contract
(:func:`~erantis_domain.events.parse_event` accepts every one), for every citizen's case in a
window of ``months`` calendar months from ``start``, and the team events of each team and
month. It is pure Python on :class:`random.Random`: no pydantic inside, dicts built directly,
so it runs at several hundred thousand events a second. The same arguments always give the
same events, ids included.

The shape of the municipality follows ``DOMAIN.md`` ("Sizes"):

* Teams of about 50 citizens (``teams = citizens // 50`` by default), each with its own pool of
  carers (SSH, SSA, a therapist and nurses). Each citizen has a few primary carers and one
  backup, so continuity holds unless a problem is injected.
* Weekly home help follows the national distribution of hours: 67 % under 2 h a week, 22 %
  2-8 h, 9 % 8-20 h and 2 % 20 h or more. Visits carry 15-90 minutes, one intervention each.
  About half of the citizens also get home nursing (SUL §138, FSIII ``G1.x``), with tasks
  delegated by the team's nurse to an SSA or SSH.
* A case opens (most in the first week, about 15 % during the window), with a referral,
  assessments of functional ability, health (nursing citizens) and rehabilitation potential.
  Citizens with potential get a rehabilitation course (SEL §83a, ``H2.x``) first, then a
  lasting grant (SEL §83, ``H1.x``) or, when they regained their function, a rejection and a
  closed case. Then visits, time adjustments, follow-ups, revisions, hospital admissions (with
  suspended delegations), and some closings.
* Per team and month: a ``PeriodSettled`` for most months that ended (a few days after the
  month), and ``DialogueMeetingHeld`` each quarter and after most overspent months.
* About 400 events per citizen-year: 9,000 citizens over 12 months give about 3.7 million.

A small share of practice problems (a few per cent each) is injected so that
:func:`erantis_rules.check` finds something in every rule family: decisions without goals,
reasons or complaint guidance; missing assessments; late or missing follow-ups; rehabilitation
courses too long or without a timely decision; delegations by an SSH, to unverified or
unsuitable delegates, without instruction, not suspended on admission; adjustments without the
citizen or beyond the tolerance; visits outside the grant; many carers in a fortnight;
overspent months without a dialogue meeting; months never settled.

Order of the stream: team by team, each citizen's events sorted by ``occurred_at``, then the
team's events sorted by ``occurred_at``. Every event occurs inside the window
``[start, start + months)``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["generate", "window", "write_jsonl"]

_TZ = ZoneInfo("Europe/Copenhagen")
#: Time slots of a day: 07:00, 07:30, ... 20:30 (index 0 ... 27).
_SLOTS = 28
#: Five random bits to a slot, and six to a visit's deviation from its planned length.
_SLOT_OF = tuple(k * _SLOTS // 32 for k in range(32))
_NOISE = tuple(0.92 + 0.16 * k / 63 for k in range(64))
_MUNICIPALITY = "0756"
_SEL83 = {"act": "SEL", "paragraph": "83", "regime": "SEL-2024"}
_SEL83A = {"act": "SEL", "paragraph": "83a", "regime": "SEL-2024"}
_SUL138 = {"act": "SUL", "paragraph": "138", "regime": "SUL-2024"}
_MINUTE_PRICE = Decimal("8.50")

#: Home-care interventions (SEL §83) with a typical visit length in minutes.
_HELP = (
    ("H1.1", 28),  # Personlig hygiejne
    ("H1.3", 22),  # Ernæring
    ("H1.10", 24),  # Tilberede/anrette mad
    ("H1.2", 22),  # Udskillelser
    ("H1.4", 24),  # Mobilitet
    ("H1.5", 32),  # Hverdagens aktiviteter
    ("H1.6", 22),  # Tilsyn/omsorg
    ("H1.7", 40),  # Indkøb
    ("H1.9", 40),  # Tøjvask
)
_HELP_WEIGHTS = (30, 12, 10, 8, 8, 8, 8, 8, 8)
#: Rehabilitation interventions (SEL §83a).
_REHAB = ("H2.5", "H2.2", "H2.4", "H2.1", "H2.7", "H2.6")
#: Nursing tasks: (code, minutes a week range, visit length, delegable to).
_NURSING = (
    ("G1.20", (60, 120), 20, ("ssa", "ssh")),  # Medicinadministration
    ("G1.19", (60, 120), 20, ("ssa", "ssh")),  # Kompressionsbehandling
    ("G1.39", (40, 90), 28, ("ssa",)),  # Sårbehandling
    ("G1.41", (20, 40), 20, ()),  # Undersøgelser og måling af værdier
    ("G1.21", (20, 30), 20, ()),  # Medicindispensering
)
_FUNCTIONAL = (
    "J1.1",
    "J1.2",
    "J1.3",
    "J1.5",
    "J1.7",
    "J1.8",
    "J2.1",
    "J2.2",
    "J2.4",
    "J3.2",
    "J3.5",
    "J3.8",
    "J4.2",
    "J4.3",
)
_HEALTH = ("I1.1", "I2.1", "I3.2", "I4.9", "I6.2", "I7.2", "I9.3", "I10.2", "I11.1", "I12.3")
_SOURCES = ("hospital",) * 7 + ("gp",) * 5 + ("relative",) * 4 + ("citizen",) * 3 + ("other",)
_REFERRAL_REASONS = (
    "Udskrevet fra sygehus med behov for hjælp",
    "Faldet i hjemmet",
    "Pårørende oplever tiltagende behov",
    "Egen læge henviser",
    "Borgeren ansøger om hjælp",
)
_GOALS = (
    "Klarer selv morgenhygiejne",
    "Kan selv tilberede morgenmad",
    "Går selv til og fra toilet",
    "Deltager i indkøb en gang om ugen",
    "Bevarer nuværende funktionsniveau",
    "Kan selv tage strømper på",
)
_REASONS = (
    "Behov for hjælp til personlig pleje efter vurdering af funktionsevne",
    "Nedsat funktionsevne i egenomsorg og praktiske opgaver",
    "Varigt nedsat funktionsevne; rehabilitering vurderet uden potentiale",
)
_HOSPITALS = (
    "Regionshospitalet Herning",
    "Regionshospitalet Silkeborg",
    "Aarhus Universitetshospital",
)
#: Weekly home help in minutes per hours band (DOMAIN.md "Sizes"): share, low, mode, high.
_BANDS = (
    (0.67, 30, 45, 119),
    (0.22, 120, 150, 479),
    (0.09, 480, 540, 1199),
    (0.02, 1200, 1260, 1800),
)


def window(start: date, months: int) -> tuple[date, date]:
    """The first and the last day of the window of ``months`` calendar months from ``start``."""
    if months < 1:
        raise ValueError(f"months must be at least 1 (got {months})")
    month = start.month - 1 + months
    end = start.replace(year=start.year + month // 12, month=month % 12 + 1, day=1)
    # The same day of the month ``months`` later, clamped to that month's length.
    last_of_month = (end.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    after = end.replace(day=min(start.day, last_of_month.day))
    return start, after - timedelta(days=1)


def _prorate(minutes: int, per: str, days: int, month_days: int) -> int:
    """Whole minutes of a frame over ``days`` days of a month, rounded half-even (as the
    ledger and the rules do)."""
    divisor = 7 if per == "week" else month_days
    q, r = divmod(minutes * days, divisor)
    if 2 * r > divisor or (2 * r == divisor and q % 2):
        q += 1
    return q


class _Team:
    """A team's identity, staff and monthly delivery pressure."""

    __slots__ = ("day_factor", "factors", "id", "nurses", "ssa", "ssh", "therapist")

    def __init__(self, index: int, size: int, rng: random.Random, months: int) -> None:
        self.id = f"team-{index + 1:03d}"
        scale = max(1.0, size / 50)
        self.ssh = [f"{self.id}-ssh-{k + 1:02d}" for k in range(round(8 * scale))]
        self.ssa = [f"{self.id}-ssa-{k + 1:02d}" for k in range(round(3 * scale))]
        self.nurses = [f"{self.id}-nurse-{k + 1:02d}" for k in range(round(2 * scale))]
        self.therapist = f"{self.id}-therapist-01"
        factors = []
        for _ in range(months + 1):
            draw = rng.random()
            if draw < 0.08:  # an overspent month
                factors.append(1.08 + 0.07 * rng.random())
            elif draw < 0.13:  # a clearly underspent month
                factors.append(0.88 + 0.05 * rng.random())
            else:
                factors.append(0.99 + rng.gauss(0.0, 0.012))
        self.factors = factors
        self.day_factor: list[float] = []


class _Gen:
    """One generation run: calendar tables, counters and team accumulators."""

    def __init__(self, citizens: int, start: date, months: int, seed: int, teams: int) -> None:
        self.rng = random.Random(seed)
        self.rand = self.rng.random
        first, last = window(start, months)
        self.start = first
        self.days = last.toordinal() - first.toordinal() + 1
        self.citizens = citizens
        bits = f"{self.rng.getrandbits(96):024x}"
        self.id_prefix = f"{bits[:8]}-{bits[8:12]}-4{bits[12:15]}-8{bits[15:18]}-"
        self.counter = 0
        # Calendar tables: ISO dates (window plus a year for due dates), occurred_at strings.
        self.iso = [(first + timedelta(days=d)).isoformat() for d in range(self.days + 400)]
        self.weekday = [(first + timedelta(days=d)).weekday() for d in range(self.days)]
        self.occ: list[list[str]] = []
        for d in range(self.days):
            day = first + timedelta(days=d)
            slots = []
            for s in range(_SLOTS):
                moment = datetime.combine(day, time(7 + s // 2, 30 * (s % 2)), tzinfo=_TZ)
                slots.append(moment.isoformat())
            self.occ.append(slots)
        # Months of the window: (first day index, last day index, days in month, "YYYY-MM").
        self.months: list[tuple[int, int, int, str]] = []
        self.month_of = [0] * self.days
        d = 0
        while d < self.days:
            day = first + timedelta(days=d)
            month_first = day.replace(day=1)
            nxt = (month_first + timedelta(days=32)).replace(day=1)
            month_days = (nxt - month_first).days
            lo = month_first.toordinal() - first.toordinal()
            hi = lo + month_days - 1
            for k in range(d, min(hi, self.days - 1) + 1):
                self.month_of[k] = len(self.months)
            self.months.append((lo, hi, month_days, month_first.strftime("%Y-%m")))
            d = hi + 1
        self.teams = [
            _Team(t, self._team_size(t, teams), self.rng, len(self.months)) for t in range(teams)
        ]
        self.team_count = teams
        for team in self.teams:
            team.day_factor = [team.factors[self.month_of[d]] for d in range(self.days)]
        self.visitators = [f"visitator-{k + 1:02d}" for k in range(max(2, citizens // 300))]
        self.temps = [f"vikar-{k + 1:03d}" for k in range(max(10, teams * 2))]
        # Per-team accumulators, reset for each team.
        self.granted: list[int] = []
        self.delivered: list[int] = []

    def _team_size(self, t: int, teams: int) -> int:
        lo = t * self.citizens // teams
        hi = (t + 1) * self.citizens // teams
        return hi - lo

    def eid(self) -> str:
        self.counter += 1
        return f"{self.id_prefix}{self.counter:012x}"

    def pick(self, seq: Any) -> Any:
        return seq[int(self.rand() * len(seq))]

    def chance(self, p: float) -> bool:
        return self.rand() < p

    def between(self, lo: int, hi: int) -> int:
        """A whole number in ``[lo, hi]``."""
        return lo + int(self.rand() * (hi - lo + 1))

    # --- the stream -------------------------------------------------------------------------

    def run(self) -> Iterator[dict[str, Any]]:
        for t, team in enumerate(self.teams):
            self.granted = [0] * len(self.months)
            self.delivered = [0] * len(self.months)
            lo = t * self.citizens // self.team_count
            hi = (t + 1) * self.citizens // self.team_count
            for i in range(lo, hi):
                yield from self.citizen(i, team)
            yield from self.team_events(team)

    # --- one citizen --------------------------------------------------------------------------

    def citizen(self, i: int, team: _Team) -> list[dict[str, Any]]:
        rand, between, chance, pick = self.rand, self.between, self.chance, self.pick
        days = self.days
        case = f"case-{i + 1:06d}"
        out: list[tuple[int, dict[str, Any]]] = []
        visitator = {"actor_id": pick(self.visitators), "role": "visitator"}
        nurse_id = pick(team.nurses)
        nurse = {"actor_id": nurse_id, "role": "nurse"}
        therapist = {"actor_id": team.therapist, "role": "therapist"}
        team_id = team.id
        iso = self.iso

        def add(d: int, slot: int, etype: str, by: dict[str, str], /, **fields: Any) -> None:
            if d >= days:
                return
            body: dict[str, Any] = {
                "type": etype,
                "event_id": self.eid(),
                "case_id": case,
                "occurred_at": self.occ[d][slot],
                "recorded_by": dict(by),
            }
            body.update(fields)
            out.append((d * _SLOTS + slot, body))

        # Carers: three primaries (one an SSA when possible), one backup.
        pool = team.ssh + team.ssa
        primaries = [pick(team.ssh), pick(team.ssh), pick(team.ssa)]
        backup = pick(pool)
        roles = {c: ("ssa" if "-ssa-" in c else "ssh") for c in [*primaries, backup]}
        chaotic_from = -1
        if chance(0.03):  # FRM-006: a month of many different carers
            chaotic_from = between(0, max(0, days - 28))

        stock = not chance(0.15)
        open_day = between(0, 6) if stock else between(0, max(0, days - 30))
        add(open_day, 4, "CaseOpened", visitator, team_id=team_id, municipality=_MUNICIPALITY)
        add(
            open_day,
            4,
            "ReferralReceived",
            visitator,
            source=pick(_SOURCES),
            reason=pick(_REFERRAL_REASONS),
        )
        # Weekly home help, by the national hours distribution.
        draw = rand()
        band = 3
        for index, (share, *_rest) in enumerate(_BANDS):
            if draw < share:
                band = index
                break
            draw -= share
        _, low, mode, high = _BANDS[band]
        weekly = int(self.rng.triangular(low, high, mode))
        nursing = chance(0.53)

        assess = open_day + between(1, 3)
        fa_missing = chance(0.015)  # DOC-006
        if not fa_missing:
            self.assessment(add, assess, 5, visitator, band)
        if nursing and not chance(0.02):  # DOC-007 when skipped
            conditions = [
                {"condition": c, "has_problem": chance(0.6)}
                for c in self.rng.sample(_HEALTH, between(2, 5))
            ]
            add(assess, 6, "HealthConditionAssessed", nurse, conditions=conditions)
        potential = chance(0.45 if not stock else 0.08)
        if not chance(0.02):  # DOC-001 when skipped
            add(
                assess,
                7,
                "RehabilitationPotentialAssessed",
                visitator,
                has_potential=potential,
                reasons="Vurderet ud fra funktionsevne og borgerens egne mål",
            )

        decision_no = 0
        # Service segments: (first day, last day, plan) for visits; decisions for the ledger.
        segments: list[tuple[int, int, list[tuple[str, float, list[int] | None, str]]]] = []
        spans: list[tuple[int, int, list[tuple[int, str]]]] = []  # decision spans, for granted
        pauses: list[tuple[int, int]] = []
        delegations: list[tuple[str, str, str, int]] = []  # (id, task, delegate, day)
        closed = days  # first day without service

        grant_day = assess + between(0, 2)
        if potential:
            c0 = assess + between(1, 4)
            planned = between(6, 12)
            weeks = planned if not chance(0.04) else between(13, 15)  # FRM-005
            end = c0 + weeks * 7
            decision_no += 1
            d83a = f"{case}-d{decision_no}"
            codes = self.rng.sample(_REHAB, 1 + chance(0.5))
            minutes = max(60, min(300, int(weekly * 1.2)))
            frames: list[dict[str, Any]] = [
                {"intervention": c, "minutes": _round5(minutes / len(codes)), "per": "week"}
                for c in codes
            ]
            add(
                c0,
                8,
                "VisitationGranted",
                visitator,
                schema_version=2,
                decision_id=d83a,
                legal_basis=_SEL83A,
                frames=frames,
                goals=[pick(_GOALS)],
                valid_from=iso[c0],
                valid_until=iso[end],
                follow_up_due=iso[end],
                team_id=team_id,
                reasons="Potentiale for at genvinde funktionsevne",
                complaint_guidance=True,
            )
            add(
                c0,
                9,
                "RehabilitationCourseStarted",
                therapist,
                course_id=f"{case}-c1",
                goals=[pick(_GOALS)],
                planned_weeks=planned,
                legal_basis=_SEL83A,
            )
            spans.append((c0, end, _mins(frames)))
            segments.append((c0 + 1, end, self.plan(frames, "therapist")))
            add(
                end,
                12,
                "RehabilitationCourseEnded",
                therapist,
                course_id=f"{case}-c1",
                outcome="Forløbet afsluttet; mål delvist nået",
            )
            add(end, 13, "FollowUpRecorded", visitator, subject_id=d83a, outcome="E4", note="")
            self.assessment(add, end, 13, visitator, max(0, band - 1))
            grant_day = end + (between(1, 10) if not chance(0.03) else between(15, 25))  # DOC-005
            if chance(0.25):  # regained function: a rejection and a closed case
                decision_no += 1
                add(
                    grant_day,
                    10,
                    "VisitationRejected",
                    visitator,
                    decision_id=f"{case}-d{decision_no}",
                    legal_basis=_SEL83,
                    reasons="Borgeren er selvhjulpen efter rehabiliteringsforløbet",
                    complaint_guidance=not chance(0.02),
                )
                add(grant_day + between(0, 3), 18, "CaseClosed", visitator, reason="Selvhjulpen")
                return self.finish(
                    out,
                    team,
                    case,
                    segments,
                    spans,
                    pauses,
                    days,
                    chaotic_from,
                    primaries,
                    backup,
                    roles,
                    nurse_id,
                )
            weekly = max(30, int(weekly * (0.6 + 0.3 * rand())))

        # The lasting grant (SEL §83).
        decision_no += 1
        current = f"{case}-d{decision_no}"
        frames = self.help_frames(weekly, band)
        goals = [] if chance(0.02) else self.rng.sample(_GOALS, between(1, 2))  # DOC-003
        reasons = "" if chance(0.015) else pick(_REASONS)  # DOC-002
        follow_up = grant_day + between(60, 200)
        add(
            grant_day,
            10,
            "VisitationGranted",
            visitator,
            schema_version=2,
            decision_id=current,
            legal_basis=_SEL83,
            frames=frames,
            goals=goals,
            valid_from=iso[grant_day],
            valid_until=None,
            follow_up_due=iso[follow_up],
            team_id=team_id,
            reasons=reasons,
            complaint_guidance=not chance(0.015),
        )
        lasting = [(grant_day, frames, current, follow_up)]

        # Nursing (SUL §138) with delegations.
        nursing_frames: list[dict[str, Any]] = []
        nursing_decision = ""
        nursing_day = grant_day + between(0, 3)
        if nursing:
            decision_no += 1
            nursing_decision = f"{case}-d{decision_no}"
            tasks = self.rng.sample(_NURSING, between(1, 2))
            nursing_frames = [
                {"intervention": c, "minutes": _round5(between(*span)), "per": "week"}
                for c, span, _, _ in tasks
            ]
            n_follow = nursing_day + between(60, 200)
            add(
                nursing_day,
                11,
                "VisitationGranted",
                visitator,  # only a visitator decides, also on nursing (the append policy)
                schema_version=2,
                decision_id=nursing_decision,
                legal_basis=_SUL138,
                frames=nursing_frames,
                goals=[pick(_GOALS)],
                valid_from=iso[nursing_day],
                valid_until=None,
                follow_up_due=iso[n_follow],
                team_id=team_id,
                reasons="Lægehenvisning til hjemmesygepleje",
                complaint_guidance=True,
            )
            lasting.append((nursing_day, nursing_frames, nursing_decision, n_follow))
            for code, _, _, delegable in tasks:
                if not delegable:
                    continue
                delegations.append(
                    self.delegate(
                        add,
                        case,
                        len(delegations),
                        code,
                        delegable,
                        nursing_day + between(0, 2),
                        nurse_id,
                        primaries,
                        roles,
                    )
                )

        # Follow-ups, revisions, adjustments of the lasting decisions.
        help_segments: list[tuple[int, list[dict[str, Any]], str]] = [(grant_day, frames, "help")]
        for start_day, dframes, decision, due in lasting:
            kind = "nurse" if decision == nursing_decision else "help"
            problem = chance(0.04)  # DOC-004: missed or late follow-up
            fu_day = due - between(0, 14) if not problem else due + between(5, 30)
            if problem and chance(0.5):
                fu_day = days  # never
            outcome = "E4" if (kind == "help" and chance(0.15)) else pick(("E1", "E1", "E2"))
            add(
                fu_day,
                14,
                "FollowUpRecorded",
                visitator,
                subject_id=decision,
                outcome=outcome,
                note="",
            )
            if outcome == "E4" and fu_day < days:
                rev_day = fu_day + between(1, 7)
                decision_no += 1
                revised = f"{case}-d{decision_no}"
                rev_due = rev_day + between(90, 200)
                factor = 0.8 + 0.5 * rand()
                new_frames: list[dict[str, Any]] = [
                    {**f, "minutes": max(5, _round5(f["minutes"] * factor))} for f in dframes
                ]
                add(
                    rev_day,
                    10,
                    "VisitationRevised",
                    visitator,
                    decision_id=revised,
                    revises=decision,
                    legal_basis=_SEL83,
                    frames=new_frames,
                    goals=self.rng.sample(_GOALS, between(1, 2)),
                    valid_from=iso[rev_day],
                    valid_until=None,
                    follow_up_due=iso[rev_due],
                    team_id=team_id,
                    reasons="Ændret behov efter opfølgning",
                    complaint_guidance=True,
                )
                if not chance(0.04):  # DOC-004 when the revision is never followed up
                    add(
                        rev_due - between(0, 14),
                        14,
                        "FollowUpRecorded",
                        visitator,
                        subject_id=revised,
                        outcome="E1",
                        note="",
                    )
                if rev_day < days:
                    help_segments.append((rev_day, new_frames, "help"))
                    spans.append((start_day, rev_day - 1, _mins(dframes)))
                    spans.append((rev_day, days - 1, _mins(new_frames)))
                else:
                    spans.append((start_day, days - 1, _mins(dframes)))
            else:
                spans.append((start_day, days - 1, _mins(dframes)))
            if kind == "help" and chance(0.35):
                self.adjust(add, decision, dframes, start_day, team_id)

        # Closing.
        if chance(0.07):
            closed = between(grant_day + 14, grant_day + 300)
            if closed < days:
                add(
                    closed,
                    18,
                    "CaseClosed",
                    visitator,
                    reason=pick(("Flyttet på plejehjem", "Død", "Ønsker ikke hjælp")),
                )
                for delegation_id, _, _, on in delegations:
                    if on < closed:
                        add(
                            closed,
                            19,
                            "DelegationRevoked",
                            nurse,
                            delegation_id=delegation_id,
                            reason="Sagen er lukket",
                        )
            closed = min(closed, days)

        # Hospital admissions: visits pause, delegations are suspended (mostly in time).
        if chance(0.09) and closed - grant_day > 30:
            admitted = between(grant_day + 7, closed - 20)
            home = admitted + between(2, 14)
            add(admitted, 15, "CitizenAdmitted", visitator, institution=pick(_HOSPITALS))
            active = [dl for dl in delegations if dl[3] < admitted]
            late = chance(0.12)  # DEL-006
            for delegation_id, _, _, _ in active:
                if late and chance(0.5):
                    continue
                add(
                    admitted + (between(2, 4) if late else between(0, 1)),
                    16,
                    "DelegationSuspended",
                    nurse,
                    delegation_id=delegation_id,
                    reason="Indlagt",
                )
            add(home, 9, "CitizenDischarged", visitator)
            pauses.append((admitted, home))
            renewed: list[tuple[str, str, str, int]] = []
            for delegation_id, task, _, _ in active:
                add(
                    home,
                    10,
                    "DelegationRevoked",
                    nurse,
                    delegation_id=delegation_id,
                    reason="Genvurderes efter udskrivelse",
                )
                code_delegable = next(n[3] for n in _NURSING if n[0] == task)
                renewed.append(
                    self.delegate(
                        add,
                        case,
                        len(delegations) + len(renewed),
                        task,
                        code_delegable,
                        home + 1,
                        nurse_id,
                        primaries,
                        roles,
                    )
                )
            delegations.extend(renewed)

        # Delivery segments of the lasting help and nursing.
        help_segments.sort(key=itemgetter(0))
        for k, (seg_start, seg_frames, _) in enumerate(help_segments):
            seg_end = help_segments[k + 1][0] - 1 if k + 1 < len(help_segments) else days - 1
            segments.append(
                (seg_start + 1, min(seg_end, closed - 1), self.plan(seg_frames, "help"))
            )
        if nursing:
            delegated = {task: delegate for _, task, delegate, _ in delegations}
            segments.append(
                (nursing_day + 1, closed - 1, self.plan(nursing_frames, "nurse", delegated))
            )
        if chance(0.03):  # FRM-003: visits of an intervention no decision covers
            granted_codes = {f["intervention"] for f in frames}
            extra = "H1.6" if "H1.6" not in granted_codes else "H1.4"
            for _ in range(between(1, 3)):
                d = between(grant_day + 1, max(grant_day + 1, closed - 1))
                segments.append((d, d, [(extra, 20.0, None, "help")]))
        return self.finish(
            out,
            team,
            case,
            segments,
            spans,
            pauses,
            closed,
            chaotic_from,
            primaries,
            backup,
            roles,
            nurse_id,
        )

    def assessment(
        self, add: Callable[..., None], d: int, slot: int, by: dict[str, str], band: int
    ) -> None:
        scores = [
            {"condition": c, "score": min(4, max(0, band + self.between(-1, 2)))}
            for c in self.rng.sample(_FUNCTIONAL, self.between(3, 6))
        ]
        add(d, slot, "FunctionalAbilityAssessed", by, scores=scores)

    def help_frames(self, weekly: int, band: int) -> list[dict[str, Any]]:
        count = min(len(_HELP), self.between(1, 2) + band)
        chosen: list[str] = []
        while len(chosen) < count:
            code = self.rng.choices(_HELP, _HELP_WEIGHTS)[0][0]
            if code not in chosen:
                chosen.append(code)
        weights = [0.5 + self.rand() for _ in chosen]
        total = sum(weights)
        frames: list[dict[str, Any]] = [
            {"intervention": c, "minutes": max(20, _round5(weekly * w / total)), "per": "week"}
            for c, w in zip(chosen, weights, strict=True)
        ]
        if band >= 1 and self.chance(0.5):  # cleaning every other week, as a monthly frame
            frames.append(
                {"intervention": "H1.8", "minutes": self.pick((90, 100, 120)), "per": "month"}
            )
        return frames

    def plan(
        self,
        frames: list[dict[str, Any]],
        kind: str,
        delegated: dict[str, str] | None = None,
    ) -> list[tuple[str, float, list[int] | None, str]]:
        """Visits of each frame: (code, minutes a visit, visits per weekday or None for every
        other week, who delivers)."""
        plan: list[tuple[str, float, list[int] | None, str]] = []
        lengths = {code: length for code, length in _HELP}
        lengths.update({code: length for code, _, length, _ in _NURSING})
        for frame in frames:
            code, minutes = frame["intervention"], frame["minutes"]
            if frame["per"] == "month":
                plan.append((code, minutes * 12 / 26, None, kind))
                continue
            length = lengths.get(code, 45)
            per_week = max(1, round(minutes / length))
            while minutes / per_week > 78:
                per_week += 1
            while per_week > 1 and minutes / per_week < 18:
                per_week -= 1
            counts = [per_week // 7] * 7
            for w in self.rng.sample(range(7), per_week % 7):
                counts[w] += 1
            who = kind
            if delegated is not None and code in delegated:
                who = delegated[code]
            plan.append((code, minutes / per_week, counts, who))
        return plan

    def delegate(
        self,
        add: Callable[..., None],
        case: str,
        number: int,
        task: str,
        delegable: tuple[str, ...],
        d: int,
        nurse_id: str,
        primaries: list[str],
        roles: dict[str, str],
    ) -> tuple[str, str, str, int]:
        delegation_id = f"{case}-del{number + 1}"
        wanted = self.pick(delegable)
        if self.chance(0.02):  # DEL-004: an SSH takes a task reserved for the SSA
            wanted = "ssh" if task == "G1.39" else wanted
        candidates = [c for c in primaries if roles[c] == wanted] or primaries
        delegate = self.pick(candidates)
        delegator, delegator_role = nurse_id, "nurse"
        if self.chance(0.02):  # DEL-001: an SSH delegates
            delegator, delegator_role = primaries[0], "ssh"
        framework = self.chance(0.2)
        instruction = None
        if framework and not self.chance(0.1):  # DEL-003 when missing
            instruction = f"INSTR-{task}-{nurse_id[-2:]}"
        due = d + self.between(60, 90)
        add(
            d,
            12,
            "NursingTaskDelegated",
            # Recorded by the responsible nurse, also when an SSH delegated (a fact to judge).
            {"actor_id": nurse_id, "role": "nurse"},
            delegation_id=delegation_id,
            task=task,
            kind="framework" if framework else "concrete",
            delegator_id=delegator,
            delegator_role=delegator_role,
            delegate_id=delegate,
            delegate_role=roles[delegate],
            instruction_ref=instruction,
            competence_verified=not self.chance(0.03),  # DEL-002
            follow_up_due=self.iso[due],
            onward_delegation_allowed=False,
        )
        # Follow-ups every two to three months (DEL-005 when one is skipped).
        nurse = {"actor_id": nurse_id, "role": "nurse"}
        follow = due - self.between(0, 10)
        if self.chance(0.04):
            follow = due + self.between(5, 40)
        while follow < self.days:
            add(
                follow,
                17,
                "FollowUpRecorded",
                nurse,
                subject_id=delegation_id,
                outcome="E1",
                note="",
            )
            follow += self.between(60, 85)
        return delegation_id, task, delegate, d

    def adjust(
        self,
        add: Callable[..., None],
        decision: str,
        frames: list[dict[str, Any]],
        start_day: int,
        team_id: str,
    ) -> None:
        weekly = [f for f in frames if f["per"] == "week"]
        if not weekly:
            return
        frame = self.pick(weekly)
        beyond = self.chance(0.06)  # FRM-001: beyond the tolerance, no revision
        share = 0.15 + 0.15 * self.rand() if beyond else 0.09 * self.rand()
        delta = max(1, int(frame["minutes"] * share)) * (1 if self.chance(0.6) else -1)
        add(
            start_day + self.between(10, 120),
            15,
            "TimeAdjustedByTeam",
            {"actor_id": f"{team_id}-lead", "role": "team_lead"},
            decision_id=decision,
            intervention=frame["intervention"],
            delta_minutes=delta,
            reason="Tid flyttet efter aftale med borgeren",
            citizen_involved=not self.chance(0.1),  # FRM-002
            team_id=team_id,
        )

    def finish(
        self,
        out: list[tuple[int, dict[str, Any]]],
        team: _Team,
        case: str,
        segments: list[tuple[int, int, list[tuple[str, float, list[int] | None, str]]]],
        spans: list[tuple[int, int, list[tuple[int, str]]]],
        pauses: list[tuple[int, int]],
        closed: int,
        chaotic_from: int,
        primaries: list[str],
        backup: str,
        roles: dict[str, str],
        nurse_id: str,
    ) -> list[dict[str, Any]]:
        """Deliver the visits, add the case to the team's ledger, sort the case's events."""
        rand = self.rand
        bits = self.rng.getrandbits
        days = self.days
        occ, iso, weekday, month_of = self.occ, self.iso, self.weekday, self.month_of
        delivered = self.delivered
        team_id = team.id
        counter = self.counter
        prefix = self.id_prefix
        noise = 0.95 + 0.1 * rand()
        day_factor = team.day_factor
        everyone = [(c, "ssa" if "-ssa-" in c else "ssh") for c in team.ssh + team.ssa + self.temps]
        crew = len(everyone)
        # Who delivers, as tables of 32 drawn from five random bits: primaries 30, backup 2.
        help_pick = [(c, roles[c]) for c in (*primaries * 10, backup, backup)]
        nurse_pick = [(nurse_id, "nurse")] * 32
        therapist_pick = [(team.therapist, "therapist")] * 17 + [
            (c, roles[c]) for c in primaries * 5
        ]
        chaos_lo = chaotic_from if chaotic_from >= 0 else days
        chaos_hi = chaos_lo + 28
        paused = [False] * days
        for a, b in pauses:
            for d in range(max(0, a), min(b, days - 1) + 1):
                paused[d] = True
        visit_no = 0
        append = out.append
        for first, last, plan in segments:
            first = max(0, first)
            last = min(last, closed - 1, days - 1)
            if last < first:
                continue
            for code, length, counts, who in plan:
                if who == "help":
                    pick = help_pick
                elif who == "nurse":
                    pick = nurse_pick
                elif who == "therapist":
                    pick = therapist_pick
                else:  # a delegate, the nurse now and then
                    pick = [(who, roles.get(who, "nurse"))] * 29 + nurse_pick[:3]
                helping = who == "help"
                if counts is None:  # every other week
                    runs = [(range(first, last + 1, 14), 1)]
                else:
                    w0 = weekday[first]
                    runs = [
                        (range(first + (w - w0) % 7, last + 1, 7), n)
                        for w, n in enumerate(counts)
                        if n
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
                            minutes = int(scale * _NOISE[(r >> 5) & 63] + 0.5)
                            minutes = 15 if minutes < 15 else 90 if minutes > 90 else minutes
                            delivered[month] += minutes
                            visit_no += 1
                            counter += 1
                            slot = _SLOT_OF[r >> 11 & 31]
                            append(
                                (
                                    d * _SLOTS + slot,
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
        self.counter = counter
        # The team's granted frame: each decision prorated over the months it is active.
        granted = self.granted
        for a, b, mins in spans:
            b = min(b, closed - 1, days - 1)
            if b < a:
                continue
            for index, (lo, hi, month_days, _) in enumerate(self.months):
                overlap = min(b, hi) - max(a, lo) + 1
                if overlap > 0:
                    granted[index] += sum(_prorate(m, per, overlap, month_days) for m, per in mins)
        out.sort(key=itemgetter(0))
        # Nothing happens to a closed case after the day it was closed.
        limit = (closed + 1) * _SLOTS if closed < days else (days + 1) * _SLOTS
        return [body for key, body in out if key < limit]

    # --- team events --------------------------------------------------------------------------

    def team_events(self, team: _Team) -> list[dict[str, Any]]:
        out: list[tuple[int, dict[str, Any]]] = []
        days = self.days
        lead = {"actor_id": f"{team.id}-lead", "role": "team_lead"}
        system = {"actor_id": "settlement", "role": "system"}

        def add(d: int, kind: str, by: dict[str, str], period: str, **fields: Any) -> None:
            if d >= days:
                return
            out.append(
                (
                    d * _SLOTS + 10,
                    {
                        "type": kind,
                        "event_id": self.eid(),
                        "occurred_at": self.occ[d][10],
                        "recorded_by": dict(by),
                        "team_id": team.id,
                        "period": period,
                        **fields,
                    },
                )
            )

        for index, (_, hi, _, period) in enumerate(self.months):
            granted, delivered = self.granted[index], self.delivered[index]
            if hi >= days - 1:
                break  # the month has not ended inside the window
            variance = (
                Decimal(delivered - granted) * 100 / Decimal(granted) if granted else Decimal(0)
            )
            band = "inside"
            incentive = Decimal(0)
            if variance > 5:
                band = "overspend"
                cost = Decimal(delivered - granted) * _MINUTE_PRICE / 2
                cap = Decimal(granted) * _MINUTE_PRICE * Decimal("0.05")
                incentive = -min(cost, cap)
            elif variance < -5:
                band = "underspend"
                incentive = Decimal(granted - delivered) * _MINUTE_PRICE / 2
            if not self.chance(0.03):  # FRM-007 when never settled
                add(
                    hi + self.between(2, 10),
                    "PeriodSettled",
                    system,
                    period,
                    granted_minutes=granted,
                    delivered_minutes=delivered,
                    variance_pct=str(
                        variance.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)
                    ),
                    band=band,
                    incentive_amount=str(
                        incentive.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                    ),
                )
            quarter_end = int(period[5:7]) % 3 == 0
            if (band == "overspend" and not self.chance(0.3)) or (
                quarter_end and not self.chance(0.15)
            ):  # FRM-004 when an overspent month has no meeting
                held = hi + self.between(5, 25)
                add(
                    held,
                    "DialogueMeetingHeld",
                    lead,
                    period,
                    held_on=self.iso[held],
                    participants=["visitator", "team_lead"],
                    agreements=["Gennemgang af forbrug og rammer"],
                )
        out.sort(key=itemgetter(0))
        return [body for _, body in out]


def _round5(value: float) -> int:
    return max(5, int(value / 5 + 0.5) * 5)


def _mins(frames: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(f["minutes"], f["per"]) for f in frames]


def generate(
    *,
    citizens: int,
    start: date,
    months: int = 12,
    seed: int = 0,
    teams: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield the events of a synthetic municipality as JSON-ready dicts.

    ``citizens`` cases in ``teams`` teams (default ``citizens // 50``, at least one), over the
    window of ``months`` calendar months from ``start`` (see :func:`window`). Deterministic for
    a ``seed``: event ids are ``uuid4``-shaped, derived from the seed and a counter, unique in
    a run. Each yielded dict is new and owned by the caller. Raises :class:`ValueError` for
    fewer than one citizen, month or team, or more teams than citizens.
    """
    if citizens < 1:
        raise ValueError(f"citizens must be at least 1 (got {citizens})")
    if months < 1:
        raise ValueError(f"months must be at least 1 (got {months})")
    count = max(1, citizens // 50) if teams is None else teams
    if not 1 <= count <= citizens:
        raise ValueError(f"teams must be between 1 and citizens ({citizens}); got {count}")
    return _Gen(citizens, start, months, seed, count).run()


def write_jsonl(path: str | Path, **kwargs: Any) -> int:
    """Write :func:`generate`'s events (``kwargs`` are its arguments) to ``path``, one compact
    JSON document per line (pure ASCII: other characters are escaped); returns the number of
    events written."""
    dumps = json.JSONEncoder(separators=(",", ":")).encode  # ASCII: non-ASCII is escaped
    written = 0
    with open(path, "w", encoding="utf-8") as handle:
        buffer: list[str] = []
        for event in generate(**kwargs):
            buffer.append(dumps(event))
            written += 1
            if len(buffer) >= 4096:
                buffer.append("")
                handle.write("\n".join(buffer))
                buffer.clear()
        if buffer:
            buffer.append("")
            handle.write("\n".join(buffer))
    return written
