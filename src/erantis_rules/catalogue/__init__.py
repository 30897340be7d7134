"""The rule catalogue: one module per rule family, each rule its metadata plus the condition
under which a fact breaks it, stated once."""

from __future__ import annotations

from erantis_rules.catalogue import delegation, documentation, frame_budget, providers, regime
from erantis_rules.language.model import Rule
from erantis_rules.regimes import DEFAULT_REGIMES, reference_under

__all__ = ["RULES", "catalogue", "rules_markdown"]

RULES: tuple[Rule, ...] = (
    documentation.RULES + delegation.RULES + frame_budget.RULES + providers.RULES + regime.RULES
)


def catalogue() -> list[Rule]:
    """Every rule of the catalogue, in id order."""
    return sorted(RULES, key=lambda rule: rule.id)


def rules_markdown() -> str:
    """The catalogue as Markdown: the text of ``specs/rules.md``, with the reference each rule
    cites under each legal regime of the default policy."""
    regimes = DEFAULT_REGIMES
    lines = [
        "# erantis rule catalogue",
        "",
        "Generated from `erantis_rules.catalogue()` by `uv run erantis rules --markdown`;",
        "a test fails when this file is stale.",
        "Thresholds are the policy's (`erantis_rules.Policy`). A rule whose reference depends",
        "on the law in force judges only decisions (or courses) of the regimes it names; `—`:",
        "not applied under that regime (the law there has no such duty, or its ground is not",
        "verified; see `docs/law.md`). Ground: how sure the law under the rule is (`verified`:",
        "the enacted wording was read; `secondary`: a secondary source; `unverified`: at most",
        "`info`; `policy`: the municipality's choice, no law). Regimes: "
        + "; ".join(f"`{r.id}` {r.title}" for r in regimes)
        + ".",
        "",
        "| id | title | severity | ground | " + " | ".join(r.id for r in regimes) + " |",
        "|---|---|---|---|" + "---|" * len(regimes),
    ]
    rules = catalogue()
    for r in rules:
        cells = []
        for under in regimes:
            if r.by_regime is None:
                cells.append(r.legal_reference)
            else:
                cells.append(reference_under(r.by_regime, under.id, regimes) or "—")
        lines.append(
            f"| {r.id} | {r.title} | {r.severity.value} | {r.ground.value} | "
            + " | ".join(cells)
            + " |"
        )
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
