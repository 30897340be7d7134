"""The state of one citizen's case while its events are being written."""

from __future__ import annotations

import random
from typing import Any

from erantis_domain.testing.synthetic.calendar import SLOTS
from erantis_domain.testing.synthetic.municipality import Municipality
from erantis_domain.testing.synthetic.team import Team, role_of

#: Share of citizens whose need is assessed to fall outside the Elderly Act (SEL: e.g. a
#: lifelong disability); the others are in its target group (pension age, or equivalent).
_OUTSIDE_AEL = 0.1

__all__ = ["Frames", "Life", "Plan", "Span"]

#: Frames as the events carry them: ``{"intervention", "minutes", "per"}``.
Frames = list[dict[str, Any]]
#: Visits of each frame: (code, minutes a visit, visits per weekday or None for every other
#: week, who delivers: "help", "nurse", "therapist" or a delegate's id).
Plan = list[tuple[str, float, list[int] | None, str]]
#: A decision's frames over days (first, last): (minutes, "week" or "month") per frame.
Span = tuple[int, int, list[tuple[int, str]]]

#: Share of citizens who get a month of many different carers (FRM-006).
_CHAOTIC = 0.03
#: How long such a month lasts, in days: twice the continuity window, to be seen whole.
_CHAOS_DAYS = 28


class Life:
    """One citizen's case: who serves them, the events so far (keyed by day and slot for
    sorting), and what the visits and the team's ledger need: service segments, decision
    spans, pauses, delegations and the first day without service (``closed``)."""

    __slots__ = (
        "backup",
        "case",
        "chaotic_from",
        "closed",
        "decisions",
        "delegations",
        "law",
        "law_rng",
        "nurse",
        "nurse_id",
        "out",
        "pauses",
        "primaries",
        "roles",
        "segments",
        "spans",
        "team",
        "therapist",
        "town",
        "visitator",
    )

    def __init__(self, town: Municipality, team: Team, index: int) -> None:
        pick, days = town.draws.pick, town.calendar.days
        self.town, self.team = town, team
        self.case = f"case-{index + 1:06d}"
        self.out: list[tuple[int, dict[str, Any]]] = []
        self.visitator = {"actor_id": pick(town.visitators), "role": "visitator"}
        self.nurse_id = pick(team.nurses)
        self.nurse = {"actor_id": self.nurse_id, "role": "nurse"}
        self.therapist = {"actor_id": team.therapist, "role": "therapist"}
        # Carers: three primaries (one an SSA when possible), one backup.
        self.primaries = [pick(team.ssh), pick(team.ssh), pick(team.ssa)]
        self.backup = pick(team.carers())
        self.roles = {c: role_of(c) for c in [*self.primaries, self.backup]}
        self.chaotic_from = -1
        if town.draws.chance(_CHAOTIC):
            self.chaotic_from = town.draws.between(0, max(0, days - _CHAOS_DAYS))
        self.decisions = 0
        self.segments: list[tuple[int, int, Plan]] = []
        self.spans: list[Span] = []
        self.pauses: list[tuple[int, int]] = []
        #: (delegation id, task, delegate, day delegated)
        self.delegations: list[tuple[str, str, str, int]] = []
        self.closed = days
        # Which law the citizen is under comes from a stream of its own, so adding it left
        # every other draw of a seed where it was.
        self.law_rng = random.Random(f"{town.draws.prefix}:{self.case}:law")
        share = self.law_rng.random()
        self.law = "SEL" if share < _OUTSIDE_AEL else "AEL"

    def add(self, d: int, slot: int, etype: str, by: dict[str, str], /, **fields: Any) -> None:
        """Record a case event on day ``d`` at ``slot``; nothing after the window."""
        if d >= self.town.calendar.days:
            return
        body: dict[str, Any] = {
            "type": etype,
            "event_id": self.town.draws.event_id(),
            "case_id": self.case,
            "occurred_at": self.town.calendar.occ[d][slot],
            "recorded_by": dict(by),
        }
        body.update(fields)
        self.out.append((d * SLOTS + slot, body))

    def grant(
        self,
        d: int,
        slot: int,
        by: dict[str, str],
        grant: tuple[str, dict[str, Any], Frames, list[str]],
        until: int | None,
        due: int,
        reasons: str,
        complaint_guidance: bool,
        **more: Any,
    ) -> None:
        """Record a ``VisitationGranted`` in force from day ``d``; ``grant`` is (decision id,
        legal basis, frames, goals); ``more`` adds fields (a course frame, a referral)."""
        decision, legal_basis, frames, goals = grant
        iso = self.town.calendar.iso
        self.add(
            d,
            slot,
            "VisitationGranted",
            by,
            schema_version=2,
            decision_id=decision,
            legal_basis=legal_basis,
            frames=frames,
            goals=goals,
            valid_from=iso[d],
            valid_until=None if until is None else iso[until],
            follow_up_due=iso[due],
            team_id=self.team.id,
            reasons=reasons,
            complaint_guidance=complaint_guidance,
            **more,
        )

    def next_decision(self) -> str:
        """The id of the case's next decision."""
        self.decisions += 1
        return f"{self.case}-d{self.decisions}"
