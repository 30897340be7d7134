"""Private: terms more than one rule family states its rules in.

* ``GRANTING``: a decision that grants (a grant or a revision, not a rejection).
* What "followed up in time" means, for decisions (DOC-004) and delegations (DEL-005) alike: due
  by the subject's own ``follow_up_due`` and at the latest a policy's number of days after it
  began, and done by a follow-up of the subject recorded on or after that day.
"""

from __future__ import annotations

from erantis_rules.language.conditions import (
    Absent,
    Field,
    IsIn,
    Term,
    absent,
    days,
    earliest,
    eq,
    gte,
    is_in,
    other,
    this,
)
from erantis_rules.language.conditions import param as policy

__all__ = ["GRANTING", "follow_up_due", "no_follow_up_since"]

GRANTING: IsIn = is_in(this.made, ("granted", "revised"))
"""The decision grants: a grant or a revision (not a rejection)."""


def follow_up_due(latest_after_days: str) -> Term:
    """The earlier of the subject's ``follow_up_due`` and ``on`` plus the policy parameter
    ``latest_after_days``."""
    return earliest(this.follow_up_due, this.on + days(policy(latest_after_days)))


def no_follow_up_since(subject: Field) -> Absent:
    """No follow-up of ``subject`` recorded on or after the day it began (``this.on``)."""
    return absent("follow_up", eq(other.subject, subject), gte(other.on, this.on))
