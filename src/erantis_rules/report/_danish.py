"""The catalogue in Danish, for the Danish meeting pack: each rule's title and message keyed by
rule id, and the legal references with their English parts (policy parameters, notes) put into
Danish.

Kept apart from the catalogue's family modules so that a rule's Danish text is one entry here;
a test checks that every rule of the catalogue has a Danish title and a message with the same
placeholders as its English one, and that every reference it cites comes out in Danish.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["POLICY_DA", "RULES_DA", "danish_reference", "danish_title"]

#: rule id -> (title, message); the message has the English message's ``{placeholders}``.
RULES_DA: Final[dict[str, tuple[str, str]]] = {
    "DEL-001": (
        "Delegeret af en, der ikke må delegere opgaven",
        "Delegation {delegation} af {task} blev givet af {delegator}, som efter politikken "
        "ikke må delegere eller overdrage opgaven.",
    ),
    "DEL-002": (
        "Modtagerens kompetence er ikke sikret",
        "Delegation {delegation} af {task}: modtagerens kompetence er ikke sikret.",
    ),
    "DEL-003": (
        "Rammedelegation uden skriftlig instruks",
        "Rammedelegation {delegation} af {task} har ingen skriftlig instruks.",
    ),
    "DEL-004": (
        "Opgaven kan ikke delegeres til modtagerens faggruppe",
        "Delegation {delegation}: opgaven {task} må efter politikken ikke delegeres til "
        "{delegate}.",
    ),
    "DEL-005": (
        "Opfølgning på en delegation er overskredet",
        "Delegation {delegation} af {task} skulle være fulgt op senest {due}; ingen opfølgning "
        "er registreret.",
    ),
    "DEL-006": (
        "Delegation ikke stillet i bero ved indlæggelse",
        "Borgeren blev indlagt; delegation {delegation} blev ikke stillet i bero inden for "
        "{suspend_on_admission_days} dag(e).",
    ),
    "DOC-001": (
        "Varig hjælp bevilget uden vurdering af rehabiliteringspotentiale",
        "Afgørelse {decision} bevilger varig hjælp efter SEL §83, men sagen har ingen tidligere "
        "vurdering af rehabiliteringspotentialet.",
    ),
    "DOC-002": (
        "Afgørelse uden begrundelse eller klagevejledning",
        "Afgørelse {decision} ({made}) mangler {missing}.",
    ),
    "DOC-003": (
        "Bevilling uden individuelle mål",
        "Afgørelse {decision} ({made}) sætter ingen individuelle mål for hjælpen.",
    ),
    "DOC-004": (
        "Opfølgning på en afgørelse er overskredet",
        "Afgørelse {decision} skulle være fulgt op senest {due} (dens egen opfølgningsdag, eller "
        "senest {case_follow_up_max_days} dage efter den efter {case_follow_up_standard}); ingen "
        "opfølgning er registreret.",
    ),
    "DOC-005": (
        "Ingen afgørelse efter et rehabiliteringsforløb",
        "Rehabiliteringsforløb {course} er afsluttet; ingen afgørelse fulgte inden for "
        "{reassess_after_rehab_days} dage (senest {due}).",
    ),
    "DOC-006": (
        "Bevilling uden nylig vurdering af funktionsevne",
        "Afgørelse {decision} ({made}) bygger ikke på en vurdering af funktionsevnen fra de "
        "seneste {assessment_max_age_days} dage.",
    ),
    "DOC-007": (
        "Hjemmesygepleje bevilget uden helbredsvurdering",
        "Afgørelse {decision} bevilger hjemmesygepleje, men sagen har ingen tidligere vurdering "
        "af helbredstilstande.",
    ),
    "DOC-008": (
        "Hjemmesygepleje bevilget uden lægehenvisning",
        "Afgørelse {decision} bevilger hjemmesygepleje efter SUL §138, men ingen lægehenvisning "
        "gik forud.",
    ),
    "FRM-001": (
        "Teamets justeringer ud over tolerancen uden ny afgørelse",
        "Teamets justeringer af {intervention} under afgørelse {decision} er i alt {net:+d} "
        "minutter mod en ramme på {granted}; ud over ±{adjustment_tolerance_pct} % kræves en ny "
        "afgørelse (opfølgningsudfald E4).",
    ),
    "FRM-002": (
        "Tid justeret uden borgerens medvirken",
        "En justering af tid under afgørelse {decision} blev lavet uden borgerens medvirken.",
    ),
    "FRM-003": (
        "Besøg uden for en gældende afgørelse",
        "Et besøg med {intervention} den {on} er ikke dækket af nogen gældende afgørelse.",
    ),
    "FRM-004": (
        "Periode med merforbrug uden dialogmøde",
        "Team {team} leverede {delivered} minutter i {period} mod en ramme på {granted} (mere "
        "end {settlement_band_pct} % over); intet dialogmøde blev holdt senest {due}.",
    ),
    "FRM-005": (
        "Rehabiliteringsforløb for langt",
        "Rehabiliteringsforløb {course} har varet mere end {rehab_max_weeks} uger (fra {started}).",
    ),
    "FRM-006": (
        "For mange forskellige medarbejdere",
        "{carers} forskellige medarbejdere besøgte borgeren inden for "
        "{continuity_window_days} dage ({first} til {last}); politikken tillader "
        "{continuity_max_carers}.",
    ),
    "FRM-007": (
        "Perioden er ikke afregnet i tide",
        "Team {team}s periode {period} sluttede {end} og er ikke afregnet (frist {due}).",
    ),
    "FRM-008": (
        "Hjælp ofte byttet eller afvist: revurdér",
        "Borgeren byttede eller afviste hjælp {count} gange inden for {swap_window_days} dage "
        "({first} til {last}); fra {reassess_after_swaps} gange revurderer kommunen "
        "afgørelsen.",
    ),
    "REG-001": (
        "Serviceloven anvendt for en borger under ældreloven",
        "{what} {subject} af {on} henviser til {cited}, som SEL §2 stk. 5 udelukker for "
        "ældrelovens målgruppe fra 2025-07-01; den bør henvise til ældreloven.",
    ),
    "REG-002": (
        "Bevilling efter ældreloven uden en målgruppevurdering, der placerer borgeren under loven",
        "Afgørelse {decision} bevilger hjælp efter ældreloven, men {why}.",
    ),
    "REG-003": (
        "Afgørelse efter serviceloven fra før ældreloven: afgørelse efter ældreloven skal træffes",
        "Afgørelse {decision} af {on} efter {cited} gælder til 2027-07-01 (ÆL §46 stk. 2); senest "
        "{due} træffer kommunen afgørelse efter ældreloven, tidligere hvis behovet ændrer sig.",
    ),
    "DOC-009": (
        "Bevilling uden skriftlig information om den bevilgede hjælp",
        "Afgørelse {decision} ({made}) bevilger hjælp, men borgeren er ikke skriftligt "
        "informeret om den bevilgede hjælp.",
    ),
    "DOC-010": (
        "Begrundelse eller klagevejledning er ufuldstændig",
        "Afgørelse {decision} ({made}): {content_gaps}.",
    ),
    "DOC-011": (
        "Bevilling af et forløb, der ikke nævner et forløb fra kataloget",
        "Afgørelse {decision} af {on} bevilger et forløb efter ÆL §10, men nævner intet af "
        "forløbene i kommunens katalog, som gælder den dag (nævnt: {named}); besøgene vurderes "
        "mod alle elementer i §9 stk. 2.",
    ),
    "PRV-001": (
        "Skift af leverandør ikke gennemført i tide",
        "Borgeren bad den {requested} om at skifte leverandør for afgørelse {decision}; skiftet "
        "trådte i kraft den {effective}, senere end de {provider_change_max_days} dage, kommunen "
        "tillader.",
    ),
    "PRV-004": (
        "Leverandør valgt med fritvalgsbevis uden en afgørelse om beviset",
        "Leverandøren af afgørelse {decision} overtog den {effective} med et fritvalgsbevis, "
        "men ingen afgørelse om fritvalgsbevis for hjælpen er registreret senest den dag.",
    ),
    "PRV-005": (
        "Afslag på fritvalgsbevis uden begrundelse",
        "Afgørelsen af {on}, der afslår et fritvalgsbevis for hjælpen efter afgørelse "
        "{decision}, er ikke begrundet.",
    ),
    "PRV-002": (
        "Leverandørens meddelelse om ændrede behov er ikke fulgt op",
        "Leverandøren meddelte den {reported}, at behovet efter afgørelse {decision} har ændret "
        "sig; ingen opfølgning på afgørelsen er registreret senest {due}.",
    ),
    "PRV-003": (
        "Den selvvalgte hjælpers besøg ligger uden for kontrakten",
        "Et besøg med {intervention} den {on} ved borgerens selvvalgte hjælper {helper} ligger "
        "uden for opgaverne i en kontrakt.",
    ),
    "REG-004": (
        "Afgørelse efter serviceloven fra før ældreloven stadig grundlaget efter 2027-06-30",
        "Afgørelse {decision} af {on} efter {cited} gjaldt kun til {due} (ÆL §46 stk. 2) og er "
        "stadig borgerens grundlag for hjælp: en afgørelse efter ældreloven skulle være truffet "
        "inden da (stk. 4).",
    ),
    "REG-005": (
        "Madservice bevilget efter en forkert bestemmelse",
        "Afgørelse {decision} af {on} bevilger madservice efter {cited}; fra 2025-07-01 bevilges "
        "madservice efter SEL §83b, eller for ældrelovens målgruppe efter ÆL §13 (i hjemmet) "
        "eller §14 (beboere).",
    ),
    "REG-006": (
        "Ny afgørelse efter serviceloven for en borger i overgangsperioden",
        "{what} {subject} af {on} henviser til {cited} for en borger, hvis afgørelse efter "
        "serviceloven fra før 2025-07-01 stadig gælder: lovligt, mens den gør (ÆL §46 stk. 3), "
        "men et ændret behov kræver en afgørelse efter ældreloven (stk. 5).",
    ),
}

#: Policy parameters as a Danish reader of a reference knows them.
POLICY_DA: Final[dict[str, str]] = {
    "adjustment_tolerance_pct": "tolerance for teamets justeringer (%)",
    "settlement_band_pct": "afregningsbåndet (%)",
    "gain_share_provider_pct": "leverandørens andel af gevinsten (%)",
    "loss_cap_pct": "loft over tab (%)",
    "minute_price": "minutprisen",
    "carry_over": "overførsel til næste periode",
    "pause_frame_during_admission": "rammen sat i bero under indlæggelse",
    "case_follow_up_max_days": "frist for opfølgning på afgørelser (dage)",
    "case_follow_up_standard": "kommunens standard for opfølgning",
    "provider_change_max_days": "frist for skift af leverandør (dage)",
    "changed_needs_follow_up_days": "frist for opfølgning på ændrede behov (dage)",
    "delegation_follow_up_max_days": "frist for opfølgning på delegationer (dage)",
    "rehab_max_weeks": "længste rehabiliteringsforløb (uger)",
    "reassess_after_rehab_days": "frist for afgørelse efter rehabilitering (dage)",
    "continuity_max_carers": "højeste antal forskellige medarbejdere",
    "continuity_window_days": "kontinuitetsvinduet (dage)",
    "suspend_on_admission": "delegationer stilles i bero ved indlæggelse",
    "suspend_on_admission_days": "frist for at stille delegationer i bero (dage)",
    "assessment_max_age_days": "højeste alder af en funktionsvurdering (dage)",
    "dialogue_after_overspend_days": "frist for dialogmøde efter merforbrug (dage)",
    "settlement_deadline_days": "frist for afregning (dage)",
    "reassess_after_swaps": "revurdering efter byttede eller afviste besøg (antal)",
    "swap_window_days": "vinduet for byttede eller afviste besøg (dage)",
    "delegable_tasks_by_role": "opgaver, der kan delegeres, pr. faggruppe",
    "pre_dispensed_tasks_by_role": "opgaver med forhåndsdispensation pr. faggruppe",
    "delegating_tasks_by_role": "opgaver, hver faggruppe må delegere",
    "care_courses": "kommunens katalog over forløb (ÆL §9)",
}

#: The English notes some references carry, in Danish.
_PHRASES: Final[dict[str, str]] = {
    "Policy:": "Kommunens politik:",
    "health assessment before nursing (the nursing record rules)": (
        "helbredsvurdering før sygepleje (journalføringsreglerne)"
    ),
    "citizen involvement (self-determination)": "borgerinddragelse (selvbestemmelse)",
    "deliveries need an active decision": "levering kræver en gældende afgørelse",
    "Transition to the Elderly Act (unverified; LEGAL.md §3)": (
        "Overgangen til ældreloven (ikke efterprøvet; LEGAL.md §3)"
    ),
}

_PARAMETER = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def danish_title(rule_id: str, english: str) -> str:
    """The Danish title of a rule (the English one for a rule this module does not know)."""
    found = RULES_DA.get(rule_id)
    return english if found is None else found[0]


def danish_reference(reference: str) -> str:
    """A legal reference with its English notes and policy parameter names in Danish; the
    law's own citations (``SEL §83 stk. 3``) are Danish already and kept."""
    text = reference
    for english, danish in _PHRASES.items():
        text = text.replace(english, danish)
    return _PARAMETER.sub(lambda match: POLICY_DA.get(match.group(0), match.group(0)), text)
