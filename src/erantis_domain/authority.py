"""Who may record what: the append policy of a store.

An :class:`AppendPolicy` is data: for each event type, the roles whose members may record it
(``recorded_by.role``). :meth:`AppendPolicy.default` follows the division of labour of Danish
home care: only a visitator decides (grants, revises, rejects), only the system or a controller
settles a period, only a nurse delegates, suspends or revokes a nursing task, the team lead
adjusts time and holds the dialogue meeting, carers deliver visits. A municipality overrides
entries with :meth:`AppendPolicy.with_roles`.

A store configured with a policy refuses an event recorded by another role, and
:meth:`~erantis_domain.store.CaseStore.append` given the authenticated ``principal`` refuses an
event whose ``recorded_by`` is someone else; both with
:class:`~erantis_domain.errors.ForbiddenError` (``E-FORBIDDEN``), storing nothing.

``recorded_by`` is what the caller says about itself: a policy without a principal would
judge a role anyone can forge. So an append under a policy needs the principal, unless the
policy says explicitly that ``recorded_by`` is trusted (:meth:`AppendPolicy.trusting_recorded_by`,
for an importer of another system's records).

A questionable practice is still a fact: the policy says who may *record* an event, not what
it may say. A nurse may record that an SSH delegated a task (``delegator_role: ssh``); the
rules judge it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from erantis_domain.errors import ForbiddenError, InvalidPolicyError
from erantis_domain.events import EVENT_TYPES, DomainEvent
from erantis_domain.values import Actor, Role

__all__ = ["DEFAULT_RECORDERS", "AppendPolicy"]

_R = Role
_DECIDERS = frozenset({_R.VISITATOR})
_CARERS = frozenset({_R.SSH, _R.SSA, _R.NURSE, _R.THERAPIST, _R.SYSTEM})

#: The roles that may record each event type by default.
DEFAULT_RECORDERS: Mapping[str, frozenset[Role]] = MappingProxyType(
    {
        "CaseOpened": frozenset({_R.VISITATOR, _R.SYSTEM}),
        "ReferralReceived": frozenset({_R.VISITATOR, _R.SYSTEM}),
        "FunctionalAbilityAssessed": frozenset({_R.VISITATOR, _R.THERAPIST, _R.NURSE}),
        "HealthConditionAssessed": frozenset({_R.NURSE}),
        "RehabilitationPotentialAssessed": frozenset({_R.VISITATOR, _R.THERAPIST}),
        # The target group is the municipality's assessment (ÆL §2 stk. 3): the visitation.
        "TargetGroupAssessed": frozenset({_R.VISITATOR}),
        "RehabilitationCourseStarted": frozenset({_R.THERAPIST, _R.VISITATOR}),
        "RehabilitationCourseEnded": frozenset({_R.THERAPIST, _R.VISITATOR}),
        "VisitationGranted": _DECIDERS,
        "VisitationRevised": _DECIDERS,
        "VisitationRejected": _DECIDERS,
        "VisitDelivered": _CARERS,
        # The carer who made the swap with the citizen, or the team lead.
        "HelpSwapped": _CARERS | {_R.TEAM_LEAD},
        "VisitDeclined": _CARERS | {_R.TEAM_LEAD},
        # The visitation records the citizen's choice and approves a helper (ÆL §§18, 20); a
        # provider's team lead or nurse reports changed needs (BEK 594/2025 §3).
        "ProviderChosen": _DECIDERS,
        "FreeChoiceCertificateDecided": _DECIDERS,
        "ChangedNeedsReported": frozenset({_R.TEAM_LEAD, _R.NURSE, _R.SSA}),
        "OwnHelperApproved": _DECIDERS,
        "TimeAdjustedByTeam": frozenset({_R.TEAM_LEAD}),
        "NursingTaskDelegated": frozenset({_R.NURSE}),
        "DelegationSuspended": frozenset({_R.NURSE}),
        "DelegationRevoked": frozenset({_R.NURSE}),
        "FollowUpRecorded": frozenset({_R.VISITATOR, _R.NURSE, _R.THERAPIST}),
        "CitizenAdmitted": frozenset({_R.VISITATOR, _R.NURSE, _R.SYSTEM}),
        "CitizenDischarged": frozenset({_R.VISITATOR, _R.NURSE, _R.SYSTEM}),
        "CaseClosed": frozenset({_R.VISITATOR, _R.SYSTEM}),
        "DialogueMeetingHeld": frozenset({_R.TEAM_LEAD, _R.VISITATOR}),
        "ImprovementTrialRecorded": frozenset({_R.TEAM_LEAD, _R.VISITATOR}),
        "PeriodSettled": frozenset({_R.SYSTEM, _R.CONTROLLER}),
        "SettlementCorrected": frozenset({_R.SYSTEM, _R.CONTROLLER}),
        # The purchaser's controller records the terms the municipality adopted.
        "PolicyVersionAdopted": frozenset({_R.CONTROLLER, _R.SYSTEM}),
    }
)


class AppendPolicy:
    """Which roles may record which event types (immutable; every event type has an entry)."""

    __slots__ = ("_roles", "_trusts_recorded_by")

    def __init__(
        self, roles: Mapping[str, Iterable[Role | str]], *, trust_recorded_by: bool = False
    ) -> None:
        unknown = sorted(set(roles) - set(EVENT_TYPES))
        if unknown:
            shown = ", ".join(repr(name) for name in unknown[:5] if name.isidentifier())
            raise InvalidPolicyError(f"append policy: unknown event types {shown or '(withheld)'}")
        missing = sorted(set(EVENT_TYPES) - set(roles))
        if missing:
            raise InvalidPolicyError(f"append policy: no roles for {', '.join(missing)}")
        table: dict[str, frozenset[Role]] = {}
        for name, allowed in roles.items():
            try:
                table[name] = frozenset(Role(role) for role in allowed)
            except ValueError:
                raise InvalidPolicyError(
                    f"append policy: {name} names a role that is not one of "
                    f"{', '.join(r.value for r in Role)}"
                ) from None
        self._roles: Mapping[str, frozenset[Role]] = MappingProxyType(table)
        self._trusts_recorded_by = trust_recorded_by

    @classmethod
    def default(cls) -> AppendPolicy:
        """The policy of :data:`DEFAULT_RECORDERS`."""
        return cls(DEFAULT_RECORDERS)

    def with_roles(self, overrides: Mapping[str, Iterable[Role | str]]) -> AppendPolicy:
        """A copy in which the event types of ``overrides`` have the roles given there (a
        municipality's own division of labour)."""
        return AppendPolicy(
            {**self._roles, **overrides}, trust_recorded_by=self._trusts_recorded_by
        )

    def trusting_recorded_by(self) -> AppendPolicy:
        """A copy that judges an append without a principal by the events' own
        ``recorded_by``. Only for a caller that vouches for it (an importer of a trusted
        system's records): anyone can write any role into ``recorded_by``."""
        return AppendPolicy(self._roles, trust_recorded_by=True)

    @property
    def trusts_recorded_by(self) -> bool:
        """Whether an append without a principal is judged by ``recorded_by`` alone."""
        return self._trusts_recorded_by

    @property
    def roles(self) -> Mapping[str, frozenset[Role]]:
        """The roles that may record each event type."""
        return self._roles

    def check(self, event: DomainEvent, principal: Actor | None = None) -> None:
        """Raise :class:`~erantis_domain.errors.ForbiddenError` unless ``event`` may be
        recorded: by a role allowed for its type and, when ``principal`` is given, by that
        principal itself. Without a principal the event's ``recorded_by`` is only its own
        claim, so it is refused unless the policy :attr:`trusts_recorded_by`."""
        if principal is None and not self._trusts_recorded_by:
            raise ForbiddenError(
                "the append policy needs the authenticated principal (who is calling): pass "
                "principal=..., or use a policy trusting_recorded_by() if the records come "
                "from a trusted system; nothing was stored"
            )
        check_principal(event, principal)
        kind = type(event).__name__
        role = event.recorded_by.role
        if role not in self._roles[kind]:
            allowed = ", ".join(sorted(r.value for r in self._roles[kind]))
            raise ForbiddenError(
                f"a {role.value} may not record {kind} (allowed: {allowed}); nothing was stored"
            )


def check_principal(event: DomainEvent, principal: Actor | None) -> None:
    """Raise :class:`~erantis_domain.errors.ForbiddenError` when ``principal`` is given and the
    event's ``recorded_by`` is not that principal (its id and role)."""
    if principal is not None and event.recorded_by != principal:
        # Neither id is repeated: the message goes to logs, and ids may be misused as names.
        raise ForbiddenError(
            f"{type(event).__name__} is recorded_by someone other than the authenticated "
            "principal; nothing was stored"
        )
