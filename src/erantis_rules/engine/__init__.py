"""The engine: the catalogue applied to events, as of a day.

- :func:`check` (``_batch``, folding in ``_stream``): a one-off check of any events, streaming
  and bounded in memory, optionally over worker processes;
- :func:`check_store` (``_stored``): every case and team period of a ``CaseStore``, one stream
  at a time;
- :class:`RuleEngine` (``_warm``, with ``_history``, ``_seen``, ``_verdicts``,
  ``_warm_facts``): incremental evaluation for long-running embedders;
- ``_derive`` (with ``_group_facts``): a case's facts, a pure function of its state and the day;
- ``_judge``: which evaluator judges, and the finding made of a match.

Time comes only from the events (``occurred_at``) and from ``as_of``, never from the wall clock:
the same events, policy and ``as_of`` give the same findings, in the same order. Events that
occurred after ``as_of`` are not yet known and are left out.
"""

from erantis_rules.engine._batch import check
from erantis_rules.engine._judge import EvaluatorName, durable_available
from erantis_rules.engine._stored import check_store
from erantis_rules.engine._stream import Workers
from erantis_rules.engine._warm import FindingChanges, RuleEngine

__all__ = [
    "EvaluatorName",
    "FindingChanges",
    "RuleEngine",
    "Workers",
    "check",
    "check_store",
    "durable_available",
]
