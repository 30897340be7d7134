"""Every text of the meeting pack, in Danish and English: one table, so a label cannot exist in
one language only (a test checks it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Final, Literal

Lang = Literal["da", "en"]
LANGS: Final[tuple[Lang, ...]] = ("da", "en")

LABELS: Final[dict[str, tuple[str, str]]] = {
    # key: (Danish, English)
    "thousands_sep": (".", ","),
    "decimal_sep": (",", "."),
    "title": ("Dialogmødepakke", "Dialogue meeting pack"),
    "team": ("Team", "Team"),
    "period": ("Periode", "Period"),
    "as_of": ("Opgjort pr.", "As of"),
    "generated_by": ("Dannet af erantis", "Made by erantis"),
    "no_personal_data": (
        "Pakken indeholder ingen CPR-numre, navne eller fritekst; borgere vises kun med sags-id.",
        "The pack holds no CPR numbers, names or free text; citizens appear by case id only.",
    ),
    "summary": ("Perioden kort", "The period at a glance"),
    "granted": ("Bevilget (min.)", "Granted (min)"),
    "adjusted": ("Justeret (min.)", "Adjusted (min)"),
    "frame": ("Ramme (min.)", "Frame (min)"),
    "delivered": ("Leveret (min.)", "Delivered (min)"),
    "variance": ("Afvigelse (min.)", "Variance (min)"),
    "variance_pct": ("Afvigelse (%)", "Variance (%)"),
    "band": ("Bånd", "Band"),
    "band_inside": ("inden for båndet", "inside the band"),
    "band_overspend": ("merforbrug", "overspend"),
    "band_underspend": ("mindreforbrug", "underspend"),
    "band_limits": ("Båndets grænser (min.)", "Band limits (min)"),
    "incentive": ("Incitament (kr.)", "Incentive (DKK)"),
    "settled": ("Afregnet", "Settled"),
    "not_settled": ("ikke afregnet endnu", "not settled yet"),
    "yes": ("ja", "yes"),
    "month": ("Måned", "Month"),
    "chart_frame_title": (
        "Ramme, leveret tid og bånd pr. måned",
        "Frame, delivered time and band per month",
    ),
    "chart_frame_desc": (
        "Søjler: leveret tid. Linje: rammen. Skygge: båndet omkring rammen, "
        "hvor der hverken gives gevinst eller tab.",
        "Bars: delivered time. Line: the frame. Shade: the band around the frame "
        "with no gain and no loss.",
    ),
    "chart_variance_title": (
        "Afvigelse fra rammen, seneste 12 perioder",
        "Variance from the frame, last 12 periods",
    ),
    "chart_variance_desc": (
        "Søjler: afvigelse i procent af rammen (positiv er merforbrug). Stiplede linjer: båndet.",
        "Bars: variance in % of the frame (positive is overspend). Dashed lines: the band.",
    ),
    "chart_indicators_title": ("Resultatindikatorer over tid", "Outcome indicators over time"),
    "chart_indicators_desc": (
        "Fire små grafer, én pr. indikator, med en værdi pr. periode.",
        "Four small charts, one per indicator, one value per period.",
    ),
    "chart_goals_title": ("Opfølgningernes udfald pr. periode", "Follow-up outcomes per period"),
    "chart_goals_desc": (
        "Stablede søjler: antal opfølgninger med udfald E1 til E4 i hver periode.",
        "Stacked bars: follow-ups with outcome E1 to E4 in each period.",
    ),
    "chart_findings_title": ("Åbne fund pr. regel", "Open findings per rule"),
    "chart_findings_desc": (
        "Vandrette søjler: antal åbne fund pr. regel for teamets borgere og perioder.",
        "Horizontal bars: open findings per rule for the team's citizens and periods.",
    ),
    "data_table": ("Tallene bag grafen", "The figures behind the chart"),
    "indicators": ("Resultatindikatorer", "Outcome indicators"),
    "indicator": ("Indikator", "Indicator"),
    "value": ("Værdi", "Value"),
    "previous": ("Forrige periode", "Previous period"),
    "definition": ("Definition", "Definition"),
    "reads": ("Beregnet ud fra hændelserne", "Computed from the events"),
    "ind_carers_per_14_days": (
        "Forskellige medarbejdere pr. borger pr. 14 dage",
        "Distinct carers per citizen per 14 days",
    ),
    "ind_own_team_visit_pct": (
        "Besøg leveret af borgerens eget team (%)",
        "Visits by the citizen's own team (%)",
    ),
    "ind_adjustments_with_citizen_pct": (
        "Justeringer lavet sammen med borgeren (%)",
        "Adjustments made with the citizen (%)",
    ),
    "ind_admissions_per_1000_days": (
        "Indlæggelser pr. 1.000 borgerdage",
        "Admissions per 1,000 citizen-days",
    ),
    "ind_readmissions": ("Genindlæggelser (inden 30 dage)", "Readmissions (within 30 days)"),
    "ind_citizens": ("Borgere", "Citizens"),
    "ind_visits": ("Besøg", "Visits"),
    "def_carers_per_14_days": (
        "Gennemsnitligt antal forskellige medarbejdere, en borger har mødt i hvert 14-dages "
        "vindue med besøg. Lavere er mere kontinuitet.",
        "Mean number of distinct carers a citizen met per 14-day window with visits. "
        "Lower is more continuity.",
    ),
    "def_own_team_visit_pct": (
        "Andel af besøgene hos teamets borgere, som teamet selv leverede.",
        "Share of the visits to the team's citizens that the team delivered itself.",
    ),
    "def_adjustments_with_citizen_pct": (
        "Andel af teamets justeringer af tid, hvor borgeren var med til at beslutte.",
        "Share of the team's time adjustments decided with the citizen involved.",
    ),
    "def_admissions_per_1000_days": (
        "Indlæggelser af teamets borgere pr. 1.000 dage, hvor borgerens sag var åben.",
        "Admissions of the team's citizens per 1,000 days their cases were open.",
    ),
    "goal_attainment": ("Opfølgninger (FSIII-udfald)", "Follow-ups (FSIII outcomes)"),
    "outcome": ("Udfald", "Outcome"),
    "count": ("Antal", "Count"),
    "share": ("Andel (%)", "Share (%)"),
    "E1": ("E1 fortsætter", "E1 continue"),
    "E2": ("E2 ændret inden for rammen", "E2 changed within the frame"),
    "E3": ("E3 afsluttet", "E3 ended"),
    "E4": ("E4 revurdering", "E4 reassessment"),
    "functional_change": (
        "Ændring i funktionsevne mellem vurderinger (FSIII-område)",
        "Change in functional ability between assessments (FSIII area)",
    ),
    "functional_change_note": (
        "Gennemsnitlig ændring i score (0-4); negativ er en forbedring.",
        "Mean score change (0-4); negative is an improvement.",
    ),
    "area": ("Område", "Area"),
    "pairs": ("Sammenligninger", "Comparisons"),
    "mean_change": ("Gns. ændring", "Mean change"),
    "area_J1": ("J1 Egenomsorg", "J1 Self-care"),
    "area_J2": ("J2 Praktiske opgaver", "J2 Practical tasks"),
    "area_J3": ("J3 Mobilitet", "J3 Mobility"),
    "area_J4": ("J4 Mentale funktioner", "J4 Mental functions"),
    "area_J5": ("J5 Samfundsliv", "J5 Community life"),
    "none_in_period": ("Ingen i perioden.", "None in the period."),
    "findings": ("Fund", "Findings"),
    "rule": ("Regel", "Rule"),
    "severity": ("Alvor", "Severity"),
    "reference": ("Hjemmel", "Reference"),
    "sev_violation": ("overtrædelse", "violation"),
    "sev_warning": ("advarsel", "warning"),
    "sev_info": ("til dialog", "for the dialogue"),
    "due_title": ("Det der forfalder de næste {days} dage", "Due in the next {days} days"),
    "due_intro": (
        "Dokumentation som en regel kræver inden for perioden, før den bliver et fund.",
        "Documentation a rule requires within the window, before it becomes a finding.",
    ),
    "due": ("Frist", "Due"),
    "subject": ("Sag", "Case"),
    "nothing_due": ("Intet forfalder.", "Nothing is due."),
    "agenda": ("Til dagsordenen", "For the agenda"),
    "reassessments": (
        "Borgere med udfald E4 uden ny afgørelse",
        "Citizens with outcome E4 and no decision since",
    ),
    "recorded_on": ("Registreret", "Recorded"),
    "adjustments_without_citizen": (
        "Justeringer uden borgerens medvirken",
        "Adjustments made without the citizen",
    ),
    "adjusted_on": ("Justeret", "Adjusted"),
    "intervention": ("Indsats", "Intervention"),
    "delta": ("Ændring (min.)", "Change (min)"),
    "meetings": ("Dialogmøder og aftaler", "Dialogue meetings and agreements"),
    "meetings_note": (
        "Aftalernes tekst vises ikke, da fritekst kan indeholde personoplysninger; "
        "se mødereferatet.",
        "Agreement texts are not shown, as free text may hold personal data; see the minutes.",
    ),
    "held_on": ("Afholdt", "Held"),
    "participants": ("Deltagere", "Participants"),
    "agreements": ("Aftaler", "Agreements"),
    "no_meetings": ("Ingen dialogmøder registreret.", "No dialogue meetings recorded."),
    "open_agreements": ("Åbne aftaler (læringslog)", "Open agreements (learning log)"),
    "owner": ("Ansvarlig", "Owner"),
    "due_by": ("Frist", "Due"),
    "then_now": ("Dengang → nu", "Then → now"),
    "moved": ("Bevægelse", "Moved"),
    "moved_up": ("op", "up"),
    "moved_down": ("ned", "down"),
    "moved_same": ("uændret", "unchanged"),
    "no_open_agreements": ("Ingen åbne aftaler.", "No open agreements."),
    "trials": ("Forbedringsforsøg (PDSA)", "Improvement trials (PDSA)"),
    "trial": ("Forsøg", "Trial"),
    "stage": ("Fase", "Stage"),
    "since": ("Siden", "Since"),
    "what_if": ("Hvad nu hvis: andre vilkår", "What if: other terms"),
    "what_if_intro": (
        "Med et bånd på ±{band} % ville teamet have fået dette for perioden, på de samme "
        "hændelser. Kun en beregning: intet er registreret.",
        "With a ±{band} % band this team would have had this for the period, on the same "
        "events. A calculation only: nothing is recorded.",
    ),
    "terms": ("Vilkår", "Terms"),
    "terms_recorded": ("Som afregnet", "As settled"),
    "terms_baseline": ("Gældende vilkår", "Terms that apply"),
    "terms_alternative": ("Alternativ", "Alternative"),
    "policy_version": ("Version", "Version"),
    "band_pct": ("Bånd (±%)", "Band (±%)"),
    "exposure": ("Leverandørens risiko (kr.)", "Provider exposure (DKK)"),
    "exposure_note": (
        "Leverandørens risiko er det mest, leverandøren kan komme til at betale for perioden: "
        "tabsloftets andel af rammens værdi.",
        "The provider's exposure is the most the provider could owe for the period: the loss "
        "cap's share of the frame's value.",
    ),
    "incentive_difference": ("Forskel i incitament (kr.)", "Difference in incentive (DKK)"),
    "no_trials": ("Ingen forbedringsforsøg registreret.", "No improvement trials recorded."),
}


def labels(lang: Lang) -> dict[str, str]:
    """The labels of one language."""
    index = LANGS.index(lang)
    return {key: texts[index] for key, texts in LABELS.items()}


def format_number(value: int | float | Decimal | None, t: dict[str, str], places: int = 2) -> str:
    """A figure in the language's notation, the same in tables and charts (1.234,56 in
    Danish, 1,234.56 in English): an ``int`` without decimals, anything else with ``places``;
    an en dash when absent."""
    if value is None:
        return "–"
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.{places}f}"
    return text.translate({ord(","): "\0", ord("."): t["decimal_sep"]}).replace(
        "\0", t["thousands_sep"]
    )
