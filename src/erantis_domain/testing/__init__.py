"""The erantis testing kit, shipped for embedders' own test suites.

- :mod:`erantis_domain.testing.strategies`: hypothesis strategies of valid events, case
  histories (compliant, or breaking chosen rules), team periods, municipalities and policies.
- :mod:`erantis_domain.testing.given`: ``given(events).when(command).then(events)`` for the
  citizen-case aggregate.
- :mod:`erantis_domain.testing.synthetic`: a fast, seeded synthetic municipality for benchmarks
  and demos; it does not need hypothesis.

Everything above but the generator is importable from this package directly and needs the
``testing`` extra (hypothesis): ``pip install 'erantis[testing]'``.
"""

_WITH_HYPOTHESIS = True
try:
    import hypothesis  # noqa: F401
except ModuleNotFoundError:  # pragma: no cover - exercised in a subprocess test
    _WITH_HYPOTHESIS = False

if _WITH_HYPOTHESIS:
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
else:  # pragma: no cover - exercised in a subprocess test

    def __getattr__(name: str) -> object:
        # Without hypothesis the package still imports, so that the synthetic generator (which
        # ``erantis demo`` uses) works; the kit's own names then say which extra they need.
        if name in __all__:
            raise ImportError(
                "erantis_domain.testing needs the 'testing' extra (hypothesis is not installed): "
                "pip install 'erantis[testing]'"
            )
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
