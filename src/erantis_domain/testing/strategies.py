"""Hypothesis strategies of erantis events, for embedders' property tests and our own.

All strategies take keyword arguments only and generate *valid* events: every event is built
through :func:`~erantis_domain.events.parse_event`, so it satisfies the JSON Schemas in
``specs/schemas/``. Histories shrink towards short, readable ones (few events, small numbers,
ids such as ``case-0001``).

- :func:`events`: any single valid event (independent of any history).
- :func:`case_histories`: one citizen's causally ordered case, as a :class:`History`.
- :func:`team_periods`: one team's settlement period, as a :class:`TeamHistory`.
- :func:`municipalities`: several cases over a few teams sharing one ``as_of``.
- :func:`policies`: dicts of policy overrides (field names of ``erantis_rules.Policy``).

The ``as_of`` convention: a history is judged at its ``as_of`` (a date, the last day counted).
``case_histories(compliant=True)`` gives histories that, checked with the default policy at
their ``as_of`` (case events plus ``team_events``), should give no finding of any rule.
``violating={"DOC-002"}`` follows the same recipe but injects facts breaking each named rule.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from hypothesis import strategies as st

from erantis_domain.events import EVENT_TYPES, Event, parse_event
from erantis_domain.testing._plan import CasePlan, settlement_events
from erantis_domain.testing._recipe import SUPPORTED_CASE_RULES, draw_case_plan
from erantis_domain.testing._single import payloads
from erantis_domain.values import period_bounds
from erantis_rules.policy import Policy

_DEFAULT_POLICY = Policy()

__all__ = [
    "POLICY_DEFAULTS",
    "SUPPORTED_CASE_VIOLATIONS",
    "SUPPORTED_TEAM_VIOLATIONS",
    "History",
    "Municipality",
    "TeamHistory",
    "case_histories",
    "events",
    "municipalities",
    "policies",
    "team_periods",
]

#: Rule ids :func:`case_histories` can inject with ``violating=``.
SUPPORTED_CASE_VIOLATIONS: frozenset[str] = SUPPORTED_CASE_RULES
#: Rule ids :func:`team_periods` can inject with ``violating=``.
SUPPORTED_TEAM_VIOLATIONS: frozenset[str] = frozenset({"FRM-007"})

#: The policy's defaults (DOMAIN.md), by ``Policy`` field name: read from ``Policy`` itself, the
#: one place they are written (the settlement terms and the rules' thresholds).
POLICY_DEFAULTS: dict[str, Any] = {
    name: getattr(_DEFAULT_POLICY, name)
    for name in (
        "adjustment_tolerance_pct",
        "settlement_band_pct",
        "gain_share_provider_pct",
        "loss_cap_pct",
        "minute_price",
        "case_follow_up_max_days",
        "delegation_follow_up_max_days",
        "rehab_max_weeks",
        "reassess_after_rehab_days",
        "continuity_max_carers",
        "continuity_window_days",
        "suspend_on_admission",
        "suspend_on_admission_days",
        "assessment_max_age_days",
        "dialogue_after_overspend_days",
        "settlement_deadline_days",
    )
}

_CASE_IDS = tuple(f"case-{n:04d}" for n in range(1, 10))
_TEAM_IDS = ("team-1", "team-2", "team-3")
_STARTS = st.dates(date(2026, 1, 1), date(2026, 3, 31))
_IDS = uuid5(NAMESPACE_URL, "https://erantis.dk/testing/team")


@dataclass(frozen=True)
class History:
    """One generated citizen's case: its events in causal order and the day to judge it at.

    ``team_events`` holds the settlements of the case's team for the months that ended before
    ``as_of`` (so that a compliant history is also compliant at team level). ``violating`` is
    the set of rules the history was made to break.
    """

    case_id: str
    events: tuple[Event, ...]
    as_of: date
    team_events: tuple[Event, ...] = ()
    violating: frozenset[str] = frozenset()

    @property
    def all_events(self) -> tuple[Event, ...]:
        """Case events then team events."""
        return self.events + self.team_events


@dataclass(frozen=True)
class TeamHistory:
    """One generated team settlement period: its events and the day to judge it at."""

    team_id: str
    period: str
    events: tuple[Event, ...]
    as_of: date
    violating: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Municipality:
    """Several generated cases over a few teams, with the teams' settlements, judged at one
    common ``as_of``."""

    cases: tuple[History, ...]
    team_events: tuple[Event, ...]
    as_of: date

    @property
    def all_events(self) -> tuple[Event, ...]:
        """Every event: the cases' in case order, then the teams'."""
        return tuple(e for h in self.cases for e in h.events) + self.team_events


def events(*, types: Iterable[str] | None = None) -> st.SearchStrategy[Event]:
    """Any single valid event, of one of ``types`` (event type names; default: all 21).

    The events are independent: ids, dates and codes are drawn freely, so they are valid but
    not part of any meaningful history. Raises ``ValueError`` for an unknown type name.
    """
    kinds = sorted(EVENT_TYPES) if types is None else list(types)
    if not kinds:
        raise ValueError("types must name at least one event type")
    return st.one_of([payloads(kind) for kind in kinds]).map(parse_event)


def _check_violating(violating: Collection[str], supported: frozenset[str]) -> frozenset[str]:
    wanted = frozenset(violating)
    unsupported = wanted - supported
    if unsupported:
        raise ValueError(
            f"cannot inject {sorted(unsupported)}; supported here: {sorted(supported)}"
        )
    return wanted


def _as_of(draw: st.DrawFn, plans: Iterable[CasePlan]) -> date:
    floor = max(max(p.last_day, p.min_as_of) for p in plans)
    return floor + timedelta(days=draw(st.integers(0, 20)))


def case_histories(
    *,
    case_id: str | None = None,
    team_id: str | None = None,
    compliant: bool = False,
    violating: Collection[str] = frozenset(),
    start: date | None = None,
) -> st.SearchStrategy[History]:
    """Valid, causally ordered histories of one citizen's case.

    The recipe: ``CaseOpened`` and ``ReferralReceived``; ``FunctionalAbilityAssessed`` (and
    ``HealthConditionAssessed`` when the case has nursing); ``RehabilitationPotentialAssessed``;
    optionally a §83a course started and ended; ``VisitationGranted`` under SEL §83 (and SUL §138
    for nursing), maybe a ``VisitationRejected``; then visits, team adjustments, delegations,
    revisions; follow-ups by their due dates; optionally an admission (delegations suspended) and
    a discharge; optionally ``CaseClosed``.

    - ``compliant=True``: every practice is good, with margins (see the module docstring).
    - ``violating``: rule ids to break, the rest as compliant; must be a subset of
      :data:`SUPPORTED_CASE_VIOLATIONS` (team-level FRM-004 and FRM-007 are not: use
      :func:`team_periods`), else ``ValueError``. Cannot be combined with ``compliant=True``.
    - neither: questionable practices (missing goals, reasons, guidance, unverified delegates,
      adjustments without the citizen ...) are drawn freely.

    ``case_id``/``team_id`` default to small sampled ids; ``start`` (the opening day) defaults
    to a day in the first quarter of 2026.
    """
    wanted = _check_violating(violating, SUPPORTED_CASE_VIOLATIONS)
    if compliant and wanted:
        raise ValueError("a history cannot be compliant and violate rules at once")

    @st.composite
    def build(draw: st.DrawFn) -> History:
        cid = case_id or draw(st.sampled_from(_CASE_IDS))
        tid = team_id or draw(st.sampled_from(_TEAM_IDS))
        day = start or draw(_STARTS)
        plan = draw_case_plan(
            draw, case_id=cid, team_id=tid, start=day, compliant=compliant, violating=wanted
        )
        as_of = _as_of(draw, [plan])
        case_events = plan.finish(as_of)
        settled = settlement_events(tid, [plan], as_of, draw(st.integers(1, 20)))
        return History(cid, case_events, as_of, settled, wanted)

    return build()


def municipalities(
    *,
    n_cases: int | tuple[int, int] = (1, 4),
    n_teams: int = 2,
    compliant: bool = False,
) -> st.SearchStrategy[Municipality]:
    """Several case histories (ids ``case-0001`` ...) over up to ``n_teams`` teams, sharing one
    ``as_of``, with the teams' monthly settlements. ``n_cases`` is a count or a ``(min, max)``
    range. ``compliant`` as in :func:`case_histories`."""
    low, high = (n_cases, n_cases) if isinstance(n_cases, int) else n_cases
    if not 1 <= low <= high or not 1 <= n_teams <= len(_TEAM_IDS):
        raise ValueError("need 1 <= n_cases and 1 <= n_teams <= 3")

    @st.composite
    def build(draw: st.DrawFn) -> Municipality:
        count = draw(st.integers(low, high))
        first = draw(_STARTS)
        plans: list[CasePlan] = []
        for n in range(1, count + 1):
            team = draw(st.sampled_from(_TEAM_IDS[:n_teams]))
            day = first + timedelta(days=draw(st.integers(0, 30)))
            plans.append(
                draw_case_plan(
                    draw,
                    case_id=f"case-{n:04d}",
                    team_id=team,
                    start=day,
                    compliant=compliant,
                    violating=frozenset(),
                )
            )
        as_of = _as_of(draw, plans)
        cases = tuple(History(p.case_id, p.finish(as_of), as_of) for p in plans)
        after = draw(st.integers(1, 20))
        team_events: list[Event] = []
        for team in sorted({p.team_id for p in plans}):
            mine = [p for p in plans if p.team_id == team]
            team_events.extend(settlement_events(team, mine, as_of, after))
        return Municipality(cases, tuple(team_events), as_of)

    return build()


def _team_event(team_id: str, period: str, kind: str, day: date, **fields: Any) -> Event:
    role = "system" if kind == "PeriodSettled" else "team_lead"
    return parse_event(
        {
            "type": kind,
            "event_id": str(uuid5(_IDS, f"{team_id}/{period}/{kind}")),
            "occurred_at": datetime.combine(day, time(12), UTC).isoformat(),
            # Who may record it under the default append policy.
            "recorded_by": {"actor_id": f"{role}-1", "role": role},
            "team_id": team_id,
            "period": period,
            **fields,
        }
    )


def team_periods(
    *,
    team_id: str | None = None,
    period: str | None = None,
    violating: Collection[str] = frozenset(),
) -> st.SearchStrategy[TeamHistory]:
    """A team's settlement period: maybe a ``DialogueMeetingHeld``, and a ``PeriodSettled``
    within the deadline once the period has ended before ``as_of``. ``violating={"FRM-007"}``
    gives a dialogue meeting but no settlement, with ``as_of`` more than 30 days after the
    period's end; other ids raise ``ValueError`` (see :data:`SUPPORTED_TEAM_VIOLATIONS`).
    Combine with case events of the team (e.g. :func:`municipalities`) for FRM-004."""
    wanted = _check_violating(violating, SUPPORTED_TEAM_VIOLATIONS)

    @st.composite
    def build(draw: st.DrawFn) -> TeamHistory:
        tid = team_id or draw(st.sampled_from(_TEAM_IDS))
        month = period or draw(_STARTS).strftime("%Y-%m")
        _, last = period_bounds(month)
        late = "FRM-007" in wanted
        as_of = last + timedelta(days=draw(st.integers(31, 90) if late else st.integers(0, 60)))
        out: list[Event] = []
        # An unsettled period is visible to the rules only through some activity of the team:
        # the FRM-007 variant always has its dialogue meeting.
        if late or draw(st.booleans()):
            held = min(last + timedelta(days=draw(st.integers(-10, 20))), as_of)
            out.append(
                _team_event(
                    tid, month, "DialogueMeetingHeld", held,
                    held_on=held.isoformat(), participants=["visitator", "team_lead"],
                    agreements=[],
                )
            )  # fmt: skip
        if not late and as_of > last:
            granted = draw(st.integers(0, 20_000))
            delivered = min(granted + granted // 20, draw(st.integers(0, 20_000)))
            variance = Decimal(delivered - granted) * 100 / granted if granted else Decimal(0)
            band = "inside" if abs(variance) <= 5 else "underspend"
            day = min(last + timedelta(days=draw(st.integers(1, 30))), as_of)
            out.append(
                _team_event(
                    tid, month, "PeriodSettled", day,
                    granted_minutes=granted, delivered_minutes=delivered,
                    variance_pct=str(variance.quantize(Decimal("0.0001"))), band=band,
                    incentive_amount="0.00",
                )
            )  # fmt: skip
        out.sort(key=lambda e: e.occurred_at)
        return TeamHistory(tid, month, tuple(out), as_of, wanted)

    return build()


_POLICY_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "adjustment_tolerance_pct": st.integers(0, 25),
    "settlement_band_pct": st.integers(0, 15),
    "gain_share_provider_pct": st.integers(0, 100),
    "loss_cap_pct": st.integers(0, 20),
    "minute_price": st.decimals(Decimal("1.00"), Decimal("20.00"), places=2),
    "case_follow_up_max_days": st.integers(30, 730),
    "delegation_follow_up_max_days": st.integers(14, 180),
    "rehab_max_weeks": st.integers(1, 26),
    "reassess_after_rehab_days": st.integers(1, 60),
    "continuity_max_carers": st.integers(1, 12),
    "continuity_window_days": st.integers(7, 28),
    "suspend_on_admission": st.booleans(),
    "suspend_on_admission_days": st.integers(0, 7),
    "assessment_max_age_days": st.integers(90, 730),
    "dialogue_after_overspend_days": st.integers(7, 90),
    "settlement_deadline_days": st.integers(7, 90),
}


def policies(*, fields: Iterable[str] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts of policy overrides within sensible ranges, each key optional (an empty dict is
    the default policy). ``fields`` limits which keys may appear (names of
    :data:`POLICY_DEFAULTS`; an unknown name raises ``ValueError``). Pass the dict to
    ``Policy.build(**overrides)`` of the rules package."""
    names = list(_POLICY_FIELDS) if fields is None else list(fields)
    unknown = sorted(set(names) - _POLICY_FIELDS.keys())
    if unknown:
        raise ValueError(f"unknown policy fields {unknown}; known: {sorted(_POLICY_FIELDS)}")
    return st.fixed_dictionaries({}, optional={name: _POLICY_FIELDS[name] for name in names})
