"""A team: its staff, how hard it is pressed each month, and its ledger of the run."""

from __future__ import annotations

from erantis_domain.testing.synthetic.calendar import Calendar
from erantis_domain.testing.synthetic.draws import Draws

__all__ = ["Team", "role_of"]

#: Staff of a team of 50 citizens (DOMAIN.md "Sizes"); larger teams scale up.
_SSH, _SSA, _NURSES = 8, 3, 2
#: Share of months a team overspends clearly, and (added) underspends clearly; in the other
#: months delivery follows the frame within about one per cent.
_OVERSPENT, _UNDERSPENT = 0.08, 0.13


class Team:
    """A team's identity, staff, delivery pressure per day, and the minutes it was granted and
    delivered per month of the window (filled in as its citizens are written)."""

    __slots__ = (
        "day_factor",
        "delivered",
        "granted",
        "id",
        "nurses",
        "ssa",
        "ssh",
        "therapist",
    )

    def __init__(self, index: int, size: int, draws: Draws, calendar: Calendar) -> None:
        self.id = f"team-{index + 1:03d}"
        scale = max(1.0, size / 50)
        self.ssh = [f"{self.id}-ssh-{k + 1:02d}" for k in range(round(_SSH * scale))]
        self.ssa = [f"{self.id}-ssa-{k + 1:02d}" for k in range(round(_SSA * scale))]
        self.nurses = [f"{self.id}-nurse-{k + 1:02d}" for k in range(round(_NURSES * scale))]
        self.therapist = f"{self.id}-therapist-01"
        rand, gauss = draws.rand, draws.rng.gauss
        factors = []
        for _ in range(len(calendar.months) + 1):
            draw = rand()
            if draw < _OVERSPENT:
                factors.append(1.08 + 0.07 * rand())
            elif draw < _UNDERSPENT:
                factors.append(0.88 + 0.05 * rand())
            else:
                factors.append(0.99 + gauss(0.0, 0.012))
        self.day_factor = [factors[calendar.month_of[d]] for d in range(calendar.days)]
        self.granted = [0] * len(calendar.months)
        self.delivered = [0] * len(calendar.months)

    def carers(self) -> list[str]:
        """The team's home helpers (SSH) and assistants (SSA)."""
        return self.ssh + self.ssa


def role_of(carer: str) -> str:
    """The role of a carer of a team or a temp: SSA by their id, else SSH."""
    return "ssa" if "-ssa-" in carer else "ssh"
