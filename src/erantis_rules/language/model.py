"""Rules as data, and the findings they produce."""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from erantis_rules.language.conditions import (
    Absent,
    Condition,
    Param,
    Term,
    all_of,
    conditions_of,
    is_in,
    terms_of,
    this,
)
from erantis_rules.regimes import Regime, applicable, reference_under

__all__ = ["Finding", "Ground", "Rule", "Severity"]


class Severity(StrEnum):
    """How serious a finding is: ``violation`` breaks law or a hard policy, ``warning`` needs
    attention, ``info`` is for the dialogue meeting."""

    INFO = "info"
    WARNING = "warning"
    VIOLATION = "violation"


class Ground(StrEnum):
    """How sure a rule's legal ground is (``docs/law.md``): ``verified`` (the enacted or
    consolidated wording was read), ``secondary`` (a ministry, authority or municipal source;
    the wording not seen), ``unverified`` (not seen: such a rule raises at most ``info``), or
    ``policy`` (no law: the municipality's own choice, a policy parameter)."""

    VERIFIED = "verified"
    SECONDARY = "secondary"
    UNVERIFIED = "unverified"
    POLICY = "policy"


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of the catalogue, stated once: its metadata and the condition under which a
    fact of kind ``judges`` breaks it (:mod:`erantis_rules.language.conditions`). Both
    evaluators read ``broken_when``; ``due`` (a date term over the same fact) is the day by
    which something should have happened."""

    id: str
    title: str
    severity: Severity
    #: A legal reference ("SEL §83 stk. 3") or, where the law is not specific, the policy
    #: parameter the rule enforces ("Policy: adjustment_tolerance_pct").
    legal_reference: str
    #: Message template. Its fields are read from the judged fact's fields (dates as ISO
    #: days), ``due``, the policy's parameters and ``detail``; never personal data.
    message: str
    description: str
    #: The kind of fact the rule judges (a fact class's ``kind``).
    judges: str
    #: When a fact of that kind breaks the rule.
    broken_when: Condition
    due: Term | None = None
    #: Message values that are no field of the fact (e.g. which parts are missing).
    detail: Callable[[Any], Mapping[str, Any]] | None = None
    #: Where the rule depends on the law in force: the reference it cites under each legal
    #: regime (``erantis_rules.regimes``); it judges only facts of those regimes (and of
    #: regimes inheriting them). ``None``: the rule holds whatever the regime, citing
    #: ``legal_reference``.
    by_regime: Mapping[str, str] | None = None
    #: How sure the law under the rule is; a rule of ``unverified`` ground is at most ``info``.
    ground: Ground = Ground.POLICY

    def condition_under(self, regimes: Iterable[Regime]) -> Condition:
        """``broken_when``, limited to the facts of the regimes the rule applies under."""
        if self.by_regime is None:
            return self.broken_when
        return all_of(
            is_in(this.regime, sorted(applicable(self.by_regime, regimes))), self.broken_when
        )

    def reference_for(self, fact: Any, regimes: Iterable[Regime]) -> str:
        """The legal reference a finding on ``fact`` cites: the one of the fact's regime."""
        if self.by_regime is None:
            return self.legal_reference
        found = reference_under(self.by_regime, getattr(fact, "regime", ""), regimes)
        return self.legal_reference if found is None else found

    @property
    def reads(self) -> frozenset[str]:
        """Other fact kinds the rule reads (those whose absence it tests)."""
        return frozenset(
            part.kind for part in conditions_of(self.broken_when) if isinstance(part, Absent)
        )

    @property
    def parameters(self) -> frozenset[str]:
        """Policy parameters the rule's condition, due day and message read."""
        read = {t.name for t in terms_of(self.broken_when) if isinstance(t, Param)}
        if self.due is not None:
            read |= {t.name for t in terms_of(self.due) if isinstance(t, Param)}
        return frozenset(read)

    def render(self, fact: Any, due: date | None, params: Mapping[str, Any]) -> str:
        """The message for one finding on ``fact``."""
        values: dict[str, Any] = {}
        names = {name for _, name, _, _ in string.Formatter().parse(self.message) if name}
        own = _fields(fact)
        detail = self.detail(fact) if self.detail is not None else {}
        for name in names:
            if name in detail:
                found = detail[name]
            elif name in own:
                found = getattr(fact, name)
            elif name == "due":
                found = due
            else:
                found = params[name]
            values[name] = found.isoformat() if isinstance(found, date) else found
        return self.message.format(**values)


def _fields(fact: Any) -> frozenset[str]:
    if is_dataclass(fact):
        return frozenset(f.name for f in fields(fact))
    return frozenset()


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule broken (or at risk) for one subject.

    ``subject`` is a case id, or ``"team_id/period"`` for team rules. ``message`` is rendered
    from the rule's template and holds no CPR number, name or free text. ``evidence`` lists the
    ids of the events the finding rests on; ``due`` is the date by which something should
    have happened (or ``None``).
    """

    subject: str
    rule_id: str
    due: date | None
    evidence: tuple[str, ...]
    severity: Severity
    message: str
    legal_reference: str

    @property
    def key(self) -> tuple[str, str, str]:
        """Identity of a finding across evaluations (subject, rule, evidence)."""
        return (self.subject, self.rule_id, ",".join(self.evidence))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "subject": self.subject,
            "message": self.message,
            "legal_reference": self.legal_reference,
            "evidence": list(self.evidence),
            "due": self.due.isoformat() if self.due else None,
        }
