"""Retries: a fault-injecting proxy in front of the real Herald proves that a retried
send reuses its Idempotency-Key and is stored once; which calls are retried, and on what."""

from __future__ import annotations

import json
import socket
import time
import uuid
from typing import Iterator

import httpx
import pytest
from _support import Fault, FaultProxy, HeraldProcess, Receiver, free_port, path_of

import herald
from herald import Herald

EVENTS = "/api/v1/events"


def _through(proxy: FaultProxy, server: HeraldProcess, **kwargs: object) -> Herald:
    kwargs.setdefault("retry_backoff", 0.01)
    return Herald(proxy.url, server.api_key, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["after_503", "after_drop"])
def test_a_retried_send_reuses_its_key_and_is_stored_once(
    mode: str,
    proxy: FaultProxy,
    server: HeraldProcess,
    receiver: Receiver,
    client: Herald,
    make_webhook,
    event_type: str,
) -> None:
    w = make_webhook([event_type])
    # Herald stores the event, then the client sees a 503 (or a dropped connection)
    proxy.add_fault(Fault("POST", EVENTS, mode))
    with _through(proxy, server) as c:
        event = c.events.send(type=event_type, data={"mode": mode})

    posts = proxy.requests("POST", EVENTS)
    assert len(posts) == 2, "the client retried once"
    keys = {p.headers.get("idempotency-key") for p in posts}
    assert len(keys) == 1, f"one Idempotency-Key for both tries, got {keys}"
    (key,) = keys
    assert key and uuid.UUID(key).version == 4
    assert posts[0].upstream_status == 202, "the first try was stored by Herald"
    assert posts[0].answered == (503 if mode == "after_503" else None)
    first_id = json.loads(posts[0].upstream_body)["data"][0]["id"]
    assert posts[1].upstream_headers.get("idempotent-replayed") == "true"
    assert json.loads(posts[1].upstream_body)["data"][0]["id"] == first_id
    assert event.id == first_id

    # one event, one delivery: the receiver only ever sees that delivery of that event
    assert len(event.deliveries) == 1
    deliveries = list(client.deliveries.list(w.id))
    assert [d.id for d in deliveries] == [event.deliveries[0].id]
    got = receiver.wait_for(path_of(w))
    assert {r.header_dict["webhook-id"] for r in got} == {deliveries[0].id}
    assert {e["id"] for r in got for e in r.json()["events"]} == {event.id}  # type: ignore[index]


def test_batch_retry_reuses_the_key(proxy: FaultProxy, server: HeraldProcess, event_type: str) -> None:
    proxy.add_fault(Fault("POST", EVENTS, "after_drop"))
    with _through(proxy, server) as c:
        answer = c.events.send_batch([{"type": event_type, "data": {"i": i}} for i in range(3)])
    posts = proxy.requests("POST", EVENTS)
    assert len(posts) == 2 and posts[0].headers["idempotency-key"] == posts[1].headers["idempotency-key"]
    stored = [e["id"] for e in json.loads(posts[0].upstream_body)["data"]]
    assert [a.id for a in answer] == stored
    assert all(a.replayed for a in answer)


def test_every_send_has_its_own_key(proxy: FaultProxy, server: HeraldProcess, event_type: str) -> None:
    with _through(proxy, server) as c:
        a = c.events.send(type=event_type, data={})
        b = c.events.send(type=event_type, data={})
        c.events.send(type=event_type, data={}, idempotency_key="my-own-key-" + uuid.uuid4().hex)
    keys = [p.headers["idempotency-key"] for p in proxy.requests("POST", EVENTS)]
    assert a.id != b.id
    assert len(set(keys)) == 3 and keys[2].startswith("my-own-key-")


def test_get_is_retried_on_5xx_and_429_honouring_retry_after(proxy: FaultProxy, server: HeraldProcess) -> None:
    path = "/api/v1/event-types"
    proxy.add_fault(Fault("GET", path, "before", status=503))
    proxy.add_fault(Fault("GET", path, "before", status=429, retry_after="1"))
    with _through(proxy, server, max_retries=3) as c:
        started = time.monotonic()
        types = c.event_types.list()
        elapsed = time.monotonic() - started
    assert types
    assert [s.answered for s in proxy.requests("GET", path)] == [503, 429, 200]
    assert elapsed >= 0.95, f"Retry-After: 1 was not honoured ({elapsed:.2f} s)"


def test_delete_is_retried(
    proxy: FaultProxy, server: HeraldProcess, client: Herald, receiver: Receiver, event_type: str
) -> None:
    w = client.webhooks.create("pytest delete retried", receiver.url("/ok/delete"), event_types=[event_type])
    proxy.add_fault(Fault("DELETE", "/api/v1/webhooks/", "after_503"))
    with _through(proxy, server) as c:
        with pytest.raises(herald.NotFound):
            # the first DELETE worked but answered 503; the retry finds nothing left
            c.webhooks.delete(w.id)
    assert [s.upstream_status for s in proxy.requests("DELETE", "/api/v1/webhooks/")] == [204, 404]


def test_other_posts_are_not_retried(
    proxy: FaultProxy, server: HeraldProcess, receiver: Receiver, event_type: str
) -> None:
    proxy.add_fault(Fault("POST", "/api/v1/webhooks", "before", status=503))
    with _through(proxy, server) as c:
        with pytest.raises(herald.ServerError) as e:
            c.webhooks.create("pytest not retried", receiver.url("/ok/nr"), event_types=[event_type])
    assert e.value.status == 503
    assert len(proxy.requests("POST", "/api/v1/webhooks")) == 1


def test_rate_limited_after_the_retries(proxy: FaultProxy, server: HeraldProcess) -> None:
    proxy.add_fault(Fault("GET", "/api/v1/event-types", "before", status=429, retry_after="0", times=10))
    with _through(proxy, server, max_retries=2) as c:
        with pytest.raises(herald.RateLimited) as e:
            c.event_types.list()
    assert e.value.status == 429 and e.value.retry_after == 0.0
    assert len(proxy.requests("GET", "/api/v1/event-types")) == 3


def test_a_long_retry_after_is_raised_at_once(proxy: FaultProxy, server: HeraldProcess) -> None:
    proxy.add_fault(Fault("GET", "/api/v1/event-types", "before", status=429, retry_after="3600"))
    with _through(proxy, server, max_retries=3) as c:
        with pytest.raises(herald.RateLimited) as e:
            c.event_types.list()
    assert e.value.retry_after == 3600.0
    assert len(proxy.requests("GET", "/api/v1/event-types")) == 1


def test_server_error_after_the_retries(proxy: FaultProxy, server: HeraldProcess) -> None:
    proxy.add_fault(Fault("GET", "/api/v1/event-types", "before", status=502, times=10))
    with _through(proxy, server, max_retries=1) as c:
        with pytest.raises(herald.ServerError) as e:
            c.event_types.list()
    assert e.value.status == 502 and e.value.detail == "injected by the test proxy"
    assert len(proxy.requests("GET", "/api/v1/event-types")) == 2


def test_connection_refused_is_a_connection_error() -> None:
    with Herald(f"http://127.0.0.1:{free_port()}", "key", max_retries=1, retry_backoff=0.01) as c:
        with pytest.raises(herald.ConnectionError) as e:
            c.webhooks.get("wh_x")
    assert isinstance(e.value, herald.TransportError)
    assert "after 2 attempts" in str(e.value)
    assert isinstance(e.value.__cause__, httpx.ConnectError)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    yield s.getsockname()[1]
    s.close()


def test_timeouts_are_on_by_default_and_typed(silent_port: int) -> None:
    assert Herald("http://127.0.0.1:1", "key").timeout == 10.0
    with Herald(f"http://127.0.0.1:{silent_port}", "key", timeout=0.2, max_retries=1, retry_backoff=0.01) as c:
        started = time.monotonic()
        with pytest.raises(herald.TimeoutError) as e:
            c.events.get("evt_x")
    assert 0.35 < time.monotonic() - started < 5
    assert isinstance(e.value, herald.TransportError) and "timed out after 2 attempts" in str(e.value)


# --- the mapping of answers to exceptions, without a server ------------------------------


@pytest.mark.parametrize(
    "status,cls",
    [
        (400, herald.BadRequest),
        (401, herald.AuthenticationError),
        (403, herald.PermissionDenied),
        (404, herald.NotFound),
        (409, herald.Conflict),
        (413, herald.PayloadTooLarge),
        (415, herald.UnsupportedMediaType),
        (418, herald.APIError),
        (422, herald.ValidationError),
        (429, herald.RateLimited),
        (500, herald.ServerError),
        (504, herald.ServerError),
    ],
)
def test_status_to_exception(status: int, cls: type) -> None:
    problem = {"type": "https://example.com/p", "title": "T", "status": status, "detail": "D", "errors": {"f": ["m"]}}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=problem, headers={"Retry-After": "7", "x-request-id": "rid"})

    transport = httpx.Client(transport=httpx.MockTransport(handler))
    with Herald("http://herald.test", "key", max_retries=0, http_client=transport) as c:
        with pytest.raises(cls) as e:
            c.webhooks.get("wh_1")
    err = e.value
    assert type(err) is cls
    assert (err.status, err.title, err.detail, err.type, err.errors) == (
        status,
        "T",
        "D",
        problem["type"],
        {"f": ["m"]},
    )
    assert err.request_id == "rid"
    if cls is herald.RateLimited:
        assert err.retry_after == 7.0
    transport.close()


def test_non_json_error_bodies() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>bad gateway</html>")

    with Herald(
        "http://herald.test", "key", max_retries=0, http_client=httpx.Client(transport=httpx.MockTransport(handler))
    ) as c:
        with pytest.raises(herald.ServerError) as e:
            c.event_types.list()
    assert e.value.title == "Bad Gateway" and "bad gateway" in e.value.detail and e.value.errors == {}


def test_retry_after_as_http_date() -> None:
    from email.utils import formatdate

    from herald._core import parse_retry_after

    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("garbage") is None
    assert parse_retry_after(formatdate(time.time() - 60, usegmt=True)) == 0.0
    soon = parse_retry_after(formatdate(time.time() + 30, usegmt=True))
    assert soon is not None and 25 <= soon <= 31
