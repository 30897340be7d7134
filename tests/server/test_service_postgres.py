"""The service on a real PostgreSQL: concurrent writers, a retry after a timeout, the database
going away and coming back, and two instances on one database answering as one."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from erantis_rules.server import Settings
from erantis_rules.server._settings import open_store
from tests._postgres import HOST, PostgresCluster, start_cluster
from tests.server._harness import Keys, Server, sample, server_env, visit

RELAY = "erantis:read erantis:write erantis:relay"
OPENED = next(e for e in sample("case-0001") if e["type"] == "CaseOpened")


def _url(cluster: PostgresCluster, database: str) -> str:
    return f"postgresql://{cluster.user}@{cluster.host}:{cluster.port}/{database}"


def _opened(case_id: str) -> dict[str, object]:
    event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"opened/{case_id}"))
    return {**OPENED, "case_id": case_id, "event_id": event_id}


@pytest.fixture(scope="module")
def pg_database(postgres_cluster: PostgresCluster) -> str:
    """The fresh database of the module's service."""
    return postgres_cluster.create_database()


@pytest.fixture(scope="module")
def pg_server(
    postgres_cluster: PostgresCluster,
    pg_database: str,
    keys: Keys,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    """One service on a fresh database for the module (each test writes its own cases)."""
    env = server_env(keys, _url(postgres_cluster, pg_database))
    server = Server(env, tmp_path_factory.mktemp("pg") / "server.log").start()
    try:
        yield server
    finally:
        server.stop()


def test_concurrent_writers_to_one_case_lose_and_duplicate_nothing(
    pg_server: Server, keys: Keys
) -> None:
    # given a case, and four carers' clients each recording 15 visits with If-Match
    with pg_server.client() as client:
        opened = client.post(
            "/v1/cases/case-c/events", json={"events": [_opened("case-c")]}, headers=keys.headers()
        )
        assert opened.status_code == 200
    outcomes: list[int] = []
    codes: set[str] = set()
    lock = threading.Lock()

    def writer(number: int) -> None:
        actor = f"ssh-{number}"
        headers = keys.headers("ssh", actor)
        with pg_server.client() as client:
            for n in range(15):
                event = visit("case-c", number * 100 + n, actor=actor)
                while True:
                    etag = client.get("/v1/cases/case-c", headers=headers).headers["etag"]
                    response = client.post(
                        "/v1/cases/case-c/events",
                        json={"events": [event]},
                        headers={**headers, "If-Match": etag},
                    )
                    with lock:
                        outcomes.append(response.status_code)
                        if response.status_code != 200:
                            codes.add(response.json()["code"])
                    if response.status_code == 200:
                        break

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then every visit is stored exactly once, and every refusal was a reported conflict
    assert set(outcomes) <= {200, 409}
    assert codes <= {"E-CONFLICT"}
    assert outcomes.count(200) == 60
    with pg_server.client() as client:
        timeline = client.get("/v1/cases/case-c/timeline", headers=keys.headers()).json()
    ids = [e["event_id"] for e in timeline["events"]]
    assert len(ids) == 61 == len(set(ids))


def test_writers_without_an_expected_version_all_land(pg_server: Server, keys: Keys) -> None:
    # without If-Match the service retries a race at commit itself: nothing is refused
    answers: list[tuple[int, str]] = []

    def writer(number: int) -> None:
        actor = f"ssh-{number}"
        with pg_server.client() as client:
            for n in range(10):
                event = visit("case-d", number * 100 + n, actor=actor)
                response = client.post(
                    "/v1/cases/case-d/events",
                    json={"events": [event]},
                    headers=keys.headers("ssh", actor),
                )
                answers.append((response.status_code, response.text))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [text for status, text in answers if status != 200] == []
    with pg_server.client() as client:
        state = client.get("/v1/cases/case-d/timeline", headers=keys.headers()).json()
    assert len({e["event_id"] for e in state["events"]}) == len(state["events"]) == 40


def test_a_retry_after_a_client_timeout_stores_the_batch_exactly_once(
    pg_server: Server, keys: Keys
) -> None:
    headers = keys.headers("system", "integration", scopes=RELAY)
    batch = {"events": sample("case-0001")}
    # given a client that gives up before the answer comes
    with (
        pg_server.client(timeout=httpx.Timeout(0.001)) as impatient,
        pytest.raises(httpx.TimeoutException),
    ):
        impatient.post("/v1/events", json=batch, headers=headers)
    # when it sends the same batch again
    with pg_server.client() as client:
        response = client.post("/v1/events", json=batch, headers=headers)
        assert response.status_code == 200
        body = response.json()
        # then it is stored once, whether or not the first attempt got through
        assert body["stored"] + body["duplicates"] == len(batch["events"])
        again = client.post("/v1/events", json=batch, headers=headers).json()
        assert again["stored"] == 0
        timeline = client.get("/v1/cases/case-0001/timeline", headers=keys.headers()).json()
    assert len(timeline["events"]) == len(batch["events"])


def _pg_ctl(cluster: PostgresCluster, action: str) -> None:
    options = (
        f"-p {cluster.port} -k {cluster.root} -c listen_addresses={HOST} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    if action == "stop":
        cluster._checked("pg_ctl", "-D", str(cluster.datadir), "-m", "fast", "-w", "stop")
    else:
        cluster._checked(
            "pg_ctl",
            "-D",
            str(cluster.datadir),
            "-o",
            options,
            "-l",
            str(cluster.root / "server.log"),
            "-w",
            "-t",
            "30",
            "start",
        )


def test_the_database_going_away_is_a_coded_503_and_the_service_recovers(
    keys: Keys, tmp_path: Path
) -> None:
    # its own cluster: stopping it must not disturb the other tests
    cluster = start_cluster()
    try:
        database = cluster.create_database()
        env = server_env(keys, _url(cluster, database), ERANTIS_DB_CONNECT_TIMEOUT="2")
        server = Server(env, tmp_path / "server.log").start()
        try:
            with server.client() as client:
                headers = keys.headers("ssh", "ssh-1")
                first = client.post(
                    "/v1/cases/case-0001/events",
                    json={"events": [_opened("case-0001")]},
                    headers=keys.headers(),
                )
                assert first.status_code == 200
                # when the database stops
                _pg_ctl(cluster, "stop")
                down = client.post(
                    "/v1/cases/case-0001/events",
                    json={"events": [visit("case-0001", 1)]},
                    headers=headers,
                )
                # then appends and reads answer 503 with the store's code and a Retry-After
                assert down.status_code == 503, down.text
                assert down.json()["code"].startswith("E-STORE-")
                assert int(down.headers["retry-after"]) >= 1
                not_ready = client.get("/readyz")
                assert not_ready.status_code == 503
                assert client.get("/healthz").status_code == 200
                # when it comes back, the service recovers by itself
                _pg_ctl(cluster, "start")
                deadline = time.monotonic() + 60
                while client.get("/readyz").status_code != 200:
                    assert time.monotonic() < deadline, "the service did not recover"
                    time.sleep(0.2)
                retried = client.post(
                    "/v1/cases/case-0001/events",
                    json={"events": [visit("case-0001", 1)]},
                    headers=headers,
                )
                assert retried.status_code == 200, retried.text
                assert retried.json()["stored"] == 1
                state = client.get("/v1/cases/case-0001", headers=keys.headers()).json()
                assert state["version"] == 2
                findings = client.get("/v1/cases/case-0001/findings", headers=keys.headers())
                assert findings.status_code == 200
        finally:
            server.stop()
    finally:
        cluster.stop()


def test_two_instances_on_one_database_answer_as_one(
    postgres_cluster: PostgresCluster, keys: Keys, tmp_path: Path
) -> None:
    database = postgres_cluster.create_database()
    env = server_env(keys, _url(postgres_cluster, database))
    first = Server(env, tmp_path / "a.log").start()
    second = Server(env, tmp_path / "b.log").start()
    relay = keys.headers("system", "integration", scopes=RELAY)
    reader = keys.headers()
    try:
        with first.client() as a, second.client() as b:
            # given each instance's feed cursor at the same (empty) start
            start_a = a.get("/v1/findings/changes", headers=reader).json()
            start_b = b.get("/v1/findings/changes", headers=reader).json()
            assert start_a["cursor"] == start_b["cursor"]
            # when one case is written through A and the other through B
            assert (
                a.post(
                    "/v1/events", json={"events": sample("case-0001")}, headers=relay
                ).status_code
                == 200
            )
            assert (
                b.post(
                    "/v1/events", json={"events": sample("case-0002")}, headers=relay
                ).status_code
                == 200
            )
            # then both answer the same findings, ledger and feed
            for path in (
                "/v1/findings",
                "/v1/cases/case-0001/findings",
                "/v1/cases/case-0002/findings",
                "/v1/teams/team-nord/periods/2026-10/ledger",
            ):
                assert a.get(path, headers=reader).json() == b.get(path, headers=reader).json()
            assert a.get("/v1/findings", headers=reader).json()["findings"]
            feed_a = a.get(
                "/v1/findings/changes", params={"cursor": start_a["cursor"]}, headers=reader
            ).json()
            feed_b = b.get(
                "/v1/findings/changes", params={"cursor": start_a["cursor"]}, headers=reader
            ).json()
            assert feed_a == feed_b
            assert feed_a["reset"] is False and feed_a["changes"]
            # a settlement through one instance is the settlement on the other
            controller = keys.headers("controller", "ctrl-1")
            path = "/v1/teams/team-nord/periods/2026-10/settlement"
            made = a.post(path, json={}, headers=controller).json()
            seen = b.post(path, json={}, headers=controller).json()
            assert made["created"] is True
            assert seen == {**made, "created": False}
    finally:
        first.stop()
        second.stop()


def _stored_bytes(cluster: PostgresCluster, database: str) -> tuple[int, bytes]:
    """Every row of every table of the database's public schema as someone holding the
    database would read it: the row count, and text and bytea values as their bytes."""
    import psycopg
    from psycopg import sql

    rows, raw = 0, bytearray()
    with psycopg.connect(
        host=cluster.host, port=cluster.port, user=cluster.user, dbname=database
    ) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
        for (table,) in tables:
            for row in conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table))):
                rows += 1
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        raw += bytes(value)
                    elif isinstance(value, str):
                        raw += value.encode()
    return rows, bytes(raw)


def test_a_postgresql_store_the_service_creates_is_encrypted(
    pg_server: Server, pg_database: str, postgres_cluster: PostgresCluster, keys: Keys
) -> None:
    # given the service created its store in a fresh database and a carer recorded a visit
    actor = "ssh-enc-7731"
    with pg_server.client() as client:
        for batch, headers in (
            ([_opened("case-enc")], keys.headers()),
            ([visit("case-enc", 1, actor=actor)], keys.headers("ssh", actor)),
        ):
            response = client.post(
                "/v1/cases/case-enc/events", json={"events": batch}, headers=headers
            )
            assert response.status_code == 200, response.text
    database = pg_database
    # when the database's tables are read as they lie on the server
    rows, raw = _stored_bytes(postgres_cluster, database)
    # then the carer's id is nowhere in clear, and the store names the service's key
    assert rows > 0 and raw, "nothing was read"
    assert actor.encode() not in raw
    opened = open_store(Settings(db=_url(postgres_cluster, database)))
    try:
        assert opened.key_ids() == ["k1"]
        stored = [entry.event for entry in opened.replay() if entry.event.case_id == "case-enc"]
        assert any(e.recorded_by.actor_id == actor for e in stored)
    finally:
        opened.close()
