"""``CaseStore``: the event store of citizen cases and team periods.

It wraps an ``eventsourcing`` application (an implementation detail: no eventsourcing type
appears in this module's public signatures). Each citizen case and each team settlement period
is one stream; :meth:`CaseStore.append` validates a batch, drops events already stored
(idempotent on ``event_id``), and writes the rest of the batch in one transaction, or nothing.

Configuration is explicit and in code: :meth:`CaseStore.sqlite` (the embedded default),
:meth:`CaseStore.memory` and :meth:`CaseStore.postgres`. The process environment is *not*
consulted, so an embedder's ``PERSISTENCE_MODULE`` or ``SQLITE_DBNAME`` can never move the data
somewhere else behind its back.
"""

from erantis_domain.store._backend import SSL_MODES
from erantis_domain.store.application import CaseStore
from erantis_domain.store.ids import case_stream_id, team_stream_id
from erantis_domain.store.results import (
    AppendResult,
    StoredEntry,
    StoredStream,
    TreeHead,
    VerifyReport,
)

__all__ = [
    "SSL_MODES",
    "AppendResult",
    "CaseStore",
    "StoredEntry",
    "StoredStream",
    "TreeHead",
    "VerifyReport",
    "case_stream_id",
    "team_stream_id",
]
