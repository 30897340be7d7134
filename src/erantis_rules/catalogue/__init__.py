"""The rule catalogue: one module per rule family, each rule metadata plus its judgement."""

from __future__ import annotations

from erantis_rules.catalogue import delegation, documentation, frame_budget
from erantis_rules.catalogue._base import Check
from erantis_rules.model import Rule

__all__ = ["CHECKS", "catalogue"]

CHECKS: tuple[Check, ...] = documentation.CHECKS + delegation.CHECKS + frame_budget.CHECKS


def catalogue() -> list[Rule]:
    """Every rule of the catalogue, in id order."""
    return sorted((check.rule for check in CHECKS), key=lambda rule: rule.id)
