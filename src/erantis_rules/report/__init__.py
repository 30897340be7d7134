"""The dialogue meeting pack (dialogmødepakke): what a team and the purchaser look at together
about one settlement period, as data and as one self-contained HTML page.

:func:`meeting_pack` gathers a typed, frozen :class:`MeetingPack` from the store: the frame
ledger of the period and up to 12 periods of history, the outcome indicators
(:mod:`erantis_domain.projections.indicators`) with their trend, the open findings by rule,
what is due next (:func:`erantis_rules.agenda.due_list`), the agenda items of
:func:`erantis_rules.dialogue_agenda` and the meetings held. :func:`render_html` draws it in
Danish or English: inline SVG charts (each with a title, a description and a data table),
inline CSS, no scripts, fonts or links to fetch, print layout for A4.

Gathering needs only the core; rendering needs the ``report`` extra (jinja2 and matplotlib:
``pip install 'erantis[report]'``), imported on first use.
"""

from __future__ import annotations

from typing import get_args

from erantis_domain.errors import ErantisError, InvalidArgumentError
from erantis_rules.report._labels import LANGS, Lang
from erantis_rules.report._pack import (
    AgreementRecord,
    MeetingPack,
    MeetingRecord,
    MonthFigures,
    RuleCount,
    TrialRecord,
    meeting_pack,
)

__all__ = [
    "AgreementRecord",
    "Lang",
    "MeetingPack",
    "MeetingRecord",
    "MonthFigures",
    "ReportDependencyMissing",
    "RuleCount",
    "TrialRecord",
    "meeting_pack",
    "render_html",
]


class ReportDependencyMissing(ErantisError):
    """Rendering the pack needs the ``report`` extra (jinja2, matplotlib), which is not
    installed."""

    code = "E-REPORT-EXTRA-MISSING"


def render_html(pack: MeetingPack, lang: Lang = "da") -> str:
    """The pack as one self-contained HTML document in ``lang`` (``"da"`` or ``"en"``).

    Raises :class:`~erantis_domain.errors.InvalidArgumentError` for another language and
    :class:`ReportDependencyMissing` without the ``report`` extra.
    """
    if lang not in LANGS:
        choices = ", ".join(get_args(Lang))
        raise InvalidArgumentError(f"lang must be one of {choices} (got {lang!r})")
    try:
        from erantis_rules.report._html import render
    except ImportError as exc:
        raise ReportDependencyMissing(
            f"rendering the meeting pack needs the report extra: pip install 'erantis[report]' "
            f"({exc.name} is missing)"
        ) from None
    return render(pack, lang)
