"""Private: :func:`erantis_rules.check_store`, the catalogue over a whole ``CaseStore``.

Reading the store through its notification log interleaves every case, so a check had to hold
every event until the end (``erantis check --db`` once spent most of its time replaying the
store into a list of events). The store keeps each case as one stream, so here the cases are read
one stream at a time (:meth:`CaseStore.streams <erantis_domain.store.CaseStore.streams>`),
folded, judged in chunks, and dropped; only team events (few) and the per-team-period sums
stay. The folding and judging are those of :func:`erantis_rules.check` (``_stream``), so the
findings are the same as ``check`` on the same events given as JSON lines.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, cast

from erantis_domain.asof import AsOf
from erantis_domain.events import DomainEvent
from erantis_rules.engine._batch import _judge_cases, _judge_teams, _Partial, version_windows
from erantis_rules.engine._judge import EvaluatorName, _evaluator, _finding, _order, windowed
from erantis_rules.engine._stream import _Folds, paused_gc
from erantis_rules.language.model import Finding
from erantis_rules.policy import Policy
from erantis_rules.policy_versions import PolicyHistory

if TYPE_CHECKING:  # the store pulls in eventsourcing; only its type is needed here
    from erantis_domain.store import CaseStore

__all__ = ["check_store"]

#: Cases folded before they are judged together (bounds the states alive at once).
_CHUNK = 256


def check_store(
    store: CaseStore,
    *,
    as_of: date | datetime | AsOf,
    policy: Policy | PolicyHistory | None = None,
    evaluator: EvaluatorName = "auto",
    digests: bool = True,
) -> list[Finding]:
    """Check every case and team period in ``store`` against the catalogue, as of a day.

    The same findings, in the same order, as :func:`~erantis_rules.check` over the same
    events given as JSON lines (each case's events in recording order), in memory bounded by
    the largest case rather than by the store. Cases are read one stream at a time, from the
    JSON the store validated when it was written (not re-validated; encrypted fields are
    decrypted with the store's cipher). ``digests`` (the default) checks each event against its
    chained digest on the way, as every other read of the store does; ``False`` skips that,
    trusting the database (positions are still checked). Damage raises
    :class:`~erantis_domain.errors.StoreCorruptedError`. The garbage collector is paused during
    the work and restored to the caller's setting.

    ``policy`` may be a :class:`~erantis_rules.policy_versions.PolicyHistory`, as in
    :func:`~erantis_rules.check`: the store is then read once per version.
    """
    when = AsOf.of(as_of)
    if isinstance(policy, PolicyHistory):
        found: list[Finding] = []
        for first, until, version in version_windows(policy):
            finding = windowed(first, until, when.day) if len(policy) > 1 else _finding
            found += _check(store, when, version.policy, evaluator, digests, finding)
        found.sort(key=_order)
        return found
    found = _check(store, when, policy or Policy(), evaluator, digests, _finding)
    found.sort(key=_order)
    return found


def _check(
    store: CaseStore,
    when: AsOf,
    policy: Policy,
    evaluator: EvaluatorName,
    digests: bool,
    finding: Callable[..., Finding | None],
) -> list[Finding]:
    chosen = _evaluator(policy, evaluator)
    try:
        with paused_gc():
            partials: list[_Partial] = []
            teams = _Folds(when)
            chunk = _Folds(when)
            for stream in store.streams(digests=digests):
                if stream.kind == "team":
                    for event in stream.events:
                        teams.add_team(event)
                    continue
                events = cast(list[DomainEvent], stream.events)
                # A whole case at once: nothing streamed before it, all of it after.
                chunk.finish(stream.key[0], [], list(enumerate(events)))
                if len(chunk.cases) >= _CHUNK:
                    partials.append(_judge_cases(chunk, policy, chosen, finding))
                    chunk = _Folds(when)
            partials.append(_judge_cases(chunk, policy, chosen, finding))
            partials.append(_Partial(teams=teams.teams, keys=set(teams.teams)))
            found = [f for part in partials for f in part.findings]
            found.extend(_judge_teams(partials, when, policy, chosen, finding))
    finally:
        chosen.close()
    return found
