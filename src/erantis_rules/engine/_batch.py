"""Private: :func:`check`, the batch path: fold the events as they stream in, then judge.

The folding (time-ordered input in one pass, unordered input partitioned by case on disk) is
:mod:`erantis_rules.engine._stream`'s; this module judges the folded cases and the team periods
they add up to, in this process or split over spawned worker processes.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from erantis_domain.asof import AsOf
from erantis_domain.errors import InvalidEventError, RuleEngineError
from erantis_domain.events import DomainEvent
from erantis_domain.events.decode import _parse_at as _parse
from erantis_rules.engine._derive import FactSettings, team_facts
from erantis_rules.engine._judge import (
    EvaluatorName,
    _evaluator,
    _finding,
    _order,
    durable_available,
    windowed,
)
from erantis_rules.engine._partition import Item
from erantis_rules.engine._stream import (
    EventInput,
    TeamKey,
    Workers,
    _fold,
    _Folds,
    _read_lines,
    _route,
    paused_gc,
    resolve_workers,
)
from erantis_rules.language._facts import Fact
from erantis_rules.language.model import Finding
from erantis_rules.policy import Policy
from erantis_rules.policy_versions import PolicyHistory, PolicyVersion

__all__ = ["check", "stream_check"]

#: Cases judged per call of the evaluator: bounds the facts alive at once.
_JUDGE_CHUNK = 256


def check(
    events: Iterable[EventInput],
    *,
    as_of: date | datetime | AsOf,
    policy: Policy | PolicyHistory | None = None,
    evaluator: EvaluatorName = "auto",
    workers: Workers = 1,
) -> list[Finding]:
    """Check any mix of case and team events against the catalogue, as of a day.

    Events may come in any order (they are sorted by ``occurred_at``, ties in the order
    given) and may repeat (by ``event_id``). Returns findings sorted by subject, rule id, due
    date and evidence. ``evaluator`` picks durable-rules (``"auto"`` falls back to the
    reference evaluator, with one warning, where durable-rules does not import).

    ``events`` is read once when in time order (the usual export), keeping per case only its
    folded state; otherwise the rest is held by case in memory (a visit as about 100 bytes of
    plain values, another event as its line) and each case folded at the end; a case whose
    earlier events must be folded again has them read again (a one-shot iterator's lines are
    spilled into temporary files as they pass, removed afterwards). Raw JSON lines (``str``
    or ``bytes``) are the cheapest input. The garbage collector is paused during the work and
    restored to the caller's setting.

    ``workers`` greater than 1 splits the cases over that many spawned processes (``"auto"``:
    the cores available); the findings are the same as with one process, the default, so an
    embedding server never forks unless asked.

    ``policy`` may be a :class:`~erantis_rules.policy_versions.PolicyHistory`: each rule then
    judges a fact by the version in force on the fact's day (a decision's, a visit's, a
    period's first day; :func:`~erantis_rules.engine._judge.judged_day`), and a fact without
    a day by the version in force on ``as_of``; facts before the first version by the first.
    A history of several versions is checked in one process, once per version.
    """
    when = AsOf.of(as_of)
    if isinstance(policy, PolicyHistory):
        if len(policy) > 1:
            return _check_versions(events, when, policy, evaluator)
        policy = policy.versions[0].policy
    processes = resolve_workers(workers)
    policy = policy or Policy()
    chosen = _evaluator(policy, evaluator)
    try:
        found = stream_check(
            events,
            as_of=when,
            policy=policy,
            evaluator=chosen,
            finding=_finding,
            workers=processes,
            evaluator_name=chosen.name,
        )
    finally:
        chosen.close()
    found.sort(key=_order)
    return found


def _check_versions(
    events: Iterable[EventInput], when: AsOf, history: PolicyHistory, evaluator: EvaluatorName
) -> list[Finding]:
    kept = list(events)  # read once per version
    found: list[Finding] = []
    for first, until, version in version_windows(history):
        chosen = _evaluator(version.policy, evaluator)
        try:
            found += stream_check(
                kept,
                as_of=when,
                policy=version.policy,
                evaluator=chosen,
                finding=windowed(first, until, when.day),
                workers=1,
                evaluator_name=chosen.name,
            )
        finally:
            chosen.close()
    found.sort(key=_order)
    return found


def version_windows(
    history: PolicyHistory,
) -> list[tuple[date | None, date | None, PolicyVersion]]:
    """Each version with the days its rules judge: from its ``valid_from`` (the first
    version: from the beginning) until the next version's."""
    versions = history.versions
    return [
        (
            None if index == 0 else version.valid_from,
            versions[index + 1].valid_from if index + 1 < len(versions) else None,
            version,
        )
        for index, version in enumerate(versions)
    ]


# --- judging -------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Partial:
    """What one process found: its cases' findings and their sums per team period."""

    findings: list[Finding] = field(default_factory=list)
    granted: dict[TeamKey, int] = field(default_factory=dict)
    delivered: dict[TeamKey, int] = field(default_factory=dict)
    #: Team periods some case contributes to (even with zero minutes).
    keys: set[TeamKey] = field(default_factory=set)
    teams: dict[TeamKey, list[DomainEvent]] = field(default_factory=dict)


def _judge_cases(
    folds: _Folds, policy: Policy, evaluator: Any, finding: Callable[..., Finding | None]
) -> _Partial:
    out = _Partial(teams=folds.teams)
    params = dict(policy)
    day = folds.when.day
    settings = FactSettings.of(policy)
    cases = folds.cases
    chunk: list[tuple[str, list[Fact]]] = []

    def judge() -> None:
        for subject, rule, fact in evaluator.evaluate(chunk, day):
            # None: the match is judged by another policy version (``windowed``).
            if (found := finding(subject, rule, fact, params)) is not None:
                out.findings.append(found)
        chunk.clear()

    for case_id in sorted(cases):
        # A case's state is dropped once judged: only its findings and minutes remain.
        state = cases.pop(case_id).state
        facts = settings.facts(state, day)
        for totals, part in (
            (out.granted, facts.load.granted),
            (out.delivered, facts.load.delivered),
        ):
            for key, minutes in part.items():
                totals[key] = totals.get(key, 0) + minutes
                out.keys.add(key)
        chunk.append((case_id, facts.facts))
        if len(chunk) >= _JUDGE_CHUNK:
            judge()
    if chunk:
        judge()
    return out


def _judge_teams(
    partials: list[_Partial],
    when: AsOf,
    policy: Policy,
    evaluator: Any,
    finding: Callable[..., Finding | None],
) -> list[Finding]:
    granted: dict[TeamKey, int] = {}
    delivered: dict[TeamKey, int] = {}
    keys: set[TeamKey] = set()
    teams: dict[TeamKey, list[DomainEvent]] = {}
    for part in partials:
        for totals, add in ((granted, part.granted), (delivered, part.delivered)):
            for key, minutes in add.items():
                totals[key] = totals.get(key, 0) + minutes
        keys |= part.keys
        for key, events in part.teams.items():
            teams.setdefault(key, []).extend(events)
        keys |= part.teams.keys()
    subjects = [
        (
            f"{key[0]}/{key[1]}",
            team_facts(
                key[0], key[1], granted.get(key, 0), delivered.get(key, 0), teams.get(key, ())
            ),
        )
        for key in sorted(keys)
    ]
    params = dict(policy)
    matched = evaluator.evaluate(subjects, when.day)
    return [found for s, r, f in matched if (found := finding(s, r, f, params)) is not None]


# --- entry points ------------------------------------------------------------------------------


def stream_check(
    events: Iterable[EventInput],
    *,
    as_of: AsOf,
    policy: Policy,
    evaluator: Any,
    finding: Callable[..., Finding | None],
    workers: int,
    evaluator_name: str,
) -> list[Finding]:
    """Findings of ``events`` as of a day (unsorted; the caller sorts)."""
    if isinstance(events, str | bytes) or not isinstance(events, Iterable):
        raise InvalidEventError(
            f"expected an iterable of events, got {type(events).__name__}",
        )
    with paused_gc():
        if workers > 1:
            partials = _parallel(events, as_of, policy, workers, evaluator_name)
        else:
            if iter(events) is events:  # one pass only
                items: Callable[[], Iterator[Item]] | Iterator[Item] = enumerate(events)
            else:
                items = lambda: enumerate(events)  # noqa: E731
            folds = _fold(as_of, items)
            partials = [_judge_cases(folds, policy, evaluator, finding)]
        found = [f for part in partials for f in part.findings]
        found.extend(_judge_teams(partials, as_of, policy, evaluator, finding))
    return found


def _parallel(
    events: Iterable[EventInput], as_of: AsOf, policy: Policy, workers: int, evaluator: str
) -> list[_Partial]:
    """Split case events by case over ``workers`` spawned processes; team events stay here."""
    teams = _Folds(as_of)
    # Spawned, not forked: a fork would copy an embedder's threads and locks. The executor
    # (unlike multiprocessing.Pool) fails when a worker dies instead of waiting for it. The
    # workers start (and import the rules) while this process partitions the input.
    context = multiprocessing.get_context("spawn")
    with (
        tempfile.TemporaryDirectory(prefix="erantis-check-") as tmp,
        ProcessPoolExecutor(workers, mp_context=context, initializer=_ready) as pool,
    ):
        try:
            pool.submit(_ready)
            paths = [Path(tmp) / f"part-{n}.jsonl" for n in range(workers)]
            with contextlib.ExitStack() as stack:
                files = [stack.enter_context(open(p, "wb", buffering=1 << 16)) for p in paths]
                for index, item in enumerate(events):
                    case_id, raw, parsed = _route(index, item)
                    if case_id is None:
                        teams.add_team(parsed if parsed is not None else _parse(index, item))
                    else:
                        part = files[zlib.crc32(case_id.encode()) % workers]
                        part.write(b"%d\t%s\n" % (index, raw))
            futures = [pool.submit(_work, str(p), as_of, policy, evaluator) for p in paths]
            partials = [future.result() for future in futures]
        except BrokenProcessPool:
            raise RuleEngineError(
                "a worker process of check stopped unexpectedly (out of memory, or a "
                "script that starts workers without an `if __name__ == '__main__':` guard)"
            ) from None
    partials.append(_Partial(teams=teams.teams, keys=set(teams.teams)))
    return partials


def _ready() -> None:
    """In a worker process, before any work: import what the work needs."""
    durable_available()


def _work(path: str, as_of: AsOf, policy: Policy, which: str) -> _Partial:
    """In a worker process: fold and judge the cases of one partition file."""
    evaluator = _evaluator(policy, which)  # type: ignore[arg-type]
    try:
        with paused_gc():
            folds = _fold(as_of, lambda: _read_lines(Path(path)))
            return _judge_cases(folds, policy, evaluator, _finding)
    finally:
        evaluator.close()
