"""Private: the resources that read cases, findings and the finding changes feed."""

from typing import Annotated

from fastapi import FastAPI, Query, Response

from erantis_rules import Finding, check, check_store
from erantis_rules.server._deps import Reader, Running
from erantis_rules.server._http import (
    ID_PATTERN,
    PROBLEMS,
    AsOf,
    CaseId,
    Limit,
    page_after,
    page_cursor,
)
from erantis_rules.server._models import (
    CaseStateBody,
    ChangeBody,
    FeedBody,
    FindingBody,
    FindingPageBody,
    TimelineBody,
)
from erantis_rules.server._state import FeedCursor, finding_order

__all__ = ["register"]


def register(app: FastAPI) -> None:
    """Add the reading resources to ``app``."""

    @app.get(
        "/v1/cases/{case_id}", response_model=CaseStateBody, responses=PROBLEMS, tags=["cases"]
    )
    def case_state(
        case_id: CaseId, who: Reader, service: Running, response: Response, as_of: AsOf = None
    ) -> CaseStateBody:
        """A case's state as of a day (figures; no free text). The ETag is the case's version,
        for If-Match on the next append."""
        current = service.store.get_case(case_id)
        day = as_of or service.today()
        state = service.store.get_case(case_id, as_of=day)
        response.headers["ETag"] = f'"{current.version}"'
        return CaseStateBody(
            case_id=case_id,
            as_of=day,
            version=current.version,
            team_id=state.team_id,
            municipality=state.municipality,
            opened_on=state.opened_on,
            closed_on=state.closed_on,
            decisions=len(state.decisions),
            active_decisions=len(state.active_decisions(day)),
            delegations=len(state.delegations),
            visits=state.visits,
            admitted=state.admitted,
        )

    @app.get(
        "/v1/cases/{case_id}/timeline",
        response_model=TimelineBody,
        responses=PROBLEMS,
        tags=["cases"],
    )
    def case_timeline(
        case_id: CaseId, who: Reader, service: Running, as_of: AsOf = None
    ) -> TimelineBody:
        """A case's events that occurred on or before the day, by occurred_at (type, time and
        the recorder's role; no free text)."""
        day = as_of or service.today()
        events = service.store.case_events(case_id)
        known = sorted(
            (e for e in events if e.occurred_at.date() <= day), key=lambda e: e.occurred_at
        )
        return TimelineBody(
            case_id=case_id,
            as_of=day,
            events=[
                {
                    "event_id": str(e.event_id),
                    "type": e.type,
                    "occurred_at": e.occurred_at,
                    "recorded_by_role": e.recorded_by.role.value,
                }
                for e in known
            ],
        )

    @app.get(
        "/v1/cases/{case_id}/findings",
        response_model=FindingPageBody,
        responses=PROBLEMS,
        tags=["cases", "findings"],
    )
    def case_findings(
        case_id: CaseId, who: Reader, service: Running, as_of: AsOf = None
    ) -> FindingPageBody:
        """A case's findings as of a day (its own; the team's frame findings are under the
        team). Today's come from the warm engine; another day's are computed for the case."""
        day = service.today()
        if as_of is None or as_of == day:
            found = service.findings_of(case_id)
            if not found and service.ledger.case(case_id) is None:
                service.store.get_case(case_id)  # raises E-UNKNOWN-CASE
        else:
            day = as_of
            found = [
                f
                for f in check(service.store.case_events(case_id), as_of=day, policy=service.policy)
                if f.subject == case_id
            ]
        return FindingPageBody(
            as_of=day, findings=[FindingBody.of(f) for f in found], next_cursor=None
        )

    # --- findings -------------------------------------------------------------------------

    @app.get("/v1/findings", response_model=FindingPageBody, responses=PROBLEMS, tags=["findings"])
    def findings(
        who: Reader,
        service: Running,
        team: Annotated[
            str | None, Query(pattern=ID_PATTERN, description="Only this team's.")
        ] = None,
        rule_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
        severity: Annotated[str | None, Query(pattern="^(info|warning|violation)$")] = None,
        as_of: AsOf = None,
        cursor: Annotated[str | None, Query(max_length=2048)] = None,
        limit: Limit = 100,
    ) -> FindingPageBody:
        """The municipality's findings (or a team's: its period findings and its citizens'),
        filtered, in the stable order, a page at a time. Another day than the service's
        is judged over the whole store (slow: prefer today's)."""
        after = page_after(cursor) if cursor else None
        today = service.today()
        if as_of is None or as_of == today:
            day, found = service.all_findings()
        else:
            day = as_of
            found = check_store(service.store, as_of=day, policy=service.policy)

        def wanted(finding: Finding) -> bool:
            if rule_id is not None and finding.rule_id != rule_id:
                return False
            if severity is not None and finding.severity.value != severity:
                return False
            if team is not None:
                owner, slash, _ = finding.subject.partition("/")
                if slash:
                    return owner == team
                return service.team_of(finding.subject) == team
            return True

        page: list[Finding] = []
        more = False
        for finding in found:
            if after is not None and finding_order(finding) <= after:
                continue
            if not wanted(finding):
                continue
            if len(page) == limit:
                more = True
                break
            page.append(finding)
        return FindingPageBody(
            as_of=day,
            findings=[FindingBody.of(f) for f in page],
            next_cursor=page_cursor(page[-1]) if more else None,
        )

    @app.get("/v1/findings/changes", response_model=FeedBody, responses=PROBLEMS, tags=["findings"])
    def finding_changes(
        who: Reader,
        service: Running,
        cursor: Annotated[str | None, Query(max_length=256)] = None,
        limit: Limit = 500,
    ) -> FeedBody:
        """Findings that appeared or were resolved since ``cursor``, in the order they did,
        the same on every instance. Without a cursor, or with one too old (another day, or
        from before this instance kept changes), the answer is a reset: re-read /v1/findings,
        then poll from the cursor given."""
        start = FeedCursor.decode(cursor) if cursor else None
        page = service.feed(start, limit)
        return FeedBody(
            as_of=page.day,
            reset=page.reset,
            changes=[
                ChangeBody(change=c.kind, position=c.position, finding=FindingBody.of(c.finding))
                for c in page.changes
            ],
            cursor=page.cursor.encode(),
        )
