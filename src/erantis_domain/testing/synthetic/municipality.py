"""One generation run: the calendar, the random source, the teams and the shared staff."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from erantis_domain.testing.synthetic.calendar import Calendar
from erantis_domain.testing.synthetic.draws import Draws
from erantis_domain.testing.synthetic.team import Team

__all__ = ["Municipality"]

#: One visitator per 300 citizens (at least two), and a pool of temps two per team (at least
#: ten): the temps are who turns up when continuity breaks.
_CITIZENS_PER_VISITATOR, _TEMPS_PER_TEAM = 300, 2


class Municipality:
    """The municipality of a run, with ``citizens`` spread evenly over ``teams`` teams."""

    __slots__ = ("calendar", "citizens", "draws", "teams", "temps", "visitators")

    def __init__(self, citizens: int, start: date, months: int, seed: int, teams: int) -> None:
        # The order matters: the id prefix, then the teams, take the first draws of the seed.
        self.draws = Draws(seed)
        self.calendar = Calendar(start, months)
        self.citizens = citizens
        self.teams = [
            Team(t, len(self._members(t, teams)), self.draws, self.calendar) for t in range(teams)
        ]
        visitators = max(2, citizens // _CITIZENS_PER_VISITATOR)
        self.visitators = [f"visitator-{k + 1:02d}" for k in range(visitators)]
        self.temps = [f"vikar-{k + 1:03d}" for k in range(max(10, teams * _TEMPS_PER_TEAM))]

    def _members(self, t: int, teams: int) -> range:
        return range(t * self.citizens // teams, (t + 1) * self.citizens // teams)

    def members(self) -> Iterator[tuple[Team, range]]:
        """Each team with the indices of its citizens."""
        for t, team in enumerate(self.teams):
            yield team, self._members(t, len(self.teams))
