"""erantis_domain: the facts of dialogue-based BUM steering of home care.

Events (what happened to a citizen's case and to a team's settlement period), the pure
aggregates folded from them, and the event store. See the README for a tour.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _distribution_version
from typing import TYPE_CHECKING, Any

from erantis_domain.authority import AppendPolicy
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
    ForbiddenError,
    InvalidArgumentError,
    InvalidEventError,
    InvalidPolicyError,
    RuleEngineError,
    SettlementError,
    StoreConfigurationError,
    StoreCorruptedError,
    StoreKeyError,
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
from erantis_domain.values import Actor, Frame, LegalBasis, Role

if TYPE_CHECKING:
    from erantis_domain.store import (
        AppendResult,
        CaseStore,
        StoredEntry,
        StoredStream,
        VerifyReport,
    )
    from erantis_domain.store.keys import FieldCipher

#: Imported on first use: the store pulls in eventsourcing, which code that only validates
#: events or runs the rules never needs (import time, see the README).
_LAZY = {
    "AppendResult": "erantis_domain.store",
    "CaseStore": "erantis_domain.store",
    "FieldCipher": "erantis_domain.store.keys",
    "StoredEntry": "erantis_domain.store",
    "StoredStream": "erantis_domain.store",
    "VerifyReport": "erantis_domain.store",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


try:
    __version__ = _distribution_version("erantis")
except PackageNotFoundError:  # pragma: no cover - a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "EVENT_TYPES",
    "Actor",
    "AppendPolicy",
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
    "FieldCipher",
    "FieldProblem",
    "ForbiddenError",
    "Frame",
    "InvalidArgumentError",
    "InvalidEventError",
    "InvalidPolicyError",
    "LegalBasis",
    "Role",
    "RuleEngineError",
    "SettlementError",
    "StoreConfigurationError",
    "StoreCorruptedError",
    "StoreKeyError",
    "StoredEntry",
    "StoredStream",
    "TeamPeriod",
    "UnknownCaseError",
    "VerifyReport",
    "__version__",
    "event_json_schema",
    "evolve",
    "evolve_team",
    "fold",
    "fold_team",
    "parse_event",
    "parse_events",
]
