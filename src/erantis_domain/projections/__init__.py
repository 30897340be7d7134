"""Read models kept up to date from the store's notification log.

- :class:`BudgetLedger` — the team frame ledger (rammeregnskab) per team and settlement period,
  with per-citizen lines, band and incentive under :class:`SettlementTerms`.
- :func:`settle` — the rammeafregning: records ``PeriodSettled`` from the ledger, once.
- :func:`propose_corrections` / :func:`record_corrections` — ``SettlementCorrected`` for
  settled periods that events recorded later changed (the settlement itself stands).
- :func:`true_up` — the two-way true-up of a year's minutes to the actual price (ÆL § 19).
- :class:`DelegationRegister` — nursing-task delegations by delegate and delegating nurse,
  suspended ones, follow-ups due.

Every projection has ``position`` and ``catch_up(store) -> int``, and saves state and position
together to a :class:`CheckpointStore` (:class:`DirectoryCheckpoints`,
:class:`SqliteCheckpoints`, :class:`PostgresCheckpoints`, :class:`MemoryCheckpoints`, or your
own), so a restarted process
resumes where it stopped and never counts an event twice.
"""

from erantis_domain.projections.base import EventSource, Projection
from erantis_domain.projections.budget import (
    Band,
    BudgetLedger,
    CitizenLine,
    CorrectionTotals,
    SettledFigures,
    TeamLedger,
    band_of,
    ledger_of,
)
from erantis_domain.projections.checkpoints import (
    CheckpointStore,
    DirectoryCheckpoints,
    MemoryCheckpoints,
    PostgresCheckpoints,
    SealedCheckpoints,
    SqliteCheckpoints,
)
from erantis_domain.projections.corrections import propose_corrections, record_corrections
from erantis_domain.projections.delegations import (
    DelegationEntry,
    DelegationRegister,
    DelegationStatus,
    DueFollowUp,
)
from erantis_domain.projections.proration import prorate, to_ore, to_pct
from erantis_domain.projections.settlement import settle, settlement_event_id
from erantis_domain.projections.terms import SettlementTerms
from erantis_domain.projections.trueup import TrueUp, TrueUpLine, true_up

__all__ = [
    "Band",
    "BudgetLedger",
    "CheckpointStore",
    "CitizenLine",
    "CorrectionTotals",
    "DelegationEntry",
    "DelegationRegister",
    "DelegationStatus",
    "DirectoryCheckpoints",
    "DueFollowUp",
    "EventSource",
    "MemoryCheckpoints",
    "PostgresCheckpoints",
    "Projection",
    "SealedCheckpoints",
    "SettledFigures",
    "SettlementTerms",
    "SqliteCheckpoints",
    "TeamLedger",
    "TrueUp",
    "TrueUpLine",
    "band_of",
    "ledger_of",
    "propose_corrections",
    "prorate",
    "record_corrections",
    "settle",
    "settlement_event_id",
    "to_ore",
    "to_pct",
    "true_up",
]
