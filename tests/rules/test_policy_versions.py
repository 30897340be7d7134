"""Dated policy versions: the file forms, their errors, the version in force on a day, the
settlement of the months either side of a change, and versions adopted in the store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from erantis_domain.errors import InvalidPolicyError
from erantis_domain.events import PeriodSettled, PolicyVersionAdopted
from erantis_domain.store import CaseStore
from erantis_domain.values import Actor, Role
from erantis_rules import check, check_store
from erantis_rules.policy import Policy
from erantis_rules.policy_versions import PolicyHistory, PolicyVersion, adopt
from tests.projections.histories import grant, visits
from tests.test_cli import erantis

CONTROLLER = Actor(actor_id="controller-1", role=Role.CONTROLLER)

TWO_YEARS = """
[[versions]]
id = "budget-2026"
valid_from = 2026-01-01
settlement_band_pct = 5

[[versions]]
id = "budget-2027"
valid_from = 2027-01-01
settlement_band_pct = 20
minute_price = "9.25"
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_of_versions_gives_the_version_in_force_either_side_of_new_year(
    tmp_path: Path,
) -> None:
    # given two versions, the second from 1 January 2027
    history = PolicyHistory.from_file(_write(tmp_path, "policy.toml", TWO_YEARS))
    # then 31 December is judged by the first and 1 January by the second
    assert history.in_force(date(2026, 12, 31)).id == "budget-2026"
    assert history.in_force(date(2027, 1, 1)).id == "budget-2027"
    assert history.for_period("2026-12").policy.settlement_band_pct == 5
    assert history.for_period("2027-01").terms.minute_price == Decimal("9.25")
    # and a field a version leaves out has erantis's default, not the previous version's
    assert history.for_period("2027-01").policy.loss_cap_pct == Policy().loss_cap_pct


def test_a_day_before_the_first_version_has_no_policy(tmp_path: Path) -> None:
    history = PolicyHistory.from_file(_write(tmp_path, "policy.toml", TWO_YEARS))
    with pytest.raises(InvalidPolicyError, match="no policy version is in force on 2025-12-31"):
        history.in_force(date(2025, 12, 31))


def test_a_folder_holds_one_version_per_file_and_a_plain_policy_is_one_timeless_version(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    _write(folder, "2026.toml", "valid_from = 2026-01-01\nsettlement_band_pct = 5\n")
    _write(folder, "2027.json", '{"id": "b27", "valid_from": "2027-01-01", "loss_cap_pct": 9}')
    _write(folder, "notes.txt", "not a policy")
    history = PolicyHistory.from_file(folder)
    assert [(v.id, v.valid_from) for v in history] == [
        ("2026", date(2026, 1, 1)),
        ("b27", date(2027, 1, 1)),
    ]
    plain = PolicyHistory.from_file(_write(tmp_path, "plain.toml", "settlement_band_pct = 7\n"))
    assert [(v.id, v.valid_from) for v in plain] == [("default", None)]
    assert plain.in_force(date(1900, 1, 1)).policy.settlement_band_pct == 7
    # and a single Policy is a history of one version valid from the beginning of time
    assert PolicyHistory.of(Policy.build(name="p")).in_force(date(2199, 1, 1)).id == "p"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            TWO_YEARS.replace("valid_from = 2027-01-01", 'valid_from = "2027-13-01"'),
            "policy.toml: versions[1].valid_from: must be a day YYYY-MM-DD (got '2027-13-01')",
        ),
        (
            TWO_YEARS.replace("settlement_band_pct = 20", "settlement_band_pct = 120"),
            "policy.toml: versions[1].settlement_band_pct: Input should be less than or equal "
            "to 100 (got 120)",
        ),
        (
            TWO_YEARS.replace('id = "budget-2027"', 'id = "budget-2026"'),
            "id 'budget-2026' is used twice",
        ),
        (
            TWO_YEARS.replace("valid_from = 2027-01-01", "valid_from = 2026-01-01"),
            "two versions are valid from 2026-01-01",
        ),
        (
            TWO_YEARS.replace('id = "budget-2027"\n', ""),
            "policy.toml: versions[1].id: is missing",
        ),
        ("band = 5\n[[versions]]\nid = 'a'\n", "beside versions, no other field is allowed"),
    ],
)
def test_a_bad_version_is_refused_naming_file_field_and_value(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(InvalidPolicyError) as caught:
        PolicyHistory.from_file(_write(tmp_path, "policy.toml", text))
    assert caught.value.code == "E-POLICY-INVALID"
    assert message in caught.value.message


def _december_and_january(store: CaseStore) -> None:
    """One citizen of team-x with 1000 minutes a month, 1100 delivered in December 2026 and
    in January 2027: a 10 % overspend each month."""
    store.append(
        [
            grant("case-1", "d-1", 1000, "month", "2026-12-01", team="team-x"),
            *visits("case-1", 1100, "2026-12-01", team="team-x", tag="dec"),
            *visits("case-1", 1100, "2027-01-01", team="team-x", tag="jan"),
        ]
    )


def test_versions_adopted_in_the_store_settle_each_month_under_its_own_terms(
    tmp_path: Path,
) -> None:
    # given a store and the two versions adopted in it (twice: the second changes nothing)
    db = tmp_path / "events.sqlite"
    with CaseStore.sqlite(db) as store:
        _december_and_january(store)
    policy = _write(tmp_path, "policy.toml", TWO_YEARS)
    for _ in range(2):
        adopted = erantis(
            "adopt", "--db", str(db), "--policy", str(policy), "--as-of", "2026-11-20"
        )
        assert adopted.status == 0, adopted.err
    # when December and January are settled without --policy
    for period, as_of in (("2026-12", "2027-01-02"), ("2027-01", "2027-02-02")):
        run = erantis(
            "settle", "--db", str(db), "--team", "team-x", "--period", period,
            "--as-of", as_of, "--json",
        )  # fmt: skip
        assert run.status == 0, run.err
    # then December is an overspend under the 5 % band, January inside the 20 % band
    with CaseStore.sqlite(db) as store:
        december, january = (
            store.team_events("team-x", period)[0] for period in ("2026-12", "2027-01")
        )
        adoptions = store.team_events("municipality", "1900-01")
    assert isinstance(december, PeriodSettled) and isinstance(january, PeriodSettled)
    assert (december.band, december.policy_version) == ("overspend", "budget-2026")
    assert (january.band, january.policy_version) == ("inside", "budget-2027")
    assert december.incentive_amount == Decimal("-425.00")  # capped: 5 % of 1000 × 8.50
    assert january.terms is not None and january.terms.minute_price == Decimal("9.25")
    assert january.terms_digest == january.terms.digest() != december.terms_digest
    assert [type(e) for e in adoptions] == [PolicyVersionAdopted, PolicyVersionAdopted]


def test_a_later_adoption_of_the_same_day_replaces_the_earlier(tmp_path: Path) -> None:
    first = PolicyVersion("v1", date(2027, 1, 1), Policy.build(settlement_band_pct=7))
    second = PolicyVersion("v1b", date(2027, 1, 1), Policy.build(settlement_band_pct=9))
    with CaseStore.memory() as store:
        adopt(store, first, on=date(2026, 12, 1), recorded_by=CONTROLLER)
        adopt(store, second, on=date(2026, 12, 2), recorded_by=CONTROLLER)
        history = PolicyHistory.from_store(store)
    assert history is not None
    assert [v.id for v in history] == ["v1b"]
    assert history.in_force(date(2027, 1, 1)).policy.settlement_band_pct == 9


def test_an_adoption_without_a_day_is_refused() -> None:
    with CaseStore.memory() as store, pytest.raises(InvalidPolicyError, match="no valid_from"):
        adopt(
            store, PolicyHistory.single().versions[0], on=date(2026, 1, 1), recorded_by=CONTROLLER
        )


def test_each_rule_judges_a_fact_by_the_version_in_force_on_its_day() -> None:
    # given December and January each 10 % over their frame, and a band of 20 % from 1 January
    with CaseStore.memory() as store:
        _december_and_january(store)
        events = [entry.event for entry in store.replay()]
    history = PolicyHistory.from_mapping(
        {
            "versions": [
                {"id": "budget-2026", "valid_from": "2026-01-01"},
                {"id": "budget-2027", "valid_from": "2027-01-01", "settlement_band_pct": 20},
            ]
        }
    )
    # when checked as of March 2027 under the history, and under each version alone
    as_of = date(2027, 3, 15)
    versioned = {(f.rule_id, f.subject) for f in check(events, as_of=as_of, policy=history)}
    old = {(f.rule_id, f.subject) for f in check(events, as_of=as_of, policy=Policy())}
    # then December's overspend still calls for a dialogue meeting (FRM-004), January's not
    assert ("FRM-004", "team-x/2026-12") in versioned
    assert ("FRM-004", "team-x/2027-01") not in versioned
    # and everything else is as under the old version alone
    assert versioned == old - {("FRM-004", "team-x/2027-01")}
    # and the store's check gives the same findings
    with CaseStore.memory() as store:
        store.append(events)
        stored = check_store(store, as_of=as_of, policy=history)
    assert stored == check(events, as_of=as_of, policy=history)
