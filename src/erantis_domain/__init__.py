"""erantis_domain: the facts of dialogue-based BUM steering of home care.

Events (what happened to a citizen's case and to a team's settlement period), the pure
aggregates folded from them, and the event store. See the README for a tour.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _distribution_version

from erantis_domain.case import (
    CitizenCase,
    DecisionState,
    DelegationState,
    TeamPeriod,
    evolve,
    evolve_team,
    fold,
    fold_team,
)
from erantis_domain.errors import (
    ConcurrencyConflict,
    ErantisError,
    EventIdReused,
    FieldProblem,
    InvalidArgumentError,
    InvalidEventError,
    InvalidPolicyError,
    RuleEngineError,
    SettlementError,
    StoreConfigurationError,
    UnknownCaseError,
)
from erantis_domain.events import (
    EVENT_TYPES,
    DomainEvent,
    Event,
    event_json_schema,
    parse_event,
    parse_events,
)
from erantis_domain.store import AppendResult, CaseStore, StoredEntry
from erantis_domain.values import Actor, Frame, LegalBasis, Role

try:
    __version__ = _distribution_version("erantis")
except PackageNotFoundError:  # pragma: no cover - a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "EVENT_TYPES",
    "Actor",
    "AppendResult",
    "CaseStore",
    "CitizenCase",
    "ConcurrencyConflict",
    "DecisionState",
    "DelegationState",
    "DomainEvent",
    "ErantisError",
    "Event",
    "EventIdReused",
    "FieldProblem",
    "Frame",
    "InvalidArgumentError",
    "InvalidEventError",
    "InvalidPolicyError",
    "LegalBasis",
    "Role",
    "RuleEngineError",
    "SettlementError",
    "StoreConfigurationError",
    "StoredEntry",
    "TeamPeriod",
    "UnknownCaseError",
    "__version__",
    "event_json_schema",
    "evolve",
    "evolve_team",
    "fold",
    "fold_team",
    "parse_event",
    "parse_events",
]
