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

The generator does not need hypothesis (the ``testing`` extra): ``erantis demo`` uses it.
Modules: :mod:`.calendar` (window, days, slots), :mod:`.team`, :mod:`.citizen` (one citizen's
life), :mod:`.decisions`, :mod:`.delegations`, :mod:`.visits`, :mod:`.team_events` (settlements
and meetings); settlement figures follow :class:`~erantis_domain.projections.SettlementTerms`
and granted minutes are prorated by :func:`~erantis_domain.projections.proration.prorate`.

Order of the stream: team by team, each citizen's events sorted by ``occurred_at``, then the
team's events sorted by ``occurred_at``. Every event occurs inside the window
``[start, start + months)``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from erantis_domain.testing.synthetic.calendar import window
from erantis_domain.testing.synthetic.citizen import citizen_events
from erantis_domain.testing.synthetic.municipality import Municipality
from erantis_domain.testing.synthetic.team_events import team_events

__all__ = ["generate", "window", "write_jsonl"]


def _run(town: Municipality) -> Iterator[dict[str, Any]]:
    for team, members in town.members():
        for index in members:
            yield from citizen_events(town, index, team)
        yield from team_events(town, team)


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
    return _run(Municipality(citizens, start, months, seed, count))


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
