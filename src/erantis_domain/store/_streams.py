"""Private: a stream as far as the store read or wrote it: its folded state, its digest chain
and its version."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from erantis_domain.case import CitizenCase, TeamPeriod, evolve_all, evolve_team
from erantis_domain.events import Event
from erantis_domain.store._chain import Chain
from erantis_domain.store._naming import Kind
from erantis_domain.store.keys import FieldCipher


@dataclass(slots=True)
class Stream:
    """A stream as far as it was read or written. Events are folded into its state only
    when the state is asked for (a snapshot, a settlement), so an append that needs neither
    folds nothing."""

    stream_id: UUID
    kind: Kind
    folded: CitizenCase | TeamPeriod
    chain: Chain
    version: int = 0
    unfolded: list[Event] = field(default_factory=list)

    @property
    def state(self) -> CitizenCase | TeamPeriod:
        if self.unfolded:
            state = self.folded
            if isinstance(state, CitizenCase):
                state = evolve_all(state, self.unfolded)
            else:
                for event in self.unfolded:
                    state = evolve_team(state, event)
            self.folded, self.unfolded = state, []
        return self.folded

    def apply(self, event: Event) -> None:
        self.unfolded.append(event)
        self.version += 1

    def extend(self, events: list[Event]) -> None:
        """:meth:`apply` each of ``events``, in order."""
        self.unfolded.extend(events)
        self.version += len(events)


def empty(
    stream_id: UUID, kind: Kind, parts: tuple[str, ...], keys: FieldCipher | None = None
) -> Stream:
    """A stream with no events yet: the initial state of its kind, keyed by ``parts``."""
    state: CitizenCase | TeamPeriod = (
        CitizenCase(case_id=parts[0])
        if kind == "case"
        else TeamPeriod(team_id=parts[0], period=parts[1])
    )
    return Stream(stream_id, kind, state, Chain(stream_id, keys=keys))


def settled(state: CitizenCase | TeamPeriod) -> bool:
    """Whether ``state`` is a team period already settled."""
    return isinstance(state, TeamPeriod) and state.settlement is not None
