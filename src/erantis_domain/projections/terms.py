"""``SettlementTerms``: the parameters of a rammeafregning (frame settlement).

The rules package's ``Policy`` produces these terms for a municipality; the domain only needs
the figures, so ``erantis_domain`` never imports ``erantis_rules``. Every amount and percentage
is a :class:`~decimal.Decimal`; a ``float`` is refused, because money is never binary-rounded.
A settlement records the terms it used, and their :meth:`~SettlementTerms.digest`.
"""

from erantis_domain._terms import SettlementTerms

__all__ = ["SettlementTerms"]
