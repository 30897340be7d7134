"""The persisted frame ledger (``BudgetLedger.sync``): a second run reads only the events
stored since the first, and gives the figures and the settlement of a full replay."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from erantis_domain.projections import BudgetLedger, SettlementTerms, SqliteCheckpoints, settle
from erantis_domain.store import CaseStore, StoredEntry
from erantis_domain.testing.synthetic import generate
from erantis_domain.values import Actor, Role

SYSTEM = Actor(actor_id="erantis-test", role=Role.SYSTEM)


class Counting:
    """A store seen through its log, counting the entries a projection reads."""

    def __init__(self, store: CaseStore) -> None:
        self.store = store
        self.read = 0

    def replay(self, *, after: int = 0, batch_size: int = 1000) -> Iterator[StoredEntry]:
        for entry in self.store.replay(after=after, batch_size=batch_size):
            self.read += 1
            yield entry


def _lines(months: int) -> list[str]:
    return [
        json.dumps(e) for e in generate(citizens=8, start=date(2026, 1, 1), months=months, seed=5)
    ]


def test_a_second_sync_reads_only_new_events_and_equals_a_full_replay(tmp_path: Path) -> None:
    # given a store holding three months, and a ledger persisted beside it after a first run
    everything = _lines(4)
    cut = sum(1 for line in everything if json.loads(line)["occurred_at"] < "2026-04-01")
    path = tmp_path / "events.sqlite"
    with CaseStore.sqlite(path) as store:
        store.append(everything[:cut])
        first = Counting(store)
        assert BudgetLedger().sync(first, SqliteCheckpoints(path)) == cut
        assert first.read == cut
        # when a fourth month is stored and a new process syncs its ledger
        store.append(everything[cut:])
        second = Counting(store)
        ledger = BudgetLedger()
        applied = ledger.sync(second, SqliteCheckpoints(path))
        # then it read only the events stored since the first run
        assert applied == second.read == len(everything) - cut
        # and its figures are those of a ledger replayed from the beginning
        full = BudgetLedger.rebuild(store)
        terms = SettlementTerms()
        teams = full.teams()
        assert teams and ledger.teams() == teams
        for team in teams:
            for period in ("2026-01", "2026-02", "2026-03", "2026-04"):
                assert ledger.team_period(team, period, terms) == full.team_period(
                    team, period, terms
                )
        # and settling with it records what a full replay computes
        event = settle(
            store, teams[0], "2026-04", as_of=date(2026, 5, 2), terms=terms,
            recorded_by=SYSTEM, ledger=ledger,
        )  # fmt: skip
        figures = full.team_period(teams[0], "2026-04", terms)
        assert (event.granted_minutes, event.delivered_minutes, event.band) == (
            figures.frame_minutes,
            figures.delivered_minutes,
            figures.band,
        )
        assert event.incentive_amount == figures.incentive_amount


def test_a_sync_with_nothing_new_reads_nothing_and_saves_nothing(tmp_path: Path) -> None:
    # given a ledger persisted at the store's last position
    path = tmp_path / "events.sqlite"
    with CaseStore.sqlite(path) as store:
        store.append(_lines(1))
        checkpoints = SqliteCheckpoints(path)
        BudgetLedger().sync(store, checkpoints)
        saved = checkpoints.read(BudgetLedger.name)
        # when synced again, then no event is read and the checkpoint is unchanged
        counting = Counting(store)
        assert BudgetLedger().sync(counting, checkpoints) == 0
        assert counting.read == 0
        assert checkpoints.read(BudgetLedger.name) == saved


def test_a_saved_ledger_restores_to_equal_figures_and_reads_its_state_as_text(
    tmp_path: Path,
) -> None:
    # given a ledger of four months, saved
    lines = _lines(4)
    with CaseStore.memory() as store:
        store.append(lines)
        ledger = BudgetLedger.rebuild(store)
    text = ledger.dumps()
    # when it is read back into a new ledger
    again = BudgetLedger()
    assert again.loads(text)
    # then it holds the same position, cases and figures
    assert again.position == ledger.position
    terms = SettlementTerms()
    assert again.teams() == ledger.teams()
    for team in ledger.teams():
        assert again.team_period(team, "2026-03", terms) == ledger.team_period(
            team, "2026-03", terms
        )
    # and its document is one JSON object with its keys in sorted order
    document = json.loads(text)
    assert list(document) == ["position", "projection", "state", "state_version"]
    assert document["projection"] == "budget-ledger"


def test_a_document_in_another_json_layout_is_still_read_whole() -> None:
    # given a ledger's document re-encoded with spaces and another key order
    with CaseStore.memory() as store:
        store.append(_lines(2))
        ledger = BudgetLedger.rebuild(store)
    document = json.loads(ledger.dumps())
    relaid = json.dumps(dict(reversed(list(document.items()))), indent=1)
    # when it is loaded
    again = BudgetLedger()
    # then it is read as a whole, to the same state
    assert again.loads(relaid)
    assert again.position == ledger.position and again.teams() == ledger.teams()


def test_a_document_of_another_state_version_is_refused_unread() -> None:
    # given a ledger's document from another state version
    with CaseStore.memory() as store:
        store.append(_lines(1))
        text = BudgetLedger.rebuild(store).dumps()
    older = text.replace('"state_version":3}', '"state_version":2}')
    # when it is loaded, then it is refused and the ledger left empty
    again = BudgetLedger()
    assert not again.loads(older)
    assert again.position == 0 and again.teams() == []
