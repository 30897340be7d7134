"""Hypothesis profiles of the property suite.

``ci`` (the default) runs about 50 examples per property; ``thorough`` runs 1,000 for longer
local runs: ``uv run pytest tests/properties --hypothesis-profile=thorough``.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

_RELAXED = [HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile("ci", max_examples=50, deadline=None, suppress_health_check=_RELAXED)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=_RELAXED
)


def pytest_configure(config: pytest.Config) -> None:
    # Historic hook: also called for this conftest, after hypothesis' plugin has loaded the
    # profile named on the command line. Only pick ours when none was named.
    if config.getoption("hypothesis_profile", None) is None:
        settings.load_profile("ci")
