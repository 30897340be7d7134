"""The projections package's public names exist and are documented."""

from __future__ import annotations

import inspect

import erantis_domain.projections as projections


def test_every_public_name_exists_and_classes_and_functions_are_documented() -> None:
    assert sorted(projections.__all__) == projections.__all__
    for name in projections.__all__:
        value = getattr(projections, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"{name} has no docstring"


def test_every_public_method_of_the_projections_is_documented() -> None:
    for cls in (projections.BudgetLedger, projections.DelegationRegister):
        for name, member in inspect.getmembers(cls, inspect.isfunction):
            if not name.startswith("_"):
                assert inspect.getdoc(member), f"{cls.__name__}.{name} has no docstring"
