"""Private: the facts of a case's decisions and of the law they cite.

Per decision what it says and what the case knew then (:class:`DecisionFact`), per grant and
rehabilitation course the legal basis it cites (:class:`CitationFact`: the Elderly Act's bar on
Serviceloven, SEL §2 stk. 5, and the transition of ÆL §46), and the facts of free choice
(ÆL §§18, 20): provider changes, providers' reports of changed needs, own helpers' visits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from erantis_domain.case import CitizenCase, DecisionState
from erantis_rules.courses import DEFAULT_CARE_COURSES, CareCourse, course_on
from erantis_rules.language._facts import (
    CertificateFact,
    CertificateUseFact,
    CitationFact,
    DecisionFact,
    Fact,
    HelperVisitFact,
    NeedsReportFact,
    ProviderChangeFact,
)
from erantis_rules.regimes import AEL_FROM, TRANSITION_END, Regime, regime_of

__all__ = ["citations", "decision_fact", "providers"]


def decision_fact(
    state: CitizenCase,
    d: DecisionState,
    regimes: Sequence[Regime],
    care_courses: Sequence[CareCourse] = DEFAULT_CARE_COURSES,
) -> DecisionFact:
    basis = d.legal_basis
    granting = d.kind != "rejected"
    frames = d.frame_minutes()
    sel83 = granting and basis.cites("SEL", "83")
    cites_ael = basis.act == "AEL"
    regime = regime_of(regimes, d.decided_on, d.target_law, basis.act)
    last = state.in_force(d.decision_id).last if granting else None
    barred = granting and basis.cites("SEL", *_BARRED_FOR_AEL)
    meals = granting and (
        _MEALS in frames
        or (basis.cites("SEL", "83") and basis.stk in (None, "1") and basis.nr == "3")
    )
    meals_miscited = (
        meals
        and d.decided_on >= AEL_FROM
        and not any(basis.cites(act, *paragraphs) for act, paragraphs in _MEALS_BASES)
        and not (barred and d.target_law == "AEL")
    )
    return DecisionFact(
        decision=d.decision_id,
        made=d.kind,
        on=d.decided_on,
        regime=regime,
        has_reasons=d.has_reasons,
        guidance=d.complaint_guidance,
        content_gaps=_content_gaps(state, d),
        informed=d.informed_in_writing or d.minor_favourable,
        fully_granted=d.fully_granted,
        goals=d.goals_count,
        care=granting and (sel83 or cites_ael),
        sel83=sel83,
        barred_sel=barred,
        cites_ael=granting and cites_ael,
        cited=str(basis),
        target_assessed=d.target_law is not None,
        assessed_outside=(d.target_basis or "other") if d.target_law == "SEL" else "",
        citizen_law=state.target_groups[-1].law if state.target_groups else "",
        transitional_basis=_transitional_basis(d),
        meals_miscited=meals_miscited,
        care_course=d.care_course or "",
        course_missing=granting
        and basis.cites("AEL", "10")
        and (d.care_course is None or course_on(care_courses, d.care_course, d.decided_on) is None),
        nursing=granting and (any(code[0] == "G" for code in frames) or basis.cites("SUL", "138")),
        sul138=granting and basis.cites("SUL", "138"),
        physician_referral=d.physician_referral,
        potential_before=d.potential_assessed_before,
        health_before=d.health_assessed_before,
        fa_on=d.functional_assessed_on,
        follow_up_due=d.follow_up_due,
        replaced=d.revised_from is not None,
        closed=state.closed_on,
        in_force_last=last,
        runs_through=(last or date.max) if granting else None,
        evidence=(d.event_id,),
    )


#: SEL § 2, stk. 5 (LOV 1703 of 30/12/2024): not for citizens who can receive ÆL help.
_BARRED_FOR_AEL = ("83", "83a", "83b", "84", "86")
#: Decisions that stay valid until 2027-07-01 when made before 2025-07-01 (ÆL §46 stk. 2;
#: §86 only its stk. 1, §91 stk. 3 is a provider's matter, not a grant of help).
_TRANSITIONAL = ("83", "83a", "86")
#: Madservice (FSIII H1.11) and the provisions it is granted under from 2025-07-01: SEL §83b
#: outside the Elderly Act, ÆL §13 at home and §14 for residents (SEL §83 stk. 1 nr. 3 is
#: repealed by LOV 1703).
_MEALS = "H1.11"
_MEALS_BASES = (("SEL", ("83b",)), ("AEL", ("13", "14")))


_REASON_NAMES = {
    "legal_rules": "the legal rules",
    "main_considerations": "the main considerations",
    "facts": "the facts relied on",
}
_GUIDANCE_NAMES = {
    "complaint_body": "the complaint body (Ankestyrelsen)",
    "via_municipality": "that the complaint goes to the municipality first",
    "time_limit": "the time limit (4 weeks)",
    "ending_final": "that ending the Serviceloven decision cannot be appealed",
}


def _content_gaps(state: CitizenCase, d: DecisionState) -> str:
    """What the recorded elements of the reasons and the guidance leave out, in words."""
    gaps: list[str] = []
    if d.has_reasons and d.reasons_name is not None:
        missing = [name for key, name in _REASON_NAMES.items() if key not in d.reasons_name]
        if missing:
            gaps.append("its reasons do not name " + " or ".join(missing))
    if d.complaint_guidance and d.guidance_states is not None:
        wanted = ["complaint_body", "via_municipality", "time_limit"]
        ended = state.decisions.get(d.revises) if d.revises is not None else None
        if d.legal_basis.act == "AEL" and ended is not None and _transitional_basis(ended):
            wanted.append("ending_final")
        missing = [_GUIDANCE_NAMES[key] for key in wanted if key not in d.guidance_states]
        if missing:
            gaps.append("its complaint guidance does not state " + " or ".join(missing))
    return "; ".join(gaps)


def _transitional_basis(d: DecisionState) -> bool:
    """A grant under SEL §§83, 83a or 86 stk. 1 made before 2025-07-01 (ÆL §46 stk. 2)."""
    basis = d.legal_basis
    return (
        d.kind != "rejected"
        and d.decided_on < AEL_FROM
        and basis.cites("SEL", *_TRANSITIONAL)
        and not (basis.paragraph == "86" and basis.stk not in (None, "1"))
    )


def _transitional_on(state: CitizenCase, day: date, but: str = "") -> bool:
    """Whether the citizen is transitional on ``day`` (ÆL §46 stk. 2-3): before 2027-07-01, a
    pre-2025-07-01 SEL grant (other than ``but``) was in force that day or the day before
    (a revision from ``day`` ends it the day before)."""
    if day >= TRANSITION_END:
        return False
    for d in state.decisions.values():
        if d.decision_id == but or not _transitional_basis(d):
            continue
        span = state.in_force(d.decision_id)
        if span.first < day and (span.last is None or span.last >= day - timedelta(days=1)):
            return True
    return False


def _regime_of_decision(
    state: CitizenCase, decision_id: str, day: date, regimes: Sequence[Regime]
) -> str:
    """The regime of a decision of the case, or (unknown) of a day for the citizen's law."""
    d = state.decisions.get(decision_id)
    if d is not None:
        return regime_of(regimes, d.decided_on, d.target_law, d.legal_basis.act)
    law = state.target_groups[-1].law if state.target_groups else None
    return regime_of(regimes, day, law, "SEL")


def providers(state: CitizenCase, regimes: Sequence[Regime]) -> list[Fact]:
    """Provider changes, fritvalgsbeviser decided and used, providers' reports of changed
    needs, and own helpers' visits outside their contract (free choice: ÆL §§18, 20; BEK nr.
    594/2025 §§3-5; SEL §§91, 94)."""
    out: list[Fact] = []
    for c in state.provider_choices:
        if c.change:
            regime = _regime_of_decision(state, c.decision_id, c.requested_on, regimes)
            out.append(
                ProviderChangeFact(
                    c.decision_id, regime, c.requested_on, c.effective_from, (c.event_id,)
                )
            )
    for c in state.provider_choices:
        if c.via != "fritvalgsbevis":
            continue
        granted = any(
            cert.granted and cert.decision_id == c.decision_id and cert.on <= c.effective_from
            for cert in state.certificates
        )
        regime = _regime_of_decision(state, c.decision_id, c.requested_on, regimes)
        out.append(
            CertificateUseFact(c.decision_id, regime, c.effective_from, granted, (c.event_id,))
        )
    for cert in state.certificates:
        regime = _regime_of_decision(state, cert.decision_id, cert.on, regimes)
        out.append(
            CertificateFact(
                cert.decision_id,
                regime,
                cert.on,
                cert.granted,
                cert.has_reasons,
                (cert.event_id,),
            )
        )
    for r in state.needs_reports:
        regime = _regime_of_decision(state, r.decision_id, r.on, regimes)
        out.append(NeedsReportFact(r.decision_id, regime, r.on, (r.event_id,)))
    if state.own_helpers:
        helpers = state.own_helpers
        for visit in state.visit_log:
            helper = helpers.get(visit.carer_id)
            if helper is None or (helper.contract and visit.intervention in helper.tasks):
                continue
            regime = _regime_of_decision(state, helper.decision_id, visit.delivered_on, regimes)
            out.append(
                HelperVisitFact(
                    helper.helper_id,
                    regime,
                    visit.delivered_on,
                    visit.intervention,
                    (visit.event_id,),
                )
            )
    return out


def citations(state: CitizenCase, regimes: Sequence[Regime]) -> list[CitationFact]:
    """The legal basis of each grant and of each rehabilitation course's start."""
    out: list[CitationFact] = []
    for d in state.decisions.values():
        if d.kind == "rejected":
            continue
        basis = d.legal_basis
        out.append(
            CitationFact(
                subject=d.decision_id,
                what="Decision",
                on=d.decided_on,
                regime=regime_of(regimes, d.decided_on, d.target_law, basis.act),
                cited=str(basis),
                barred_sel=basis.cites("SEL", *_BARRED_FOR_AEL),
                transitional=_transitional_on(state, d.decided_on, but=d.decision_id),
                evidence=(d.event_id,),
            )
        )
    for c in state.courses.values():
        if c.basis is None:
            continue  # known from its end only: what it cited is not known
        out.append(
            CitationFact(
                subject=c.course_id,
                what="Course",
                on=c.started_on,
                regime=regime_of(regimes, c.started_on, c.target_law, c.act),
                cited=str(c.basis),
                barred_sel=c.basis.cites("SEL", *_BARRED_FOR_AEL),
                transitional=_transitional_on(state, c.started_on),
                evidence=c.event_ids[:1],
            )
        )
    return out
