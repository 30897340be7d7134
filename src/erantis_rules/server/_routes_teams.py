"""Private: the resources of a team period (ledger, settlement, agenda, meeting pack)."""

from typing import Annotated

from fastapi import FastAPI, Query
from fastapi.responses import HTMLResponse

from erantis_domain.projections import settle, settlement_event_id
from erantis_rules.server._deps import Reader, Running, Writer
from erantis_rules.server._http import (
    PROBLEMS,
    WRITE_PROBLEMS,
    AsOf,
    PeriodText,
    TeamId,
    ledger_body,
)
from erantis_rules.server._models import (
    AgendaBody,
    FindingBody,
    LedgerBody,
    SettleBody,
    SettlementBody,
)
from erantis_rules.server._problems import ScopeMissing
from erantis_rules.server._settings import Settings

__all__ = ["register"]


def register(app: FastAPI, settings: Settings) -> None:
    """Add the team period resources to ``app``."""
    _team_path = "/v1/teams/{team_id}/periods/{period}"

    @app.get(_team_path + "/ledger", response_model=LedgerBody, responses=PROBLEMS, tags=["teams"])
    def ledger(team_id: TeamId, period: PeriodText, who: Reader, service: Running) -> LedgerBody:
        """A team period's frame ledger: frame, delivered, variance, band and incentive, with
        a line per citizen."""
        with service.current():
            figures = service.ledger.team_period(team_id, period, service.terms)
        return ledger_body(figures)

    @app.post(
        _team_path + "/settlement",
        response_model=SettlementBody,
        responses=WRITE_PROBLEMS,
        tags=["teams"],
    )
    def settlement(
        team_id: TeamId,
        period: PeriodText,
        who: Writer,
        service: Running,
        body: SettleBody | None = None,
    ) -> SettlementBody:
        """Settle a team's period from its ledger (record PeriodSettled), once: a retry, or a
        second settlement, answers the one recorded (``created`` false). The terms are the
        policy version in force for the period (the service's policy file, else the versions
        adopted in the store, else the defaults); the settlement records its id and the terms'
        digest. Needs a token whose role may record PeriodSettled (system or controller)."""
        who.require(settings.write_scope)
        # A settlement is recorded by the token's own actor, a relay's too.
        actor = who.actor
        if actor is None:
            raise ScopeMissing("the token names no erantis role and actor to settle as")
        day = (body.as_of if body is not None else None) or service.today()
        with service.current():
            done = service.ledger.settlement(team_id, period)
            created = done is None
            if done is None:
                version = service.settlement_version(period)
                settle(
                    service.store,
                    team_id,
                    period,
                    as_of=day,
                    terms=version.terms,
                    recorded_by=actor,
                    ledger=service.ledger,
                    policy_version=version.id,
                )
                done = service.ledger.settlement(team_id, period)
                assert done is not None
        return SettlementBody(
            team_id=team_id,
            period=period,
            event_id=str(settlement_event_id(team_id, period)),
            granted_minutes=done.granted_minutes,
            delivered_minutes=done.delivered_minutes,
            variance_pct=str(done.variance_pct),
            band=done.band,
            incentive_amount=str(done.incentive_amount),
            policy_version=done.policy_version,
            terms_digest=None if done.terms is None else done.terms.digest(),
            created=created,
        )

    @app.get(_team_path + "/agenda", response_model=AgendaBody, responses=PROBLEMS, tags=["teams"])
    def agenda(
        team_id: TeamId, period: PeriodText, who: Reader, service: Running, as_of: AsOf = None
    ) -> AgendaBody:
        """The dialogue meeting's agenda: the ledger, open frame and delegation findings,
        citizens to reassess, adjustments made without the citizen."""
        from erantis_rules import dialogue_agenda

        day = as_of or service.today()
        with service.current():
            found = dialogue_agenda(
                service.store,
                team_id,
                period,
                as_of=day,
                policy=service.policy,
                ledger=service.ledger,
            )
        return AgendaBody(
            team_id=found.team_id,
            period=found.period,
            as_of=found.as_of,
            ledger=ledger_body(found.ledger),
            citizens=list(found.citizens),
            findings=[FindingBody.of(f) for f in found.findings],
            reassessments=[
                {"case_id": r.case_id, "subject_id": r.subject_id, "recorded_on": r.recorded_on}
                for r in found.reassessments
            ],
            adjustments_without_citizen=[
                {
                    "case_id": a.case_id,
                    "decision_id": a.decision_id,
                    "intervention": a.intervention,
                    "delta_minutes": a.delta_minutes,
                    "adjusted_on": a.adjusted_on,
                }
                for a in found.adjustments_without_citizen
            ],
        )

    @app.get(
        _team_path + "/meeting-pack",
        response_class=HTMLResponse,
        responses={**PROBLEMS, 200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
        tags=["teams"],
    )
    def meeting_pack(
        team_id: TeamId,
        period: PeriodText,
        who: Reader,
        service: Running,
        as_of: AsOf = None,
        lang: Annotated[str, Query(pattern="^(da|en)$")] = "da",
    ) -> HTMLResponse:
        """The dialogue meeting pack as one self-contained HTML page (needs the ``report``
        extra on the server; 501 E-REPORT-EXTRA-MISSING without it)."""
        from erantis_rules.report import meeting_pack as gather
        from erantis_rules.report import render_html

        with service.current():
            pack = gather(service.store, team_id, period, as_of=as_of, policy=service.policy)
        return HTMLResponse(render_html(pack, lang))  # type: ignore[arg-type]
