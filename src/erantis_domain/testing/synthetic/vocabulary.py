"""What the synthetic municipality's events say: FSIII codes, legal bases, free texts, and the
national distribution of weekly home help.

These are not policy parameters: they describe the population the generator imitates
(``DOMAIN.md``, "Sizes"), so they live here and nowhere in :class:`erantis_rules.Policy`.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AEL10",
    "AEL10_COURSE",
    "BANDS",
    "FUNCTIONAL",
    "GOALS",
    "HEALTH",
    "HELP",
    "HELP_WEIGHTS",
    "HOSPITALS",
    "MUNICIPALITY",
    "NURSING",
    "REASONS",
    "REFERRAL_REASONS",
    "REHAB",
    "SEL83",
    "SEL83A",
    "SOURCES",
    "SUL138",
    "visit_length",
]

#: The municipality code every case is opened in (Herning; any valid code would do).
MUNICIPALITY = "0756"
SEL83: dict[str, Any] = {"act": "SEL", "paragraph": "83", "regime": "SEL-2024"}
#: A care course under the Elderly Act, written as caseworkers write it (normalised to AEL §10).
AEL10: dict[str, Any] = {"act": "Ældreloven", "paragraph": "§ 10", "regime": "AEL-2025"}
#: The care course (forløb) an ÆL §10 grant names: the widest of erantis's example catalogue
#: (``erantis_rules.courses``), holding every element of ÆL §9 stk. 2.
AEL10_COURSE: dict[str, Any] = {"care_course": "helhedspleje"}
SEL83A: dict[str, Any] = {"act": "SEL", "paragraph": "83a", "regime": "SEL-2024"}
SUL138: dict[str, Any] = {"act": "SUL", "paragraph": "138", "regime": "SUL-2024"}

#: Home-care interventions (SEL §83) with a typical visit length in minutes.
HELP = (
    ("H1.1", 28),  # Personlig hygiejne
    ("H1.3", 22),  # Ernæring
    ("H1.10", 24),  # Tilberede/anrette mad
    ("H1.2", 22),  # Udskillelser
    ("H1.4", 24),  # Mobilitet
    ("H1.5", 32),  # Hverdagens aktiviteter
    ("H1.6", 22),  # Tilsyn/omsorg
    ("H1.7", 40),  # Indkøb
    ("H1.9", 40),  # Tøjvask
)
#: How often each of :data:`HELP` is chosen: personal hygiene is by far the most common.
HELP_WEIGHTS = (30, 12, 10, 8, 8, 8, 8, 8, 8)
#: Rehabilitation interventions (SEL §83a).
REHAB = ("H2.5", "H2.2", "H2.4", "H2.1", "H2.7", "H2.6")
#: Nursing tasks: (code, minutes a week range, visit length, delegable to).
NURSING: tuple[tuple[str, tuple[int, int], int, tuple[str, ...]], ...] = (
    ("G1.20", (60, 120), 20, ("ssa", "ssh")),  # Medicinadministration
    ("G1.19", (60, 120), 20, ("ssa", "ssh")),  # Kompressionsbehandling
    ("G1.39", (40, 90), 28, ("ssa",)),  # Sårbehandling
    ("G1.41", (20, 40), 20, ()),  # Undersøgelser og måling af værdier
    ("G1.21", (20, 30), 20, ()),  # Medicindispensering
)
#: Functional-ability conditions (FSIII J) a visitator scores.
FUNCTIONAL = (
    "J1.1",
    "J1.2",
    "J1.3",
    "J1.5",
    "J1.7",
    "J1.8",
    "J2.1",
    "J2.2",
    "J2.4",
    "J3.2",
    "J3.5",
    "J3.8",
    "J4.2",
    "J4.3",
)
#: Health conditions (FSIII I) a nurse assesses.
HEALTH = ("I1.1", "I2.1", "I3.2", "I4.9", "I6.2", "I7.2", "I9.3", "I10.2", "I11.1", "I12.3")
#: Where referrals come from, weighted by repetition: most come from hospitals.
SOURCES = ("hospital",) * 7 + ("gp",) * 5 + ("relative",) * 4 + ("citizen",) * 3 + ("other",)
REFERRAL_REASONS = (
    "Udskrevet fra sygehus med behov for hjælp",
    "Faldet i hjemmet",
    "Pårørende oplever tiltagende behov",
    "Egen læge henviser",
    "Borgeren ansøger om hjælp",
)
GOALS = (
    "Klarer selv morgenhygiejne",
    "Kan selv tilberede morgenmad",
    "Går selv til og fra toilet",
    "Deltager i indkøb en gang om ugen",
    "Bevarer nuværende funktionsniveau",
    "Kan selv tage strømper på",
)
REASONS = (
    "Behov for hjælp til personlig pleje efter vurdering af funktionsevne",
    "Nedsat funktionsevne i egenomsorg og praktiske opgaver",
    "Varigt nedsat funktionsevne; rehabilitering vurderet uden potentiale",
)
HOSPITALS = (
    "Regionshospitalet Herning",
    "Regionshospitalet Silkeborg",
    "Aarhus Universitetshospital",
)
#: Weekly home help in minutes per hours band (DOMAIN.md "Sizes"): share, low, mode, high.
BANDS = (
    (0.67, 30, 45, 119),
    (0.22, 120, 150, 479),
    (0.09, 480, 540, 1199),
    (0.02, 1200, 1260, 1800),
)

_LENGTHS = {code: length for code, length in HELP} | {
    code: length for code, _, length, _ in NURSING
}


def visit_length(code: str) -> int:
    """The typical length in minutes of one visit for an intervention; 45 for one without a
    typical length (rehabilitation, where a session takes about that long)."""
    return _LENGTHS.get(code, 45)
