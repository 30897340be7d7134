"""Rendering the meeting pack to one self-contained HTML file (jinja2 template, inline CSS and
SVG charts; nothing is fetched when the file is viewed)."""

from __future__ import annotations

from decimal import Decimal

import jinja2
from markupsafe import Markup

from erantis_domain.projections.indicators import INDICATORS
from erantis_rules.report import _charts
from erantis_rules.report._danish import danish_reference, danish_title
from erantis_rules.report._labels import Lang, format_number, labels
from erantis_rules.report._pack import MeetingPack

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("erantis_rules.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(pack: MeetingPack, lang: Lang) -> str:
    """The pack as HTML in ``lang`` (checked by :func:`erantis_rules.report.render_html`)."""
    t = labels(lang)

    def number(value: int | Decimal | None) -> str:
        """A figure in the language's notation (1.234,5 in Danish); an en dash when absent."""
        return format_number(value, t)

    def title(rule_id: str, english: str) -> str:
        return danish_title(rule_id, english) if lang == "da" else english

    def reference(text: str) -> str:
        return danish_reference(text) if lang == "da" else text

    charts = {
        "frame": _charts.frame_chart(pack, t),
        "variance": _charts.variance_chart(pack, t),
        "indicators": _charts.indicators_chart(pack, t),
        "goals": _charts.goals_chart(pack, t),
        "findings": _charts.findings_chart(pack, t) if pack.findings_by_rule else "",
    }
    series = [
        (key, [value_of(i) for i in pack.indicators]) for key, value_of in _charts.INDICATOR_SERIES
    ]
    return _ENV.get_template("pack.html.j2").render(
        pack=pack,
        lang=lang,
        t=t,
        number=number,
        title=title,
        reference=reference,
        charts={key: _markup(svg) for key, svg in charts.items()},
        series=series,
        definitions={d.key: d for d in INDICATORS},
    )


def _markup(svg: str) -> Markup:
    # matplotlib wrote the SVG from our own figures; titles and descriptions were escaped.
    return Markup(svg)
