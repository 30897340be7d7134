"""The rules' thresholds the injected practice problems straddle, read from the defaults of
:class:`erantis_rules.Policy`, so that a changed default moves the generator with it.

``erantis_domain`` does not import ``erantis_rules`` at import time; the generator asks for the
policy only when a run starts (the rules package is installed with every erantis).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

__all__ = ["Thresholds", "thresholds"]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The policy defaults the generator needs (field names as in ``Policy``)."""

    #: FRM-005: the longest rehabilitation course, in weeks.
    rehab_max_weeks: int
    #: DOC-005: days from a course's end to the next decision.
    reassess_after_rehab_days: int
    #: DEL-006: days from an admission to the suspension of the delegations.
    suspend_on_admission_days: int


@cache
def thresholds() -> Thresholds:
    """The thresholds of the default policy."""
    from erantis_rules.policy import Policy  # here: the domain must not need the rules to import

    policy = Policy()
    return Thresholds(
        rehab_max_weeks=policy.rehab_max_weeks,
        reassess_after_rehab_days=policy.reassess_after_rehab_days,
        suspend_on_admission_days=policy.suspend_on_admission_days,
    )
