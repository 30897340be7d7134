"""Overload and slowness against a real process: past its in-flight limit the service sheds
with 503 E-OVERLOADED and Retry-After, keeps answering health checks, loses nothing it
accepted and recovers; a body that stalls gets 408 E-REQUEST-TIMEOUT."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server._harness import Keys, Server, server_env, visit


@pytest.fixture(scope="module")
def narrow_server(keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder: Path = tmp_path_factory.mktemp("narrow")
    env = server_env(
        keys,
        str(folder / "store.sqlite"),
        ERANTIS_MAX_IN_FLIGHT="1",
        ERANTIS_REQUEST_TIMEOUT="2",
    )
    server = Server(env, folder / "server.log").start()
    try:
        yield server
    finally:
        server.stop()


def test_past_its_limit_it_sheds_then_recovers_and_keeps_what_it_accepted(
    narrow_server: Server, keys: Keys
) -> None:
    headers = {**keys.headers("ssh", "ssh-1"), "Content-Type": "application/x-ndjson"}
    answers: list[httpx.Response] = []
    sending = threading.Event()

    def slow_upload() -> Iterator[bytes]:
        # each line well within the read timeout, the whole upload a few seconds long
        for n in range(12):
            yield (json.dumps(visit("case-0001", n)) + "\n").encode()
            sending.set()
            time.sleep(0.5)

    def upload() -> None:
        with narrow_server.client() as client:
            answers.append(client.post("/v1/ingest", content=slow_upload(), headers=headers))

    # given one upload holding the only slot
    uploader = threading.Thread(target=upload)
    uploader.start()
    shed: httpx.Response | None = None
    try:
        # the upload's first line is on its way: it holds the slot from now on
        assert sending.wait(timeout=30)
        time.sleep(0.2)
        with narrow_server.client() as client:
            while uploader.is_alive():
                answer = client.get("/v1/rules", headers=keys.headers())
                if answer.status_code == 503:
                    shed = answer
                    break
                time.sleep(0.05)
            # then another request is shed, coded, with Retry-After; health still answers
            assert shed is not None, "no request was shed while the upload held the slot"
            assert shed.json()["code"] == "E-OVERLOADED"
            assert shed.headers["retry-after"] == "1"
            assert client.get("/healthz").status_code == 200
            assert client.get("/readyz").status_code == 200
    finally:
        uploader.join(timeout=30)
    # and the accepted upload is stored whole, and the service recovers
    assert answers[0].status_code == 200
    assert answers[0].json() == {"lines": 12, "stored": 12, "duplicates": 0}
    with narrow_server.client() as client:
        assert client.get("/v1/rules", headers=keys.headers()).status_code == 200
        metrics = client.get("/metrics").text
    assert "erantis_requests_shed_total 0.0" not in metrics


def test_a_stalled_body_times_out_with_its_code(narrow_server: Server, keys: Keys) -> None:
    def stalled() -> Iterator[bytes]:
        yield b'{"events": ['
        time.sleep(4)
        yield b"]}"

    headers = {**keys.headers("ssh", "ssh-1"), "Content-Type": "application/json"}
    with narrow_server.client() as client:
        response = client.post("/v1/events", content=stalled(), headers=headers)
    assert response.status_code == 408
    assert response.json()["code"] == "E-REQUEST-TIMEOUT"
