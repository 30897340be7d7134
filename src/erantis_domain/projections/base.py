"""The common machinery of projections: apply events from the store's notification log in
order, remember the position, and save/load state and position together.

A projection reads the store-wide log through :meth:`CaseStore.replay(after=position)
<erantis_domain.store.CaseStore.replay>`. After applying an entry it sets ``position`` to that
entry's position, so :meth:`Projection.catch_up` never applies an event twice and a later call
starts where the previous one stopped. :meth:`Projection.save` writes the state *and* the
position as one document, in one write: a process that restarts from a saved checkpoint resumes
from exactly the state that position describes, whatever happened after the save.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self

from erantis_domain.events import Event
from erantis_domain.projections.checkpoints import CheckpointStore, split_document

if TYPE_CHECKING:  # the store pulls in eventsourcing; only its type is needed here
    from erantis_domain.store import StoredEntry

__all__ = ["EventSource", "Projection"]


class EventSource(Protocol):
    """What a projection needs of a store: the ordered log from a position on."""

    def replay(self, *, after: int = 0, batch_size: int = 1000) -> Iterable[StoredEntry]:
        """Stored entries with a position greater than ``after``, in order."""
        ...


class Projection(ABC):
    """A read model folded from the notification log.

    Subclasses set ``name`` and ``state_version``, implement :meth:`apply_event` and the two
    state converters. ``position`` is the log position of the last event applied (0: none).
    """

    #: Key under which the checkpoint is saved.
    name: ClassVar[str]
    #: Bumped when the saved state's shape changes; a checkpoint of another version is ignored
    #: (the projection is rebuilt from the log instead of misreading old state).
    state_version: ClassVar[int] = 1

    def __init__(self) -> None:
        self.position = 0

    @abstractmethod
    def apply_event(self, event: Event) -> None:
        """Fold one event into the state. Events of no interest are ignored."""

    @abstractmethod
    def _state_to_json(self) -> Any:
        """The state as JSON-compatible data."""

    @abstractmethod
    def _state_from_json(self, data: Any) -> None:
        """Replace the state with one read by :meth:`_state_to_json`."""

    def apply(self, entry: StoredEntry) -> None:
        """Apply one log entry, if it is newer than ``position``; older ones are skipped."""
        if entry.position <= self.position:
            return
        self.apply_event(entry.event)
        self.position = entry.position

    def catch_up(self, store: EventSource, *, batch_size: int = 1000) -> int:
        """Apply every event stored after ``position``; returns how many were applied."""
        applied = 0
        for entry in store.replay(after=self.position, batch_size=batch_size):
            if entry.position <= self.position:
                continue
            self.apply_event(entry.event)
            self.position = entry.position
            applied += 1
        return applied

    @classmethod
    def rebuild(cls, store: EventSource, *args: Any, **kwargs: Any) -> Self:
        """A fresh projection caught up from the beginning of the log."""
        projection = cls(*args, **kwargs)
        projection.catch_up(store)
        return projection

    # --- checkpoints -----------------------------------------------------------------------

    def _state_to_text(self) -> str:
        """The state as JSON text; a projection with a large state may write it directly
        (without building its JSON-compatible data first)."""
        return json.dumps(self._state_to_json(), sort_keys=True, separators=(",", ":"))

    def _state_from_text(self, text: str) -> None:
        """Replace the state with one written by :meth:`_state_to_text`."""
        self._state_from_json(json.loads(text))

    def dumps(self) -> str:
        """State and position as one JSON document, deterministic, its keys in sorted order:
        ``position``, ``projection``, ``state``, ``state_version``."""
        head = json.dumps(
            {"position": self.position, "projection": self.name}, separators=(",", ":")
        )
        return (
            f'{head[:-1]},"state":{self._state_to_text()},'
            f'"state_version":{json.dumps(self.state_version)}}}'
        )

    def loads(self, text: str) -> bool:
        """Replace state and position with a document written by :meth:`dumps`. Returns
        ``False`` (and leaves the projection as it was) when the document belongs to another
        projection or state version.

        The state's text is handed to :meth:`_state_from_text` as found, so a large state is
        not decoded twice (once into generic JSON data, once into the projection's types)."""
        split = split_document(text)
        # Not as dumps writes it (another JSON layout): read it whole.
        header, state = split if split is not None else (json.loads(text), None)
        if (
            header.get("projection") != self.name
            or header.get("state_version") != self.state_version
        ):
            return False
        if state is None:
            self._state_from_json(header["state"])
        else:
            self._state_from_text(state)
        self.position = int(header["position"])
        return True

    def save(self, checkpoints: CheckpointStore) -> None:
        """Save state and position together under :attr:`name`."""
        checkpoints.write(self.name, self.dumps())

    def restore(self, checkpoints: CheckpointStore) -> bool:
        """Load the saved checkpoint, if there is a usable one; returns whether it was."""
        text = checkpoints.read(self.name)
        return text is not None and self.loads(text)
