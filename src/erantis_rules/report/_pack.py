"""The data of the dialogue meeting pack, gathered from the store (no rendering here, so the
core works without the ``report`` extra)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from erantis_domain import events as ev
from erantis_domain.asof import AsOf
from erantis_domain.errors import InvalidArgumentError, UnknownCaseError
from erantis_domain.events import Event, TeamEvent
from erantis_domain.projections import TeamLedger, ledger_of
from erantis_domain.projections.indicators import OutcomeIndicators, TeamIndicators
from erantis_domain.store import CaseStore
from erantis_domain.values import period_bounds
from erantis_rules.agenda import AdjustmentWithoutCitizen, DueItem, ReassessmentNeeded
from erantis_rules.agenda._dialogue import StreamReader, agenda_with_events
from erantis_rules.agenda._due import check_within_days, due_after
from erantis_rules.catalogue import catalogue
from erantis_rules.engine import EvaluatorName, check
from erantis_rules.language.model import Finding, Severity
from erantis_rules.policy import Policy
from erantis_rules.policy_versions import PolicyHistory
from erantis_rules.whatif import PeriodComparison, compare_period

HISTORY_PERIODS = 12


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """One period of the team's frame ledger, for the trend charts: the frame and the band's
    limits around it (``band_low`` .. ``band_high`` minutes), what was delivered and the
    variance."""

    period: str
    frame_minutes: int
    delivered_minutes: int
    band_low: int
    band_high: int
    variance_pct: Decimal
    band: str


@dataclass(frozen=True, slots=True)
class RuleCount:
    """How many open findings one rule has in the pack."""

    rule_id: str
    title: str
    severity: Severity
    legal_reference: str
    count: int


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    """A dialogue meeting of the team: when, who (roles) and how many agreements. The
    agreements' text is left out (free text may hold personal data)."""

    period: str
    held_on: date
    participants: tuple[str, ...]
    agreements: int


@dataclass(frozen=True, slots=True)
class AgreementRecord:
    """An agreement of a dialogue meeting, without its text: who owns it, by when, whether it
    is still open as of the pack's day, and how the indicator it targets moved since the
    meeting's period (``then`` → ``now``; ``moved`` is ``up``, ``down``, ``same`` or ``None``
    when a value is missing)."""

    period: str
    held_on: date
    owner: str | None
    due: date | None
    indicator: str | None
    open: bool
    then: Decimal | None
    now: Decimal | None
    moved: str | None


@dataclass(frozen=True, slots=True)
class TrialRecord:
    """A PDSA improvement trial's latest step as of the pack's day."""

    trial_id: str
    period: str
    stage: str
    on: date
    indicator: str | None


@dataclass(frozen=True, slots=True)
class MeetingPack:
    """Everything the dialogue meeting about ``team_id``'s ``period`` looks at, as of
    ``as_of``: the ledger of the period, up to 12 periods of ledger and indicator history
    (oldest first; the last is ``period``), the open findings of the team's citizens and
    periods, what is due within ``due_within_days``, the agenda items and past meetings."""

    team_id: str
    period: str
    as_of: date
    band_pct: Decimal
    ledger: TeamLedger
    months: tuple[MonthFigures, ...]
    indicators: tuple[TeamIndicators, ...]
    findings: tuple[Finding, ...]
    findings_by_rule: tuple[RuleCount, ...]
    due_within_days: int
    due: tuple[DueItem, ...]
    reassessments: tuple[ReassessmentNeeded, ...]
    adjustments_without_citizen: tuple[AdjustmentWithoutCitizen, ...]
    meetings: tuple[MeetingRecord, ...]
    agreements: tuple[AgreementRecord, ...] = ()
    trials: tuple[TrialRecord, ...] = ()
    #: The period under other terms beside the real figures, when the pack was asked for one
    #: (:func:`erantis_rules.whatif.compare_period`); nothing of it is recorded.
    what_if: PeriodComparison | None = None

    @property
    def open_agreements(self) -> tuple[AgreementRecord, ...]:
        """The agreements not yet past their due day."""
        return tuple(a for a in self.agreements if a.open)

    @property
    def current(self) -> TeamIndicators:
        """The indicators of the pack's period."""
        return self.indicators[-1]

    @property
    def previous(self) -> TeamIndicators | None:
        """The indicators of the period before, when the history has it."""
        return self.indicators[-2] if len(self.indicators) > 1 else None


def _periods_up_to(period: str, count: int) -> list[str]:
    year, month = int(period[:4]), int(period[5:7])
    out = []
    for back in range(count - 1, -1, -1):
        index = year * 12 + month - 1 - back
        out.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
    return out


def meeting_pack(
    store: CaseStore,
    team_id: str,
    period: str,
    *,
    as_of: date | None = None,
    policy: Policy | None = None,
    due_within_days: int = 30,
    evaluator: EvaluatorName = "auto",
    what_if: Policy | PolicyHistory | None = None,
) -> MeetingPack:
    """The meeting pack of ``team_id``'s ``period``.

    ``as_of`` defaults to the day after the period (the meeting looks back at a finished
    period). ``policy`` (the defaults when ``None``) gives the rules' thresholds and the
    settlement terms. ``what_if`` adds the period settled under other terms beside the real
    figures (:attr:`MeetingPack.what_if`; the baseline is a settled period's recorded terms,
    else ``policy``, else the versions adopted in the store); nothing is written. Raises
    :class:`~erantis_domain.errors.InvalidArgumentError` for a malformed period or a team the
    store knows nothing of.
    """
    return pack_over(
        store,
        (entry.event for entry in store.replay()),
        team_id,
        period,
        as_of=as_of,
        policy=policy,
        due_within_days=due_within_days,
        evaluator=evaluator,
        what_if=what_if,
    )


class HeldLog:
    """A store's whole log held in memory, in its order, and folded once for the pack: the
    frame ledger, the outcome indicators over the same case states, and each case's and team
    period's events as the store reads them (its streams are the log's events of that case or
    team period, in the log's order). For a caller that holds the log already (``erantis
    demo``): reading an event back from the store costs far more than using it."""

    def __init__(self, log: Iterable[Event]) -> None:
        self.events = list(log)
        self.ledger = ledger_of(self.events)
        # The ledger folds every case event with the one evolve, as the indicators would.
        self.indicators = OutcomeIndicators.over(self.ledger.case_states())
        self._cases: dict[str, list[Event]] = {}
        self._teams: dict[tuple[str, str], list[Event]] = {}
        for event in self.events:
            if isinstance(event, TeamEvent):
                self._teams.setdefault((event.team_id, event.period), []).append(event)
            else:
                self._cases.setdefault(event.case_id, []).append(event)

    def case_events(self, case_id: str) -> list[Event]:
        """The case's events in the log's order; :class:`UnknownCaseError` when none."""
        events = self._cases.get(case_id)
        if not events:
            raise UnknownCaseError("no events held for the case")
        return list(events)

    def team_events(self, team_id: str, period: str) -> list[Event]:
        """The team period's events in the log's order (possibly none)."""
        return list(self._teams.get((team_id, period), ()))


def pack_over(
    store: CaseStore,
    log: Iterable[Event] | HeldLog,
    team_id: str,
    period: str,
    *,
    as_of: date | None = None,
    policy: Policy | None = None,
    due_within_days: int = 30,
    evaluator: EvaluatorName = "auto",
    what_if: Policy | PolicyHistory | None = None,
) -> MeetingPack:
    """:func:`meeting_pack` with the store's whole log given in its order (``log``), for a
    caller that holds it already: reading a stored event back costs far more than using it.
    A :class:`HeldLog` also gives the events of the team's citizens and periods, so nothing is
    read from the store."""
    _, last = period_bounds(period)
    check_within_days(due_within_days)
    as_of = as_of or last + timedelta(days=1)
    given = policy
    policy = policy or Policy()
    terms = policy.settlement_terms()
    streams: HeldLog | None = None
    if isinstance(log, HeldLog):
        streams = log
        ledger, indicators, log = log.ledger, log.indicators, log.events
    else:
        if what_if is not None:
            log = list(log)  # read twice: once here, once replayed under the other terms
        ledger = ledger_of(log)
        indicators = OutcomeIndicators.over(ledger.case_states())
    if team_id not in ledger.teams() and not ledger.citizens_of(team_id):
        raise InvalidArgumentError(f"team_id: no events of team {team_id!r} in the store")
    agenda, citizen_events, agenda_found = agenda_with_events(
        store, team_id, period, as_of, policy, ledger, evaluator, streams=streams
    )
    history = _periods_up_to(period, HISTORY_PERIODS)
    active = ledger.active_periods(team_id)
    shown = [p for p in history if p == period or p in active]
    months = tuple(
        _month(ledger.team_period(team_id, p, terms), terms.settlement_band_pct) for p in shown
    )
    # What happened after as_of is not known at the meeting (due_list drops it the same way).
    known = AsOf.of(as_of)
    read = _team_events(streams or store, team_id, agenda.citizens, citizen_events, active)
    events = [event for event in read if known.knows(event)]
    subjects = set(agenda.citizens)
    prefix = f"{team_id}/"

    def ours(subject: str) -> bool:
        return subject in subjects or subject.startswith(prefix)

    # The agenda checked the same events when the period is active (its periods are the
    # active ones and the period): check leaves out a case event as_of does not know as this
    # filter does, but a team event it does not know still makes its period one to judge.
    if period in active and all(known.knows(e) for e in read if isinstance(e, TeamEvent)):
        found = agenda_found
    else:
        found = check(events, as_of=as_of, policy=policy, evaluator=evaluator)
    findings = tuple(finding for finding in found if ours(finding.subject))
    # The events are those known on as_of: due_list's first check is the one just made.
    due = tuple(
        item
        for item in due_after(events, found, as_of, due_within_days, policy, evaluator)
        if ours(item.subject)
    )
    # The periods shown, and those of the team's meetings (their agreements look back).
    wanted = [*shown, *sorted(_meeting_periods(events, team_id, as_of) - set(shown))]
    indicators_by_period = indicators.team_periods(team_id, [p for p in wanted if p in history])
    current = indicators_by_period[period]
    return MeetingPack(
        team_id=team_id,
        period=period,
        as_of=as_of,
        band_pct=terms.settlement_band_pct,
        ledger=agenda.ledger,
        months=months,
        indicators=tuple(indicators_by_period[p] for p in shown),
        findings=findings,
        findings_by_rule=_by_rule(findings),
        due_within_days=due_within_days,
        due=due,
        reassessments=agenda.reassessments,
        adjustments_without_citizen=agenda.adjustments_without_citizen,
        meetings=_meetings(events, team_id, as_of),
        agreements=_agreements(events, team_id, as_of, indicators_by_period, current),
        trials=_trials(events, team_id, as_of),
        what_if=(
            None
            if what_if is None
            else compare_period(log, team_id, period, policy=what_if, baseline=given)
        ),
    )


def _meeting_periods(events: list[Event], team_id: str, as_of: date) -> set[str]:
    """The periods of the team's dialogue meetings held by ``as_of`` (whose agreements the
    pack follows up)."""
    return {
        event.period
        for event in events
        if isinstance(event, ev.DialogueMeetingHeld)
        and event.team_id == team_id
        and event.held_on <= as_of
    }


def _indicator(figures: TeamIndicators | None, key: str | None) -> Decimal | None:
    """An indicator's headline value (goal attainment: the share of E1 outcomes)."""
    if figures is None or key is None:
        return None
    if key == "goal_attainment":
        return figures.follow_up_pct("E1")
    found = getattr(figures, key, None)
    return found if isinstance(found, Decimal) else None


def _agreements(
    events: list[Event],
    team_id: str,
    as_of: date,
    by_period: dict[str, TeamIndicators],
    current: TeamIndicators,
) -> tuple[AgreementRecord, ...]:
    out: list[AgreementRecord] = []
    for event in events:
        if not isinstance(event, ev.DialogueMeetingHeld) or event.team_id != team_id:
            continue
        if event.held_on > as_of:
            continue
        for agreement in event.agreements:
            then = _indicator(by_period.get(event.period), agreement.indicator)
            now = _indicator(current, agreement.indicator)
            moved = None
            if then is not None and now is not None:
                moved = "up" if now > then else "down" if now < then else "same"
            out.append(
                AgreementRecord(
                    period=event.period,
                    held_on=event.held_on,
                    owner=None if agreement.owner is None else agreement.owner.value,
                    due=agreement.due,
                    indicator=agreement.indicator,
                    open=agreement.due is None or agreement.due >= as_of,
                    then=then,
                    now=now,
                    moved=moved,
                )
            )
    return tuple(sorted(out, key=lambda a: (a.held_on, a.due or date.max)))


def _trials(events: list[Event], team_id: str, as_of: date) -> tuple[TrialRecord, ...]:
    latest: dict[str, TrialRecord] = {}
    for event in events:
        if isinstance(event, ev.ImprovementTrialRecorded) and event.team_id == team_id:
            if event.on > as_of:
                continue
            known = latest.get(event.trial_id)
            if known is None or event.on >= known.on:
                latest[event.trial_id] = TrialRecord(
                    event.trial_id, event.period, event.stage, event.on, event.indicator
                )
    return tuple(sorted(latest.values(), key=lambda t: (t.on, t.trial_id)))


def _month(figures: TeamLedger, band_pct: Decimal) -> MonthFigures:
    margin = Decimal(figures.frame_minutes) * band_pct / 100
    return MonthFigures(
        period=figures.period,
        frame_minutes=figures.frame_minutes,
        delivered_minutes=figures.delivered_minutes,
        band_low=int(Decimal(figures.frame_minutes) - margin),
        band_high=int(Decimal(figures.frame_minutes) + margin),
        variance_pct=figures.variance_pct,
        band=figures.band,
    )


def _team_events(
    source: StreamReader,
    team_id: str,
    citizens: tuple[str, ...],
    read: dict[str, list[Event]],
    periods: list[str],
) -> list[Event]:
    """The citizens' events (as the agenda read them) and the team's periods' events."""
    out: list[Event] = [event for case_id in citizens for event in read[case_id]]
    for team_period in periods:
        out.extend(source.team_events(team_id, team_period))
    return out


def _by_rule(findings: tuple[Finding, ...]) -> tuple[RuleCount, ...]:
    counts = Counter(finding.rule_id for finding in findings)
    return tuple(
        RuleCount(rule.id, rule.title, rule.severity, rule.legal_reference, counts[rule.id])
        for rule in catalogue()
        if counts[rule.id]
    )


def _meetings(events: list[Event], team_id: str, as_of: date) -> tuple[MeetingRecord, ...]:
    held = [
        MeetingRecord(
            period=event.period,
            held_on=event.held_on,
            participants=tuple(role.value for role in event.participants),
            agreements=len(event.agreements),
        )
        for event in events
        if isinstance(event, ev.DialogueMeetingHeld)
        and event.team_id == team_id
        and event.held_on <= as_of
    ]
    return tuple(sorted(held, key=lambda m: (m.held_on, m.period)))
