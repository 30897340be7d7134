"""The batch path of check: streaming fold, out-of-order fallback, gc, parallel workers.

``RuleEngine`` keeps every event and refolds a case when an older event arrives; it is the
oracle the streaming ``check`` must agree with, finding for finding.
"""

from __future__ import annotations

import gc
import json
import random
import tempfile
import weakref
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import erantis_domain.events.decode as events_module
from erantis_domain.asof import BUSINESS_ZONE, AsOf, business_day
from erantis_domain.errors import ErantisError, InvalidArgumentError, InvalidEventError
from erantis_domain.events import DomainEvent, parse_event
from erantis_domain.testing.synthetic import generate
from erantis_rules import Finding, Policy, RuleEngine, check
from erantis_rules.engine import _stream

AS_OF = date(2026, 4, 10)
#: Any overspend without a meeting the next day is a team finding, so team sums are judged.
POLICY = Policy(settlement_band_pct=0, dialogue_after_overspend_days=1)


@pytest.fixture(scope="module")
def lines() -> list[str]:
    """A small municipality's quarter as JSON lines, in the generator's (time) order."""
    events = generate(citizens=30, start=date(2026, 1, 1), months=3, seed=11, teams=3)
    return [json.dumps(e, separators=(",", ":")) for e in events]


def _oracle(items: list[Any]) -> list[Finding]:
    """What the incremental engine finds in the same input (ties in ``occurred_at`` are
    folded in the order given, so a shuffle may reorder a finding's evidence)."""
    with RuleEngine(POLICY, evaluator="reference") as engine:
        engine.feed(items)
        return engine.findings(AS_OF)


@pytest.fixture(scope="module")
def expected(lines: list[str]) -> list[Finding]:
    return _oracle(lines)


def _once(items: list[Any]) -> Iterator[Any]:
    yield from items


def _shuffled(lines: list[str], seed: int = 5) -> list[str]:
    out = list(lines)
    random.Random(seed).shuffle(out)
    return out


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary files of check go here, so a test can see they are gone."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_time_ordered_lines_give_the_engines_findings(
    lines: list[str], expected: list[Finding]
) -> None:
    # given a quarter's events in time order, as a list and as a one-shot iterator
    # when they are checked
    as_list = check(lines, as_of=AS_OF, evaluator="reference", policy=POLICY)
    as_iterator = check(_once(lines), as_of=AS_OF, evaluator="reference", policy=POLICY)
    # then both give exactly what the incremental engine gives
    assert len(expected) > 5
    assert as_list == expected
    assert as_iterator == expected


def test_no_parsed_event_is_kept_while_streaming(lines: list[str]) -> None:
    # given time-ordered parsed events from a generator that watches which are still alive
    refs: list[weakref.ref[DomainEvent]] = []
    alive_at_end: list[int] = []

    def watched() -> Iterator[DomainEvent]:
        for line in lines:
            event = parse_event(line)
            refs.append(weakref.ref(event))
            yield event
            del event
        alive_at_end.append(sum(1 for ref in refs if ref() is not None))

    # when check has read them all
    check(watched(), as_of=AS_OF, evaluator="reference", policy=POLICY)
    # then it kept none of the case events (each case holds only its folded state and compact
    # ids); only the few team events are kept, as the team rules read them
    team_events = sum(1 for line in lines if parse_event(line).case_id is None)
    assert len(refs) == len(lines) > 10 * team_events
    assert alive_at_end == [team_events]


@pytest.mark.parametrize("one_shot", [False, True], ids=["list", "iterator"])
def test_shuffled_input_falls_back_to_partitions_and_cleans_up(
    lines: list[str], scratch: Path, one_shot: bool
) -> None:
    # given the same events in random order
    shuffled = _shuffled(lines)
    # when they are checked
    found = check(
        _once(shuffled) if one_shot else shuffled, as_of=AS_OF, evaluator="reference", policy=POLICY
    )
    # then the findings are the engine's and no temporary file is left behind
    assert len(found) > 5
    assert found == _oracle(shuffled)
    assert list(scratch.iterdir()) == []


def test_one_late_event_refolds_its_case(lines: list[str]) -> None:
    # given time-ordered input where one case's early event comes last (after its later ones)
    late = next(
        i for i, line in enumerate(lines) if '"case_id"' in line and '"VisitDelivered"' in line
    )
    moved = lines[:late] + lines[late + 1 :] + [lines[late]]
    # when checked as a one-shot iterator (what it already gave was spilled, not kept)
    found = check(_once(moved), as_of=AS_OF, evaluator="reference", policy=POLICY)
    # then the case is folded in occurred_at order, as the engine does
    assert found == _oracle(moved)


def test_duplicates_parsed_events_and_events_after_as_of(lines: list[str]) -> None:
    # given parsed events and mappings, each repeated, plus events after as_of
    mixed: list[Any] = [parse_event(line) for line in lines[::2]]
    mixed += [json.loads(line) for line in lines[1::2]]
    mixed += [line.encode() for line in lines[::3]]
    later = generate(citizens=30, start=date(2026, 1, 1), months=5, seed=11, teams=3)
    mixed += [e for e in later if e["occurred_at"][:10] > "2026-04-20"]
    # when they are checked, in order of arrival and shuffled
    # then duplicates count once and unknown events not at all, as in the engine
    shuffled = _shuffled(mixed)
    assert check(mixed, as_of=AS_OF, evaluator="reference", policy=POLICY) == _oracle(mixed)
    assert check(shuffled, as_of=AS_OF, evaluator="reference", policy=POLICY) == _oracle(shuffled)


@pytest.mark.parametrize("one_shot", [False, True], ids=["list", "iterator"])
def test_an_invalid_line_is_reported_by_position_and_leaves_nothing(
    lines: list[str], scratch: Path, one_shot: bool
) -> None:
    # given shuffled input with one line that is not an event
    shuffled = _shuffled(lines)
    bad = len(shuffled) - 3
    shuffled[bad] = '{"type": "VisitDelivered", "case_id": "c-1"}'
    # when it is checked
    with pytest.raises(InvalidEventError) as raised:
        check(
            _once(shuffled) if one_shot else shuffled,
            as_of=AS_OF,
            evaluator="reference",
            policy=POLICY,
        )
    # then the error names the item's position and no temporary file remains
    assert f"index {bad}" in str(raised.value)
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("enabled", [True, False])
def test_gc_is_paused_during_the_fold_and_restored(lines: list[str], enabled: bool) -> None:
    # given the caller's garbage collector setting
    seen: list[bool] = []

    def watched() -> Iterator[str]:
        for line in lines:
            seen.append(gc.isenabled())
            yield line

    (gc.enable if enabled else gc.disable)()
    try:
        # when check runs, successfully and then on bad input
        check(watched(), as_of=AS_OF, evaluator="reference", policy=POLICY)
        after_success = gc.isenabled()
        with pytest.raises(ErantisError):
            check(["not json"], as_of=AS_OF, evaluator="reference", policy=POLICY)
        after_error = gc.isenabled()
    finally:
        gc.enable()
    # then collection was paused while folding and the setting is the caller's again
    assert seen and not any(seen)
    assert after_success is enabled
    assert after_error is enabled


def test_workers_give_the_findings_of_one_process(
    lines: list[str], expected: list[Finding], scratch: Path
) -> None:
    # given the quarter in time order and shuffled
    # when checked by two worker processes
    shuffled = _shuffled(lines)
    by_two = check(lines, as_of=AS_OF, evaluator="reference", policy=POLICY, workers=2)
    shuffled_by_two = check(
        _once(shuffled), as_of=AS_OF, evaluator="reference", policy=POLICY, workers=2
    )
    # then the findings (team totals summed over workers included) are those of one process
    assert by_two == expected
    assert shuffled_by_two == check(shuffled, as_of=AS_OF, evaluator="reference", policy=POLICY)
    assert len({f.subject for f in expected if "/" in f.subject}) >= 2
    assert list(scratch.iterdir()) == []


def test_workers_report_an_invalid_line_by_position(lines: list[str], scratch: Path) -> None:
    # given input with a bad event among the cases'
    bad = list(lines)
    index = len(bad) // 2
    bad[index] = bad[index].replace('"occurred_at":"', '"occurred_at":"x', 1)
    # when checked by two worker processes
    with pytest.raises(InvalidEventError) as raised:
        check(bad, as_of=AS_OF, evaluator="reference", policy=POLICY, workers=2)
    # then the error is the library's, with the line's position, and no file remains
    assert raised.value.code == "E-EVENT-INVALID"
    assert f"index {index}" in str(raised.value)
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("workers", [0, -1, "two", 1.5, True])
def test_workers_must_be_a_positive_count_or_auto(workers: Any) -> None:
    # given a bad workers argument
    # when check is called
    # then it is refused, naming the argument
    with pytest.raises(InvalidArgumentError, match="workers"):
        check([], as_of=AS_OF, workers=workers)


def test_auto_workers_and_an_empty_input() -> None:
    # given no events
    # when checked with workers="auto"
    # then there is nothing to find
    assert check([], as_of=AS_OF, workers="auto") == []


def _time_ordered(lines: list[str]) -> list[str]:
    """The lines sorted by ``occurred_at`` (stably): each case's events in time order."""
    return sorted(lines, key=lambda line: datetime.fromisoformat(json.loads(line)["occurred_at"]))


@pytest.mark.parametrize("one_shot", [False, True], ids=["list", "iterator"])
def test_a_late_event_reparses_only_its_own_case(
    lines: list[str], scratch: Path, monkeypatch: pytest.MonkeyPatch, one_shot: bool
) -> None:
    # given time-ordered input where one case's early visit comes last
    ordered = _time_ordered(lines)
    late = next(i for i, line in enumerate(ordered) if '"VisitDelivered"' in line)
    case_id = json.loads(ordered[late])["case_id"]
    moved = ordered[:late] + ordered[late + 1 :] + [ordered[late]]
    parsed: list[str] = []

    def counting(data: Any) -> DomainEvent:
        event = parse_event(data)
        parsed.append(getattr(event, "case_id", None) or "")
        return event

    monkeypatch.setattr(events_module, "parse_event", counting)
    # when it is checked
    found = check(
        _once(moved) if one_shot else moved, as_of=AS_OF, evaluator="reference", policy=POLICY
    )
    parsed_by_check = Counter(parsed)  # the engine asked below parses them too
    # then the findings are the engine's, each line was parsed once, except the late case's,
    # folded anew from all its events (the other cases go on from their streamed state), and
    # no temporary file is left
    assert found == _oracle(moved)
    lines_of = Counter(json.loads(line).get("case_id") or "" for line in moved)
    again = lines_of[case_id] - 1  # the late event is kept parsed from when it broke the order
    assert parsed_by_check == lines_of + Counter({case_id: again})
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("one_shot", [False, True], ids=["list", "iterator"])
def test_an_invalid_line_after_the_order_breaks_leaves_nothing(
    lines: list[str], scratch: Path, one_shot: bool
) -> None:
    # given time-ordered input whose order breaks halfway, with a bad line after that
    ordered = _time_ordered(lines)
    half = len(ordered) // 2
    bad = ordered[: half - 1] + ordered[half:] + [ordered[half - 1]]
    broken = len(bad) - 5
    bad[broken] = bad[broken].replace('"occurred_at":"', '"occurred_at":"x', 1)
    # when it is checked
    with pytest.raises(InvalidEventError) as raised:
        check(_once(bad) if one_shot else bad, as_of=AS_OF, evaluator="reference", policy=POLICY)
    # then the error names the line and the partition files are gone
    assert f"index {broken}" in str(raised.value)
    assert list(scratch.iterdir()) == []


def _known_by_calendar(as_of: AsOf, moment: datetime) -> bool:
    """What "known as of" means: at or before the instant, or on or before the business day."""
    if as_of.moment is not None:
        return moment <= as_of.moment
    return business_day(moment) <= as_of.day


@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)))
def test_known_by_occurred_at_alone_is_known_by_the_calendar(naive: datetime) -> None:
    # given an instant near or far from a Danish midnight, in summer or winter time
    moment = naive.replace(tzinfo=UTC)
    day = date(2026, 3, 28) + timedelta(days=naive.day % 4)  # around a DST change
    for as_of in (AsOf.of(day), AsOf.of(date(2026, 10, 25)), AsOf.of(moment)):
        # then the fold's test of occurred_at alone says what the business calendar says
        event = SimpleNamespace(occurred_at=moment)
        assert as_of.knows_at(moment) is _known_by_calendar(as_of, moment)
        assert as_of.knows(event) is _known_by_calendar(as_of, moment)
        midnight = datetime.combine(as_of.day + timedelta(days=1), time(0), BUSINESS_ZONE)
        for edge in (midnight, midnight - timedelta(microseconds=1)):
            assert as_of.knows_at(edge) is _known_by_calendar(as_of, edge)


@pytest.mark.parametrize("one_shot", [False, True], ids=["list", "iterator"])
def test_time_sorted_input_is_folded_in_one_pass(
    lines: list[str], monkeypatch: pytest.MonkeyPatch, one_shot: bool
) -> None:
    # given the quarter sorted by occurred_at, every case's events in time order
    ordered = _time_ordered(lines)
    partitioned: list[int] = []

    class Watched(_stream._Buckets):
        def groups(self, upto: Any) -> Any:
            partitioned.append(1)
            return super().groups(upto)

    monkeypatch.setattr(_stream, "_Buckets", Watched)
    # when it is checked
    found = check(
        _once(ordered) if one_shot else ordered, as_of=AS_OF, evaluator="reference", policy=POLICY
    )
    # then it gives the engine's findings without falling back to the partition files
    assert found == _oracle(ordered)
    assert partitioned == []


@pytest.mark.parametrize("one_shot", [False, True], ids=["list", "iterator"])
@pytest.mark.parametrize("where", [0.3, 0.7])
def test_an_older_event_midway_finishes_every_case_as_the_engine_does(
    lines: list[str], scratch: Path, one_shot: bool, where: float
) -> None:
    # given time-sorted input in which one case's event arrives later than its successors,
    # while other cases still have lines waiting to be folded, and some lines repeated
    ordered = _time_ordered(lines)
    at = int(len(ordered) * where)
    moved = next(i for i in range(at // 2, at) if '"case_id":"case' in ordered[i])
    mixed = ordered[:moved] + ordered[moved + 1 : at] + [ordered[moved]] + ordered[at:]
    mixed += mixed[at - 40 : at + 40 : 3]
    # when it is checked
    found = check(
        _once(mixed) if one_shot else mixed, as_of=AS_OF, evaluator="reference", policy=POLICY
    )
    # then the findings are the engine's, and no temporary file is left
    assert found == _oracle(mixed)
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize(
    ("line", "routed"),
    [
        (b'{"type":"X","case_id":"case-1","a":1}\n', "case-1"),
        (b'{"type":"X", "case_id" : "case-1"}\n', "case-1"),  # spaced: the regular expression
        (b'{"type":"X","case_id":"case-1"}\r\n', "case-1"),
        (b'{"type":"X","case_id":"ca\\u0073e"}\n', None),  # escaped: only a parse can tell
        (b'{"case_id":"a","case_id":"b"}\n', None),  # twice: refused when parsed
        (b'{"type":"T","case_id":null,"team_id":"t"}\n', None),  # a team event
        (b'{"note":"\\"case_id\\":\\"x\\"","case_id":"c"}\n', "c"),
        (b'{"type":"X","case_id":"caf\xe9"}\n', "caf\ufffd"),  # not UTF-8: refused when parsed
    ],
)
def test_a_line_is_routed_by_the_case_id_in_its_text(line: bytes, routed: str | None) -> None:
    # given a raw line, when it is routed without parsing
    found = _stream._case_line(line)
    # then it goes to the case its text names, or to a parse when the text cannot tell
    assert (found[0] if found else None) == routed
    if found:
        assert found[1] == line.rstrip(b"\r\n")


def test_a_line_that_is_not_utf8_is_refused_by_position(lines: list[str]) -> None:
    # given time-ordered lines as bytes, one of them not UTF-8
    data = [line.encode() + b"\n" for line in _time_ordered(lines)]
    bad = len(data) // 3
    data[bad] = data[bad].replace(b'"case_id":"case', b'"case_id":"\xe9ase', 1)
    # when checked, then the line is refused with its position
    with pytest.raises(InvalidEventError, match=f"index {bad}"):
        check(data, as_of=AS_OF, evaluator="reference", policy=POLICY)


@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)))
def test_the_folds_bound_on_instants_says_what_known_as_of_says(naive: datetime) -> None:
    # given an instant near or far from a Danish midnight, in summer or winter time
    moment = naive.replace(tzinfo=UTC)
    day = date(2026, 3, 28) + timedelta(days=naive.day % 4)  # around a DST change
    for as_of in (AsOf.of(day), AsOf.of(date(2026, 10, 25)), AsOf.of(moment)):
        bound = _stream._bound(as_of)
        midnight = datetime.combine(as_of.day + timedelta(days=1), time(0), BUSINESS_ZONE)
        for edge in (moment, midnight, midnight - timedelta(microseconds=1)):
            # then an instant below the bound is exactly one known as of then
            assert (_stream._instant(edge) < bound) is as_of.knows_at(edge)


def _rewritten(line: str, how: int) -> str:
    """The line with ``occurred_at`` written another way for the same instant."""
    event = json.loads(line)
    moment = datetime.fromisoformat(event["occurred_at"])
    if how == 0:  # in UTC with a Z (a shorter text)
        text = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    elif how == 1:  # with microseconds (a longer text)
        text = moment.isoformat(timespec="microseconds")
    else:  # the same text with an escaped digit (the same value, other characters)
        text = "\\u0032" + event["occurred_at"][1:]
    return line.replace(f'"occurred_at":"{event["occurred_at"]}"', f'"occurred_at":"{text}"')


@pytest.mark.parametrize("as_bytes", [False, True], ids=["text", "bytes"])
def test_visit_times_written_in_other_forms_fold_by_their_instants(
    lines: list[str], as_bytes: bool
) -> None:
    # given time-ordered lines where many visits write occurred_at in another form of the
    # same instant (in UTC, with microseconds, with an escape), next to visits written
    # plainly at the same times
    ordered = _time_ordered(lines)
    mixed = [
        _rewritten(line, index % 3) if '"VisitDelivered"' in line and index % 4 == 0 else line
        for index, line in enumerate(ordered)
    ]
    assert sum(a != b for a, b in zip(mixed, ordered, strict=True)) > 100
    items: list[Any] = [line.encode() + b"\n" for line in mixed] if as_bytes else mixed
    # when they are checked, then the findings are the engine's on the plain lines
    found = check(items, as_of=AS_OF, evaluator="reference", policy=POLICY)
    assert found == _oracle(ordered)
