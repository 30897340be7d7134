"""The erantis testing kit, shipped for embedders' own test suites.

- :mod:`erantis_domain.testing.strategies`: hypothesis strategies of valid events, case
  histories (compliant, or breaking chosen rules), team periods, municipalities and policies.
- :mod:`erantis_domain.testing.given`: ``given(events).when(command).then(events)`` for the
  citizen-case aggregate.

Everything is importable from this package directly. Needs the ``testing`` extra
(hypothesis): ``pip install 'erantis[testing]'``.
"""

try:
    import hypothesis  # noqa: F401
except ModuleNotFoundError as missing:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "erantis_domain.testing needs the 'testing' extra (hypothesis is not installed): "
        "pip install 'erantis[testing]'"
    ) from missing

from erantis_domain.testing.given import Given, When, given
from erantis_domain.testing.strategies import (
    POLICY_DEFAULTS,
    SUPPORTED_CASE_VIOLATIONS,
    SUPPORTED_TEAM_VIOLATIONS,
    History,
    Municipality,
    TeamHistory,
    case_histories,
    events,
    municipalities,
    policies,
    team_periods,
)

__all__ = [
    "POLICY_DEFAULTS",
    "SUPPORTED_CASE_VIOLATIONS",
    "SUPPORTED_TEAM_VIOLATIONS",
    "Given",
    "History",
    "Municipality",
    "TeamHistory",
    "When",
    "case_histories",
    "events",
    "given",
    "municipalities",
    "policies",
    "team_periods",
]
