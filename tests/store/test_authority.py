"""Who may record what: the append policy, the authenticated principal, and the store-level
invariant of one settlement per team period."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given

from erantis_domain.authority import DEFAULT_RECORDERS, AppendPolicy
from erantis_domain.errors import ForbiddenError, InvalidPolicyError, SettlementError
from erantis_domain.events import EVENT_TYPES
from erantis_domain.projections import settle
from erantis_domain.sample import sample_events
from erantis_domain.store import CaseStore
from erantis_domain.testing import History, case_histories
from erantis_domain.testing.synthetic import generate
from erantis_domain.values import Actor, Role
from erantis_rules.policy import Policy
from tests._profiles import budget
from tests.factories import make
from tests.store.conftest import Backend


def _by(role: str, actor: str | None = None) -> dict[str, str]:
    return {"actor_id": actor or f"{role}-1", "role": role}


def _policy_store() -> CaseStore:
    # recorded_by trusted: these tests judge the roles, not who is calling
    store = CaseStore.memory(append_policy=AppendPolicy.default().trusting_recorded_by())
    store.append([make("CaseOpened")])
    return store


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        ("VisitationGranted", "ssh"),
        ("VisitationGranted", "nurse"),
        ("VisitationRevised", "team_lead"),
        ("VisitationRejected", "ssa"),
        ("PeriodSettled", "team_lead"),
        ("PeriodSettled", "visitator"),
        ("NursingTaskDelegated", "ssh"),
        ("NursingTaskDelegated", "ssa"),
        ("TimeAdjustedByTeam", "ssh"),
        ("VisitDelivered", "controller"),
    ],
)
def test_a_role_the_policy_does_not_allow_is_refused_and_nothing_stored(
    kind: str, role: str
) -> None:
    # given a store under the default policy
    store = _policy_store()
    before = store.last_position()
    # when someone in a role not allowed records the event, in a batch with an allowed one
    batch = [make("ReferralReceived"), make(kind, recorded_by=_by(role))]
    with pytest.raises(ForbiddenError) as caught:
        store.append(batch)
    # then it is refused with E-FORBIDDEN, naming the role and type, and nothing is stored
    assert caught.value.code == "E-FORBIDDEN"
    assert f"a {role} may not record {kind}" in str(caught.value)
    assert store.last_position() == before


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        ("VisitationGranted", "visitator"),
        ("PeriodSettled", "system"),
        ("PeriodSettled", "controller"),
        ("NursingTaskDelegated", "nurse"),
        ("VisitDelivered", "ssh"),
        ("TimeAdjustedByTeam", "team_lead"),
    ],
)
def test_an_allowed_role_records(kind: str, role: str) -> None:
    # given a store under the default policy, when an allowed role records, then it is stored
    assert _policy_store().append([make(kind, recorded_by=_by(role))]).stored == 1


def test_a_delegation_by_an_ssh_is_still_a_fact_when_a_nurse_records_it() -> None:
    # the policy says who records, not what happened: the rules judge the SSH delegator
    event = make("NursingTaskDelegated", delegator_id="ssh-7", delegator_role="ssh")
    assert _policy_store().append([event]).stored == 1


def test_a_municipality_overrides_the_policy() -> None:
    # given a municipality where nurses decide on nursing
    policy = (
        AppendPolicy.default()
        .trusting_recorded_by()
        .with_roles({"VisitationGranted": ["visitator", "nurse"]})
    )
    store = CaseStore.memory(append_policy=policy)
    # when a nurse records a grant, then it is stored; other entries are the defaults
    assert store.append([make("VisitationGranted", recorded_by=_by("nurse"))]).stored == 1
    assert policy.roles["PeriodSettled"] == DEFAULT_RECORDERS["PeriodSettled"]
    assert AppendPolicy.default().roles["VisitationGranted"] == {Role.VISITATOR}


@pytest.mark.parametrize(
    "roles",
    [
        {**DEFAULT_RECORDERS, "NoSuchEvent": [Role.SYSTEM]},
        {**DEFAULT_RECORDERS, "PeriodSettled": ["janitor"]},
        {name: roles for name, roles in DEFAULT_RECORDERS.items() if name != "CaseClosed"},
    ],
    ids=["unknown-type", "unknown-role", "missing-type"],
)
def test_a_malformed_policy_is_refused_with_a_code(roles: dict[str, list[Role]]) -> None:
    with pytest.raises(InvalidPolicyError) as caught:
        AppendPolicy(roles)
    assert caught.value.code == "E-POLICY-INVALID"


def test_the_default_policy_covers_every_event_type() -> None:
    assert set(DEFAULT_RECORDERS) == set(EVENT_TYPES)


def test_a_mismatch_with_the_authenticated_principal_is_refused(backend: Backend) -> None:
    # given a store (any backend, no policy) and an authenticated visitator
    store = backend.open()
    me = Actor(actor_id="visitator-1", role=Role.VISITATOR)
    # when a batch claims another actor, or another role, for one event
    for claimed in (_by("visitator", "visitator-2"), _by("nurse", "visitator-1")):
        batch = [make("CaseOpened"), make("ReferralReceived", recorded_by=claimed)]
        with pytest.raises(ForbiddenError) as caught:
            store.append(batch, principal=me)
        # then it is refused without repeating either id, and nothing is stored
        assert caught.value.code == "E-FORBIDDEN"
        assert "visitator-2" not in str(caught.value)
        assert store.last_position() == 0
    # and the principal's own events are stored
    assert store.append([make("CaseOpened")], principal=me).stored == 1


def test_a_second_settlement_of_a_period_is_refused_by_the_store(backend: Backend) -> None:
    # given a settled team period
    store = backend.open()
    first = make("PeriodSettled", recorded_by=_by("system"))
    store.append([first])
    # when another settlement of the same period is appended (another event id)
    other = make("PeriodSettled", recorded_by=_by("system"), granted_minutes=5)
    with pytest.raises(SettlementError) as caught:
        store.append([other])
    # then it is refused with E-SETTLEMENT, and the first stands
    assert caught.value.code == "E-SETTLEMENT"
    assert len(store.team_events("team-nord", "2026-10")) == 1
    # and two in one batch are refused too, while a retry of the first is a duplicate
    fresh = [make("PeriodSettled", period="2026-11"), make("PeriodSettled", period="2026-11")]
    with pytest.raises(SettlementError):
        store.append(fresh)
    assert store.team_events("team-nord", "2026-11") == []
    assert store.append([first]).duplicates == 1


def test_settle_refuses_a_team_with_no_cases() -> None:
    # given a store with a case of team-nord only
    store = CaseStore.memory()
    store.append([make("CaseOpened"), make("VisitationGranted")])
    # when a team that has no cases is settled, then it is refused and nothing stored
    with pytest.raises(SettlementError) as caught:
        settle(
            store,
            "team-typo",
            "2026-10",
            as_of=date(2026, 11, 2),
            terms=Policy().settlement_terms(),
            recorded_by=Actor(actor_id="erantis", role=Role.SYSTEM),
        )
    assert "has no cases" in str(caught.value)
    assert store.team_events("team-typo", "2026-10") == []


def test_the_synthetic_municipality_and_the_sample_pass_the_default_policy() -> None:
    # given a store under the default policy, when the generated data is stored, then all is
    store = CaseStore.memory(
        append_policy=AppendPolicy.default().trusting_recorded_by(), snapshot_every=0
    )
    raw = list(generate(citizens=40, start=date(2026, 1, 1), months=3, seed=7))
    assert store.append(raw).stored == len(raw)
    assert store.append(sample_events()).stored == len(sample_events())


@budget(25)
@given(case_histories())
def test_the_testing_kit_histories_pass_the_default_policy(history: History) -> None:
    store = CaseStore.memory(
        append_policy=AppendPolicy.default().trusting_recorded_by(), snapshot_every=0
    )
    assert store.append(history.all_events).stored == len(history.all_events)


def test_a_policy_without_a_principal_refuses_a_forged_role() -> None:
    # given a store under the default policy, and no authenticated principal
    store = CaseStore.memory(append_policy=AppendPolicy.default())
    # when an event claims to be recorded by a visitator (anyone can write that), then it is
    # refused for want of the principal, and nothing is stored
    forged = make("CaseOpened", recorded_by=_by("visitator", "someone"))
    with pytest.raises(ForbiddenError, match="principal"):
        store.append([forged])
    assert store.last_position() == 0
    # and with the real principal, the same event is stored
    real = Actor(actor_id="someone", role=Role.VISITATOR)
    assert store.append([forged], principal=real).stored == 1
    # and a principal in another role cannot borrow the visitator's role
    ssh = Actor(actor_id="ssh-1", role=Role.SSH)
    decision = make("VisitationGranted", recorded_by=_by("ssh"))
    with pytest.raises(ForbiddenError):
        store.append([decision], principal=ssh)
