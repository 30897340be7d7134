"""The rule language: what a rule is, the conditions it is stated in, and its two evaluators.

- :mod:`~erantis_rules.language.conditions`: the small condition language each rule is stated
  in, once (``all_of``, ``absent``, ``gt``, ...), and its plain-Python meaning;
- :mod:`~erantis_rules.language.model`: ``Rule``, ``Finding``, ``Severity``;
- ``_facts``: the kinds of fact the conditions read;
- ``_compile`` and ``_durable``: a condition compiled to durable-rules, and the production
  evaluator over it; ``_reference``: the plain-Python evaluator of the same conditions (the two
  must agree: differential tests).

The rules themselves live in :mod:`erantis_rules.catalogue`; applying them to events is
:mod:`erantis_rules.engine`'s work.
"""
