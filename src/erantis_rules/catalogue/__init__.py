"""The rule catalogue: one module per rule family, each rule its metadata plus the condition
under which a fact breaks it, stated once."""

from __future__ import annotations

from erantis_rules.catalogue import delegation, documentation, frame_budget
from erantis_rules.model import Rule

__all__ = ["RULES", "catalogue", "rules_markdown"]

RULES: tuple[Rule, ...] = documentation.RULES + delegation.RULES + frame_budget.RULES


def catalogue() -> list[Rule]:
    """Every rule of the catalogue, in id order."""
    return sorted(RULES, key=lambda rule: rule.id)


def rules_markdown() -> str:
    """The catalogue as a Markdown table: the text of ``specs/rules.md``."""
    lines = [
        "# erantis rule catalogue",
        "",
        "Generated from `erantis_rules.catalogue()` by `uv run erantis rules --markdown`;",
        "a test fails when this file is stale.",
        "Thresholds are the policy's (`erantis_rules.Policy`).",
        "",
        "| id | title | severity | legal or policy reference |",
        "|---|---|---|---|",
    ]
    rules = catalogue()
    lines += [f"| {r.id} | {r.title} | {r.severity.value} | {r.legal_reference} |" for r in rules]
    lines.append("")
    for rule in rules:
        lines += [
            f"## {rule.id} {rule.title}",
            "",
            rule.description,
            "",
            f"Message: _{rule.message}_",
            "",
        ]
    return "\n".join(lines)
