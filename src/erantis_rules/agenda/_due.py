"""What is due next (documentation minimisation): the documentation a rule will require within
the next days, before it becomes a finding.

The list is the rules' own judgement, moved forward in time: :func:`due_list` checks the events
as of ``as_of`` and as of the day after ``as_of + within_days``, and lists each finding of the
later check that has a ``due`` day in that window and is not a finding yet. So an item names
the rule (id, title, legal reference or policy parameter) that makes it due, nothing is listed
that no rule requires, and an item leaves the list exactly when it is done (the later check no
longer finds it) or when it becomes a finding (for a deadline rule: the day after its due day).

Events dated after ``as_of`` are ignored by both checks: the list is what is known today.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from erantis_domain.asof import AsOf
from erantis_domain.errors import InvalidArgumentError
from erantis_domain.events import Event
from erantis_rules.catalogue import catalogue
from erantis_rules.engine import EvaluatorName, check
from erantis_rules.language.model import Finding, Severity
from erantis_rules.policy import Policy

__all__ = ["DueItem", "due_list"]

_MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class DueItem:
    """Something a rule requires by ``due``: ``subject`` is a case id or ``team_id/period``;
    ``message`` is the rule's message (no personal data)."""

    subject: str
    rule_id: str
    title: str
    severity: Severity
    due: date
    legal_reference: str
    message: str
    evidence: tuple[str, ...]


def due_list(
    events: Iterable[Event],
    *,
    as_of: date,
    within_days: int = 30,
    policy: Policy | None = None,
    evaluator: EvaluatorName = "auto",
) -> tuple[DueItem, ...]:
    """The documentation due within ``within_days`` (1-366) days after ``as_of``, by due day.

    Raises :class:`~erantis_domain.errors.InvalidArgumentError` for ``within_days`` out of
    range.
    """
    check_within_days(within_days)
    when = AsOf.of(as_of)
    known = [event for event in events if when.knows(event)]
    found = check(known, as_of=as_of, policy=policy, evaluator=evaluator)
    return due_after(known, found, as_of, within_days, policy, evaluator)


def check_within_days(within_days: int) -> None:
    """Refuse a window of ``within_days`` outside 1-366 days, before any work."""
    if not 1 <= within_days <= _MAX_DAYS:
        raise InvalidArgumentError(f"within_days must be 1-{_MAX_DAYS} (got {within_days})")


def due_after(
    known: list[Event],
    found: list[Finding],
    as_of: date,
    within_days: int,
    policy: Policy | None,
    evaluator: EvaluatorName,
) -> tuple[DueItem, ...]:
    """:func:`due_list` for a caller that has checked ``known`` (the events known on
    ``as_of``) as of ``as_of`` already: ``found`` is what that check found."""
    horizon = as_of + timedelta(days=within_days)
    now = {finding.key for finding in found}
    titles = {rule.id: rule.title for rule in catalogue()}
    items = [
        _item(finding, titles.get(finding.rule_id, finding.rule_id))
        # A deadline rule finds on the day after its due day: look one day past the window.
        for finding in check(
            known, as_of=horizon + timedelta(days=1), policy=policy, evaluator=evaluator
        )
        if finding.due is not None and as_of <= finding.due <= horizon and finding.key not in now
    ]
    return tuple(sorted(items, key=lambda item: (item.due, item.rule_id, item.subject)))


def _item(finding: Finding, title: str) -> DueItem:
    assert finding.due is not None
    return DueItem(
        subject=finding.subject,
        rule_id=finding.rule_id,
        title=title,
        severity=finding.severity,
        due=finding.due,
        legal_reference=finding.legal_reference,
        message=finding.message,
        evidence=finding.evidence,
    )
