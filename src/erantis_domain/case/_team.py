"""Private: ``evolve_team``, where team events become a team period's state (dialogue
meetings, improvement trials, the settlement). Pure, as ``evolve`` is."""

from __future__ import annotations

from collections.abc import Iterable

from erantis_domain import events as ev
from erantis_domain.asof import business_day
from erantis_domain.case._state import (
    AgreementState,
    MeetingState,
    SettlementState,
    TeamPeriod,
    TrialStep,
)

__all__ = ["evolve_team", "fold_team"]


def evolve_team(state: TeamPeriod, event: ev.DomainEvent) -> TeamPeriod:
    """Apply one team event (dialogue meeting, settlement) to a team period (pure)."""
    if not isinstance(event, ev.TeamEvent) or (event.team_id, event.period) != (
        state.team_id,
        state.period,
    ):
        raise ValueError("event does not belong to this team period")
    version = state.version + 1
    match event:
        case ev.DialogueMeetingHeld():
            meeting = MeetingState(
                held_on=event.held_on,
                participants=event.participants,
                agreements_count=len(event.agreements),
                event_id=str(event.event_id),
            )
            agreed = tuple(
                AgreementState(
                    held_on=event.held_on,
                    owner=a.owner,
                    due=a.due,
                    indicator=a.indicator,
                    event_id=str(event.event_id),
                )
                for a in event.agreements
            )
            return state.model_copy(
                update={
                    "meetings": (*state.meetings, meeting),
                    "agreements": (*state.agreements, *agreed),
                    "version": version,
                }
            )
        case ev.ImprovementTrialRecorded():
            step = TrialStep(
                stage=event.stage,
                on=event.on,
                indicator=event.indicator,
                event_id=str(event.event_id),
            )
            trials = {**state.trials, event.trial_id: (*state.trials.get(event.trial_id, ()), step)}
            return state.model_copy(update={"trials": trials, "version": version})
        case ev.PeriodSettled():
            settlement = SettlementState(
                settled_on=business_day(event.occurred_at),
                granted_minutes=event.granted_minutes,
                delivered_minutes=event.delivered_minutes,
                band=event.band,
                variance_pct=str(event.variance_pct),
                incentive_amount=str(event.incentive_amount),
                event_id=str(event.event_id),
            )
            return state.model_copy(update={"settlement": settlement, "version": version})
    return state.model_copy(update={"version": version})


def fold_team(team_id: str, period: str, events: Iterable[ev.DomainEvent]) -> TeamPeriod:
    """Fold team events, in the order given, into a fresh :class:`TeamPeriod`."""
    state = TeamPeriod(team_id=team_id, period=period)
    for event in events:
        state = evolve_team(state, event)
    return state
