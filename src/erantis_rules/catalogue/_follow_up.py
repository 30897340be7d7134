"""Private: what "followed up in time" means, for decisions (DOC-004) and delegations (DEL-005)
alike: due by the subject's own ``follow_up_due`` and at the latest a policy's number of days
after it began, and done by a follow-up of the subject recorded on or after that day."""

from __future__ import annotations

from erantis_rules.conditions import (
    Absent,
    Field,
    Term,
    absent,
    days,
    earliest,
    eq,
    gte,
    other,
    this,
)
from erantis_rules.conditions import param as policy

__all__ = ["follow_up_due", "no_follow_up_since"]


def follow_up_due(latest_after_days: str) -> Term:
    """The earlier of the subject's ``follow_up_due`` and ``on`` plus the policy parameter
    ``latest_after_days``."""
    return earliest(this.follow_up_due, this.on + days(policy(latest_after_days)))


def no_follow_up_since(subject: Field) -> Absent:
    """No follow-up of ``subject`` recorded on or after the day it began (``this.on``)."""
    return absent("follow_up", eq(other.subject, subject), gte(other.on, this.on))
