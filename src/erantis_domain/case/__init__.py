"""The two aggregates as plain state, and the pure ``evolve`` that folds events into them.

``CitizenCase`` is what erantis knows of one citizen's case (borgerens sag): decisions with what
the case knew when each was made, team adjustments, visits, delegations, follow-ups, admissions
and assessments. ``TeamPeriod`` is one team's settlement period: dialogue meetings and the
settlement. Both are frozen; ``evolve`` returns a new state and never touches storage.

This is the one place case events become state. Everything else asks the state: when a
decision is in force (:meth:`CitizenCase.in_force`, :func:`in_force`), its status on a day,
the frames that count, stays, deliveries. The settlement ledger and the rules' facts read it.
"""

from __future__ import annotations

from erantis_domain.case._evolve import evolve, evolve_all, fold, fold_as_of
from erantis_domain.case._state import (
    AdjustmentState,
    Admission,
    AgreementState,
    Certificate,
    CitizenCase,
    CourseState,
    DecisionState,
    DecisionStatus,
    Decline,
    DelegationState,
    FollowUp,
    FunctionalAssessment,
    InForce,
    MeetingState,
    NeedsReport,
    OwnHelper,
    ProviderChoice,
    SettlementState,
    Swap,
    TargetGroup,
    TeamPeriod,
    TrialStep,
    earliest_revision,
    in_force,
)
from erantis_domain.case._team import evolve_team, fold_team
from erantis_domain.case._visits import Visit, VisitLog

__all__ = [
    "AdjustmentState",
    "Admission",
    "AgreementState",
    "Certificate",
    "CitizenCase",
    "CourseState",
    "DecisionState",
    "DecisionStatus",
    "Decline",
    "DelegationState",
    "FollowUp",
    "FunctionalAssessment",
    "InForce",
    "MeetingState",
    "NeedsReport",
    "OwnHelper",
    "ProviderChoice",
    "SettlementState",
    "Swap",
    "TargetGroup",
    "TeamPeriod",
    "TrialStep",
    "Visit",
    "VisitLog",
    "earliest_revision",
    "evolve",
    "evolve_all",
    "evolve_team",
    "fold",
    "fold_as_of",
    "fold_team",
    "in_force",
]
