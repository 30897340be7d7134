"""erantis_rules: the judgement of the facts against documentation rules and frame-budget
incentives (the rules engine lands with its own issue)."""

__all__: list[str] = []
