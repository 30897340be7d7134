"""Given / when / then for the citizen-case aggregate, built on ``decide`` and ``evolve``.

::

    given(opened, granted).when(AdjustTime(...)).then([expected], ignore=("event_id",))
    given(opened).when(DischargeCitizen(...)).then_raises(CommandRejected)

``then`` compares whole events (as their JSON form), optionally ignoring fields such as
``event_id`` and ``occurred_at``, and fails with a readable diff.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from erantis_domain.case import CitizenCase, evolve
from erantis_domain.commands import Command
from erantis_domain.decide import decide
from erantis_domain.events import DomainEvent, Event, parse_events

__all__ = ["Given", "When", "given"]

EventLike = DomainEvent | Mapping[str, Any] | str | bytes


class Given:
    """A case state folded from past events, waiting for a command."""

    def __init__(self, history: Sequence[Event]) -> None:
        self.history: tuple[Event, ...] = tuple(history)

    def state(self, case_id: str) -> CitizenCase:
        """The case folded from the given events (their case must be ``case_id``)."""
        state = CitizenCase(case_id=case_id)
        for event in self.history:
            state = evolve(state, event)
        return state

    def when(self, command: Command) -> When:
        """Decide ``command`` on the folded case."""
        return When(self.state(command.case_id), command)


class When:
    """The outcome of deciding one command, to be asserted with :meth:`then` or
    :meth:`then_raises`."""

    def __init__(self, state: CitizenCase, command: Command) -> None:
        self.state = state
        self.command = command

    def then(self, expected: Iterable[EventLike], *, ignore: Iterable[str] = ()) -> list[Event]:
        """Assert that the command decides exactly ``expected`` (events or JSON-like dicts),
        comparing whole events except the top-level fields in ``ignore``. Returns the decided
        events. Raises ``AssertionError`` with a diff, or lets a rejection propagate."""
        actual = decide(self.state, self.command)
        wanted = parse_events(expected)
        skip = frozenset(ignore)
        left = [_comparable(e, skip) for e in wanted]
        right = [_comparable(e, skip) for e in actual]
        if left != right:
            raise AssertionError(_diff(left, right, type(self.command).__name__))
        return actual

    def then_raises(self, error: type[Exception], *, code: str | None = None) -> Exception:
        """Assert that the command is refused with ``error`` (and ``code``, if given); returns
        the error."""
        try:
            produced = decide(self.state, self.command)
        except error as exc:
            found = getattr(exc, "code", None)
            if code is not None and found != code:
                raise AssertionError(f"expected code {code!r}, got {found!r}: {exc}") from exc
            return exc
        shown = "\n".join(json.dumps(_comparable(e, frozenset())) for e in produced)
        raise AssertionError(
            f"expected {error.__name__} from {type(self.command).__name__}, "
            f"but it decided:\n{shown}"
        )


def given(*events: EventLike | Iterable[EventLike]) -> Given:
    """Start a scenario from past events: events, JSON dicts/strings, or iterables of them
    (``given()`` with nothing is a case that has never been opened)."""
    flat: list[EventLike] = []
    for item in events:
        if isinstance(item, DomainEvent | Mapping | str | bytes):
            flat.append(item)
        else:
            flat.extend(item)
    return Given(parse_events(flat))


def _comparable(event: DomainEvent, ignore: frozenset[str]) -> dict[str, Any]:
    data = event.model_dump(mode="json")
    return {k: v for k, v in data.items() if k not in ignore}


def _diff(expected: list[dict[str, Any]], actual: list[dict[str, Any]], command: str) -> str:
    def lines(items: list[dict[str, Any]]) -> list[str]:
        return json.dumps(items, indent=2, sort_keys=True, ensure_ascii=False).splitlines()

    diff = difflib.unified_diff(
        lines(expected), lines(actual), "expected", f"decided by {command}", lineterm=""
    )
    return "decided events differ from the expected ones:\n" + "\n".join(diff)
