"""Hypothesis profiles of the test suite, and :func:`budget` for the heavy properties.

- ``dev`` (the default): 15 examples per property, enough for a local run to catch a broken
  law in a few minutes on two cores;
- ``ci`` (``.ci/run`` selects it): 50 examples per property;
- ``thorough``: 1,000, for a long local run: ``uv run pytest --hypothesis-profile=thorough``.

No profile has a deadline or the timing health checks: a loaded machine runs the same examples
as an idle one.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

__all__ = ["CI_EXAMPLES", "budget", "register"]

#: Examples per property on the ``ci`` profile: the unit of :func:`budget`.
CI_EXAMPLES = 50

_RELAXED = [HealthCheck.too_slow, HealthCheck.data_too_large]


def register() -> None:
    """Register the profiles and load ``dev``; ``--hypothesis-profile`` loads another one
    afterwards (hypothesis' plugin reads it once the conftest files are imported)."""
    for name, examples in (("dev", 15), ("ci", CI_EXAMPLES), ("thorough", 1000)):
        settings.register_profile(
            name, max_examples=examples, deadline=None, suppress_health_check=_RELAXED
        )
    settings.load_profile("dev")


def budget(examples: int) -> settings:
    """``examples`` on the ``ci`` profile, scaled with the loaded one (``dev`` runs 30 % of
    them but at least 3, ``thorough`` 20 times as many): for properties heavier or lighter
    than the norm."""
    loaded = settings.default.max_examples if settings.default is not None else CI_EXAMPLES
    return settings(max_examples=max(min(examples, 3), examples * loaded // CI_EXAMPLES))
