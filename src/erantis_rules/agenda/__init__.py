"""Read models built on findings, for the people who act on them.

- :func:`dialogue_agenda` (``_dialogue``): the dialogue meeting's agenda for a team and
  settlement period: its frame ledger, open frame and delegation findings, citizens needing
  reassessment, adjustments made without the citizen;
- :func:`due_list` (``_due``): what the rules will require within the next days, before it
  becomes a finding.

Both run the engine's :func:`~erantis_rules.check` and shape what it finds; the meeting pack
(:mod:`erantis_rules.report`) renders them.
"""

from erantis_rules.agenda._dialogue import (
    AGENDA_RULE_FAMILIES,
    AdjustmentWithoutCitizen,
    DialogueAgenda,
    ReassessmentNeeded,
    dialogue_agenda,
    settlement_terms,
)
from erantis_rules.agenda._due import DueItem, due_list

__all__ = [
    "AGENDA_RULE_FAMILIES",
    "AdjustmentWithoutCitizen",
    "DialogueAgenda",
    "DueItem",
    "ReassessmentNeeded",
    "dialogue_agenda",
    "due_list",
    "settlement_terms",
]
