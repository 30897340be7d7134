"""erantis_domain: the facts of dialogue-based BUM steering of home care.

Events (what happened to a citizen's case and to a team's settlement period), the pure
aggregates folded from them, and the event store. See the README for a tour.
"""

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
from erantis_domain.cipher import FieldCipher
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
from erantis_domain.store import AppendResult, CaseStore, StoredEntry, VerifyReport
from erantis_domain.values import Actor, Frame, LegalBasis, Role

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
    "TeamPeriod",
    "UnknownCaseError",
    "VerifyReport",
    "event_json_schema",
    "evolve",
    "evolve_team",
    "fold",
    "fold_team",
    "parse_event",
    "parse_events",
]
