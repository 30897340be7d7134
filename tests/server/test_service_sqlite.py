"""The service as a real process on SQLite, through a real HTTP client: record, read, settle,
follow the feed, and the limits, each answer checked whole where it is small."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from erantis_domain import Actor, CaseStore, Role
from erantis_domain.events import PeriodSettled, parse_event
from erantis_domain.sample import sample_events
from erantis_rules.policy_versions import PolicyHistory, adopt
from erantis_rules.server import Settings
from erantis_rules.server._settings import open_store
from tests.server._harness import Keys, Server, sample, server_env, visit

RELAY = "erantis:read erantis:write erantis:relay"


def _load_sample(client: httpx.Client, keys: Keys) -> None:
    response = client.post(
        "/v1/events",
        json={"events": sample()},
        headers=keys.headers("system", "integration", scopes=RELAY),
    )
    assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def client(sqlite_server: Server, keys: Keys) -> Iterator[httpx.Client]:
    with sqlite_server.client() as client:
        _load_sample(client, keys)
        yield client


def test_a_retried_batch_is_stored_once(client: httpx.Client, keys: Keys) -> None:
    # given the sample is stored
    # when the same batch is sent again
    response = client.post(
        "/v1/events",
        json={"events": sample()},
        headers=keys.headers("system", "integration", scopes=RELAY),
    )
    # then nothing new is stored and every event is reported as a duplicate
    assert response.status_code == 200
    assert response.json() == {
        "stored": 0,
        "duplicates": len(sample()),
        "versions": {"case-0001": 9, "case-0002": 10},
    }


def test_a_case_reads_as_state_timeline_and_findings(client: httpx.Client, keys: Keys) -> None:
    headers = keys.headers()
    state = client.get("/v1/cases/case-0001", headers=headers)
    assert state.status_code == 200
    assert state.headers["etag"] == '"9"'
    assert state.json() == {
        "case_id": "case-0001",
        "as_of": "2026-11-15",
        "version": 9,
        "team_id": "team-nord",
        "municipality": "0756",
        "opened_on": "2026-09-11",
        "closed_on": None,
        "decisions": 1,
        "active_decisions": 1,
        "delegations": 0,
        "visits": 4,
        "admitted": False,
    }
    timeline = client.get("/v1/cases/case-0001/timeline", headers=headers).json()
    assert [e["type"] for e in timeline["events"]][:3] == [
        "CaseOpened",
        "ReferralReceived",
        "FunctionalAbilityAssessed",
    ]
    assert len(timeline["events"]) == 9
    # the warm engine's findings equal a fresh computation for another day's path
    warm = client.get("/v1/cases/case-0002/findings", headers=headers).json()
    cold = client.get(
        "/v1/cases/case-0002/findings", params={"as_of": "2026-11-14"}, headers=headers
    ).json()
    assert warm["as_of"] == "2026-11-15"
    assert all(f["subject"] == "case-0002" for f in warm["findings"])
    assert {f["rule_id"] for f in warm["findings"]} >= {f["rule_id"] for f in cold["findings"]} - {
        ""
    }


def test_an_unknown_case_is_a_coded_404_problem(client: httpx.Client, keys: Keys) -> None:
    response = client.get("/v1/cases/case-9999", headers=keys.headers())
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "E-UNKNOWN-CASE"
    assert body["type"] == "urn:erantis:problem:E-UNKNOWN-CASE"
    assert body["instance"] == "/v1/cases/case-9999"


def test_a_stale_expected_version_is_a_conflict_and_stores_nothing(
    client: httpx.Client, keys: Keys
) -> None:
    # given the case at some version past 3 (the sample holds 9 of its events; other tests of
    # the module, on this worker or not, may have added more)
    headers = keys.headers("ssh", "ssh-1")
    before = client.get("/v1/cases/case-0001", headers=headers).headers["etag"]
    assert int(before.strip('"')) >= 9
    # when a visit is sent expecting version 3
    stale = client.post(
        "/v1/cases/case-0001/events",
        json={"events": [visit("case-0001", 1)]},
        headers={**headers, "If-Match": '"3"'},
    )
    # then it is a conflict and nothing is stored
    assert stale.status_code == 409
    assert stale.json()["code"] == "E-CONFLICT"
    version = client.get("/v1/cases/case-0001", headers=headers).headers["etag"]
    assert version == before
    # and the same visit expecting the current version is stored as the next one
    fresh = client.post(
        "/v1/cases/case-0001/events",
        json={"events": [visit("case-0001", 1)]},
        headers={**headers, "If-Match": version},
    )
    after = int(version.strip('"')) + 1
    assert fresh.status_code == 200
    assert fresh.headers["etag"] == f'"{after}"'
    assert fresh.json() == {"stored": 1, "duplicates": 0, "versions": {"case-0001": after}}


def test_an_invalid_event_names_its_index_and_field_never_a_cpr(
    client: httpx.Client, keys: Keys
) -> None:
    before = client.get("/v1/cases/case-0001", headers=keys.headers()).json()["version"]
    bad = visit("case-0001", 2)
    bad["minutes"] = -5
    cpr = visit("case-0001", 3)
    cpr["carer_id"] = "010190-1234"
    response = client.post(
        "/v1/cases/case-0001/events",
        json={"events": [visit("case-0001", 4), bad]},
        headers=keys.headers("ssh", "ssh-1"),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "E-EVENT-INVALID"
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(1, "VisitDelivered.minutes")]
    response = client.post(
        "/v1/cases/case-0001/events",
        json={"events": [cpr]},
        headers=keys.headers("ssh", "ssh-1"),
    )
    assert response.status_code == 422
    assert "010190" not in response.text
    # nothing of either batch was stored
    assert client.get("/v1/cases/case-0001", headers=keys.headers()).json()["version"] == before


def test_limits_are_coded_problems(client: httpx.Client, keys: Keys) -> None:
    headers = keys.headers("ssh", "ssh-1")
    many = [visit("case-0001", 100 + n) for n in range(1001)]
    response = client.post("/v1/cases/case-0001/events", json={"events": many}, headers=headers)
    assert (response.status_code, response.json()["code"]) == (413, "E-BATCH-TOO-LARGE")
    huge = b'{"events": [' + b" " * 1_100_000 + b"]}"
    response = client.post(
        "/v1/events", content=huge, headers={**headers, "Content-Type": "application/json"}
    )
    assert (response.status_code, response.json()["code"]) == (413, "E-BODY-TOO-LARGE")
    response = client.post("/v1/events", content=b'{"events": [], "events": []}', headers=headers)
    assert (response.status_code, response.json()["code"]) == (400, "E-REQUEST-INVALID")


def test_a_jsonl_upload_is_streamed_and_an_invalid_line_is_named(
    client: httpx.Client, keys: Keys
) -> None:
    lines = [json.dumps(visit("case-0002", n, actor="ssh-1")) for n in range(2500)]
    lines[2200] = "{not json"

    def body() -> Iterator[bytes]:
        for line in lines:
            yield (line + "\n").encode()

    headers = {**keys.headers("ssh", "ssh-1"), "Content-Type": "application/x-ndjson"}
    response = client.post("/v1/ingest", content=body(), headers=headers)
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "E-EVENT-INVALID"
    assert problem["errors"][0]["line"] == 2201
    # the first two transactions (2,000 lines) were stored before the bad line
    assert problem["stored"] == 2000
    lines[2200] = json.dumps(visit("case-0002", 2200, actor="ssh-1"))
    response = client.post("/v1/ingest", content=body(), headers=headers)
    assert response.status_code == 200
    assert response.json() == {"lines": 2500, "stored": 500, "duplicates": 2000}


def test_findings_page_by_cursor_and_filter_by_team(client: httpx.Client, keys: Keys) -> None:
    headers = keys.headers()
    whole = client.get("/v1/findings", params={"limit": 1000}, headers=headers).json()
    assert whole["next_cursor"] is None
    assert whole["findings"], "the sample has findings"
    pages: list[dict[str, object]] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/findings", params=params, headers=headers).json()
        pages.extend(page["findings"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == whole["findings"]
    team = client.get("/v1/findings", params={"team": "team-nord"}, headers=headers).json()
    assert team["findings"] == whole["findings"]
    other = client.get("/v1/findings", params={"team": "team-syd"}, headers=headers).json()
    assert other["findings"] == []
    bad = client.get("/v1/findings", params={"cursor": "nonsense"}, headers=headers)
    assert (bad.status_code, bad.json()["code"]) == (400, "E-CURSOR-INVALID")


def test_the_feed_resets_then_reports_what_appears_and_resolves(
    client: httpx.Client, keys: Keys
) -> None:
    headers = keys.headers()
    first = client.get("/v1/findings/changes", headers=headers).json()
    assert first["reset"] is True and first["changes"] == []
    # a new case opened without a referral or assessment: findings appear for it
    opened = {
        "type": "CaseOpened",
        "event_id": "6f1c1c38-6f7e-4f57-9a38-2f3f3b0f0001",
        "case_id": "case-0003",
        "occurred_at": "2026-10-01T09:00:00+02:00",
        "recorded_by": {"actor_id": "visitator-1", "role": "visitator"},
        "team_id": "team-nord",
        "municipality": "0756",
    }
    granted = next(e for e in sample("case-0001") if e["type"] == "VisitationGranted")
    granted = {
        **granted,
        "event_id": "6f1c1c38-6f7e-4f57-9a38-2f3f3b0f0002",
        "case_id": "case-0003",
        "decision_id": "case-0003-d1",
        "goals": [],
    }
    response = client.post(
        "/v1/cases/case-0003/events", json={"events": [opened, granted]}, headers=headers
    )
    assert response.status_code == 200, response.text
    page = client.get("/v1/findings/changes", params={"cursor": first["cursor"]}, headers=headers)
    changes = page.json()["changes"]
    assert changes and page.json()["reset"] is False
    assert {c["change"] for c in changes} == {"appeared"}
    assert {c["finding"]["subject"] for c in changes} >= {"case-0003"}
    own = client.get("/v1/cases/case-0003/findings", headers=headers).json()["findings"]
    appeared = [c["finding"] for c in changes if c["finding"]["subject"] == "case-0003"]
    assert appeared == own
    # polling again from the new cursor: nothing more
    again = client.get(
        "/v1/findings/changes", params={"cursor": page.json()["cursor"]}, headers=headers
    ).json()
    assert again["changes"] == [] and again["reset"] is False


def test_ledger_settlement_agenda_and_pack(client: httpx.Client, keys: Keys) -> None:
    headers = keys.headers()
    path = "/v1/teams/team-nord/periods/2026-10"
    ledger = client.get(path + "/ledger", headers=headers).json()
    assert ledger["team_id"] == "team-nord" and ledger["period"] == "2026-10"
    assert {line["case_id"] for line in ledger["citizens"]} >= {"case-0001", "case-0002"}
    assert ledger["settled"] is False
    refused = client.post(path + "/settlement", json={}, headers=keys.headers("team_lead", "tl-1"))
    assert (refused.status_code, refused.json()["code"]) == (403, "E-FORBIDDEN")
    controller = keys.headers("controller", "ctrl-1")
    settled = client.post(path + "/settlement", json={}, headers=controller)
    assert settled.status_code == 200, settled.text
    assert settled.json()["created"] is True
    assert settled.json()["granted_minutes"] == ledger["frame_minutes"]
    again = client.post(path + "/settlement", json={}, headers=controller)
    assert again.json() == {**settled.json(), "created": False}
    assert client.get(path + "/ledger", headers=headers).json()["settled"] is True
    agenda = client.get(path + "/agenda", headers=headers).json()
    assert agenda["ledger"]["team_id"] == "team-nord"
    assert agenda["citizens"][:2] == ["case-0001", "case-0002"]
    pack = client.get(path + "/meeting-pack", params={"lang": "en"}, headers=headers)
    assert pack.status_code == 200
    assert pack.headers["content-type"].startswith("text/html")
    assert "team-nord" in pack.text


def test_rules_schemas_health_and_metrics(client: httpx.Client, keys: Keys) -> None:
    headers = keys.headers()
    rules = client.get("/v1/rules", headers=headers).json()
    assert rules and all(
        set(r) == {"id", "title", "severity", "legal_reference", "description"} for r in rules
    )
    names = client.get("/v1/schemas", headers=headers).json()
    assert {"event", "policy", "VisitDelivered"} <= set(names)
    schema = client.get("/v1/schemas/VisitDelivered", headers=headers).json()
    assert schema["$id"] == "urn:erantis:schema:VisitDelivered"
    assert client.get("/healthz").json() == {"status": "ok", "position": None}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ok" and ready["position"] > 0
    # the findings gauge is set when findings are judged: ask for them here, so the test does
    # not depend on which tests ran before it on this worker
    assert client.get("/v1/findings", headers=headers).status_code == 200
    metrics = client.get("/metrics").text
    assert 'erantis_http_requests_total{method="GET",route="/v1/rules",status="200"}' in metrics
    assert "erantis_http_request_duration_seconds_bucket" in metrics
    assert "erantis_events_appended_total" in metrics
    assert 'erantis_findings{rule_id="' in metrics
    assert "case-0001" not in metrics


def test_a_settlement_records_the_version_adopted_in_the_store(keys: Keys, tmp_path: Path) -> None:
    # given a store with the sample and a version with a ±7 % band adopted for 2026
    db = tmp_path / "adopted.sqlite"
    version = PolicyHistory.from_mapping(
        {"versions": [{"id": "budget-2026", "valid_from": "2026-01-01", "settlement_band_pct": 7}]}
    ).versions[0]
    with CaseStore.sqlite(db) as store:
        store.append(sample_events())
        adopt(
            store,
            version,
            on=date(2025, 12, 15),
            recorded_by=Actor(actor_id="ctrl-1", role=Role.CONTROLLER),
        )
    # when the service settles team-nord's October
    server = Server(server_env(keys, str(db)), tmp_path / "server.log").start()
    try:
        with server.client() as client:
            response = client.post(
                "/v1/teams/team-nord/periods/2026-10/settlement",
                json={},
                headers=keys.headers("controller", "ctrl-1"),
            )
    finally:
        server.stop()
    # then the answer and the recorded PeriodSettled name the version and its terms' digest
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["policy_version"], body["terms_digest"]) == ("budget-2026", version.terms_digest)
    with CaseStore.sqlite(db) as store:
        [settled] = [
            e for e in store.team_events("team-nord", "2026-10") if isinstance(e, PeriodSettled)
        ]
    assert settled.policy_version == "budget-2026"
    assert settled.terms_digest == version.terms_digest
    assert settled.terms is not None and settled.terms.settlement_band_pct == 7


def _raw(db: Path) -> bytes:
    """The store's bytes as someone holding its files would read them (the log included)."""
    return b"".join(part.read_bytes() for part in db.parent.glob(db.name + "*"))


def test_a_store_the_service_creates_is_encrypted(
    client: httpx.Client, sqlite_server: Server
) -> None:
    # given the service created its store on a fresh file and stored the sample in it
    db = sqlite_server.log.parent / "store.sqlite"
    # when the file is read as it lies on disk
    raw = _raw(db)
    # then no actor id of the sample is there in clear, and the store names its key
    assert raw, "nothing was read"
    actors = {e["recorded_by"]["actor_id"] for e in sample()}
    assert actors and all(actor.encode() not in raw for actor in actors)
    opened = open_store(Settings(db=str(db)))
    try:
        assert opened.key_ids() == ["k1"]
        # (and reads every sample event back, with the key the service used)
        stored = {str(entry.event.event_id) for entry in opened.replay()}
        assert {e["event_id"] for e in sample()} <= stored
    finally:
        opened.close()


def test_encryption_off_creates_a_store_in_clear_and_an_existing_one_opens_as_it_is(
    tmp_path: Path,
) -> None:
    # given the service's settings with encryption turned off in the environment
    db = tmp_path / "clear.sqlite"
    settings = Settings.from_env({"ERANTIS_DB": str(db), "ERANTIS_ENCRYPTION": "off"})
    assert settings.encryption is False
    # when the service opens (creates) its store and an event is stored
    store = open_store(settings)
    event = sample("case-0001")[0]
    try:
        store.append([parse_event(json.dumps(event))])
        assert store.key_ids() == []
    finally:
        store.close()
    # then the actor id lies in the file in clear
    assert event["recorded_by"]["actor_id"].encode() in _raw(db)
    # and with encryption on again, the existing clear store still opens in clear
    reopened = open_store(Settings(db=str(db)))
    try:
        assert reopened.key_ids() == [] and reopened.cipher is None
        assert reopened.last_position() == 1
    finally:
        reopened.close()
