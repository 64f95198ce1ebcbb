"""The sync client against a real Herald: every operation, pagination, typed errors."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import List

import pytest
from _support import HeraldProcess, Receiver, path_of, wait_until

import herald
from herald import Herald


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _settled(client: Herald, webhook_id: str, count: int, status: str = "succeeded") -> List[herald.Delivery]:
    """Waits until the webhook has ``count`` deliveries in ``status``; returns them."""
    found: List[herald.Delivery] = []

    def check() -> bool:
        found[:] = list(client.deliveries.list(webhook_id, status=status))
        return len(found) >= count

    wait_until(check, 15, f"{count} {status} deliveries of {webhook_id}")
    return found


# --- events ----------------------------------------------------------------------------


def test_send_returns_the_stored_event(client: Herald, receiver: Receiver, make_webhook, event_type: str) -> None:
    w = make_webhook([event_type])
    subject = {"type": "experiment", "id": "exp_1", "name": "triage", "version": "v3"}
    event = client.events.send(
        type=event_type,
        object="evaluation_result",
        data={"evaluator": "hallucination", "score": 0.42},
        project="patient-triage",
        severity="high",
        source="experiment",
        subject=subject,
        metadata={"run_id": "run_1"},
    )
    assert isinstance(event, herald.Event)
    assert event.id.startswith("evt_")
    assert event.type == event_type
    assert event.object == "evaluation_result"
    assert event.data == {"evaluator": "hallucination", "score": 0.42}
    assert (event.project, event.severity, event.source) == ("patient-triage", "high", "experiment")
    assert event.subject == subject and event.metadata == {"run_id": "run_1"}
    assert isinstance(event.created, int) and event.created_at.endswith("Z")
    assert [d.webhook_id for d in event.deliveries] == [w.id]
    assert event.raw["id"] == event.id

    body = receiver.wait_for(path_of(w))[0].json()
    assert body["events"][0]["id"] == event.id  # type: ignore[index]
    assert body["events"][0]["data"] == {"evaluation_result": event.data}  # type: ignore[index]

    again = client.events.get(event.id)
    assert (again.id, again.type, again.data) == (event.id, event.type, event.data)
    assert [d.id for d in again.deliveries] == [d.id for d in event.deliveries]


def test_send_batch(client: Herald, make_webhook, event_type: str) -> None:
    make_webhook([event_type])
    created = dt.datetime(2024, 11, 22, 8, 0, 0, tzinfo=dt.timezone.utc)
    answer = client.events.send_batch(
        [
            {"type": event_type, "data": {"i": 0}, "created": created},
            {"type": event_type, "data": {"i": 1}, "created": int(created.timestamp())},
            {"type": event_type, "data": {"i": 2}, "project": "p"},
        ]
    )
    assert [type(a) for a in answer] == [herald.Ingested] * 3
    assert len({a.id for a in answer}) == 3
    assert [a.deliveries for a in answer] == [1, 1, 1]
    assert not any(a.replayed for a in answer)
    events = [client.events.get(a.id) for a in answer]
    assert [e.data["i"] for e in events] == [0, 1, 2]
    assert events[0].created == events[1].created == int(created.timestamp())
    assert events[2].project == "p"


def test_the_same_idempotency_key_stores_once(client: Herald, make_webhook, event_type: str) -> None:
    w = make_webhook([event_type])
    key = f"pytest-{uuid.uuid4()}"
    first = client.events.send(type=event_type, data={"n": 1}, idempotency_key=key)
    second = client.events.send(type=event_type, data={"n": 1}, idempotency_key=key)
    assert first.id == second.id
    replay = client.events.send_batch([{"type": event_type, "data": {"n": 1}}], idempotency_key=key)
    assert replay[0].id == first.id and replay[0].replayed
    assert [d.id for d in client.deliveries.list(w.id)] == [first.deliveries[0].id]


def test_nan_is_refused_before_sending(client: Herald, event_type: str) -> None:
    with pytest.raises(ValueError, match="NaN"):
        client.events.send(type=event_type, data={"score": math.nan})


# --- webhooks --------------------------------------------------------------------------


def test_webhook_create_get_update_delete(client: Herald, receiver: Receiver, event_type: str) -> None:
    w = client.webhooks.create(
        "pytest crud",
        receiver.url("/ok/crud"),
        event_types=[event_type, "alert.*"],
        description="made by the tests",
        headers=[{"key": "Authorization", "value": "Token 123", "protected": True}, herald.Header("X-Team", "ml")],
        filters={"projects": ["patient-triage"], "severities": ["high", "critical"]},
        retry=herald.RetryPolicy(max_retries=2, backoff="fixed", initial_delay_ms=1000),
        batch={"max_events": 10, "max_wait_ms": 100},
        timeout_ms=2000,
    )
    try:
        assert isinstance(w, herald.Webhook) and w.id.startswith("wh_")
        assert w.secret is not None and w.secret.startswith("whsec_")
        assert w.event_types == [event_type, "alert.*"]
        assert w.filters.projects == ["patient-triage"] and w.filters.severities == ["high", "critical"]
        assert (w.retry.max_retries, w.retry.backoff, w.retry.initial_delay_ms) == (2, "fixed", 1000)
        assert (w.batch.max_events, w.batch.max_wait_ms, w.timeout_ms) == (10, 100, 2000)
        assert w.health.consecutive_failures == 0 and w.active

        got = client.webhooks.get(w.id)
        assert got.secret is None
        assert [(h.key, h.value, h.protected) for h in got.headers] == [
            ("Authorization", None, True),
            ("X-Team", "ml", False),
        ]

        # a protected header sent without a value keeps its stored value
        headers = [herald.Header("Authorization", None, True), {"key": "X-Team", "value": "infra"}]
        updated = client.webhooks.update(w.id, name="pytest crud renamed", active=False, headers=headers)
        assert (updated.name, updated.active) == ("pytest crud renamed", False)
        assert updated.description == "made by the tests"  # untouched
        assert [(h.key, h.value) for h in updated.headers] == [("Authorization", None), ("X-Team", "infra")]
        assert updated.updated_at >= w.updated_at
        assert w.id in {x.id for x in client.webhooks.list()}
    finally:
        client.webhooks.delete(w.id)
    with pytest.raises(herald.NotFound):
        client.webhooks.get(w.id)
    with pytest.raises(herald.NotFound):
        client.webhooks.delete(w.id)


def test_webhook_condition_and_redaction(client: Herald, receiver: Receiver, event_type: str) -> None:
    w = client.webhooks.create(
        "pytest condition",
        receiver.url("/ok/condition"),
        event_types=[event_type],
        condition='has(data.score) && data.score < 0.8',
        redact=[{"path": "data.input"}, herald.Redaction("metadata.user.email", "mask")],
    )
    try:
        assert w.condition == "has(data.score) && data.score < 0.8"
        assert [(r.path, r.action) for r in w.redact] == [("data.input", "remove"), ("metadata.user.email", "mask")]
        got = client.webhooks.get(w.id)
        assert got.condition == w.condition and len(got.redact) == 2
        assert got.health.last_condition_error is None
        cleared = client.webhooks.update(w.id, condition="", redact=[])
        assert (cleared.condition, cleared.redact) == ("", [])
        with pytest.raises(herald.ValidationError) as bad:
            client.webhooks.update(w.id, condition="data.score <", redact=[{"path": "payload.x"}])
        assert "condition" in bad.value.errors and "redact[0].path" in bad.value.errors
        assert "line 1" in bad.value.errors["condition"][0]
        assert client.webhooks.get(w.id).condition == ""  # nothing changed
    finally:
        client.webhooks.delete(w.id)


def test_list_follows_every_page(client: Herald, make_webhook, event_type: str) -> None:
    mine = [make_webhook([event_type]).id for _ in range(5)]
    first = client.webhooks.list_page(limit=2)
    assert isinstance(first, herald.Page) and len(first) == 2 and first.has_more
    second = client.webhooks.list_page(limit=2, cursor=first.next_cursor)
    assert not {w.id for w in first} & {w.id for w in second}

    paged = [w.id for w in client.webhooks.list(limit=2)]
    assert len(paged) == len(set(paged))
    assert set(mine) <= set(paged)
    assert paged == [w.id for w in client.webhooks.list(limit=200)]
    # newest first: the last one created comes first among ours
    assert [i for i in paged if i in mine] == list(reversed(mine))


def test_event_types_list_follows_every_page(client: Herald, event_type: str) -> None:
    first = client.event_types.list_page(limit=2)
    assert len(first.data) == 2 and first.next_cursor == first.data[-1].name
    everything = client.event_types.list(limit=2)
    names = [t.name for t in everything]
    assert event_type in names
    assert names == sorted(set(names))
    assert names == [t.name for t in client.event_types.list()]


def test_test_send_and_validate(client: Herald, receiver: Receiver, make_webhook, event_type: str) -> None:
    w = make_webhook([event_type])
    result = client.webhooks.test(w.id, "evaluation.failed")
    assert isinstance(result, herald.TestResult)
    assert (result.success, result.status, result.response_code) == (True, "succeeded", 200)
    assert result.request.url == w.url
    assert result.request.header("X-Herald-Event-Type") == "evaluation.failed"
    got = receiver.wait_for(path_of(w))[0]
    assert got.header_dict["webhook-id"] == result.request.header("webhook-id")

    custom = client.webhooks.test(w.id, event_type, payload={"custom": "payload"})
    assert custom.success and "custom" in custom.request.body

    ok = client.webhooks.validate(receiver.url("/ok/validate"), headers={"X-Check": "1"})
    assert ok.success and ok.response_code == 200
    seen = receiver.wait_for("/ok/validate")[0]
    assert seen.header_dict["x-check"] == "1"
    assert seen.header_dict["x-herald-event-type"] == "webhook.test"

    bad = client.webhooks.validate(receiver.url("/bad/validate"))
    assert (bad.success, bad.response_code) == (False, 400)


def test_secret_and_rotation(client: Herald, make_webhook, event_type: str) -> None:
    w = make_webhook([event_type])
    assert client.webhooks.secret(w.id) == w.secret
    new = client.webhooks.rotate_secret(w.id)
    assert new.startswith("whsec_") and new != w.secret
    assert client.webhooks.secret(w.id) == new
    newer = client.webhooks.rotate_secret(w.id, grace_period_ms=0)
    assert newer not in (new, w.secret)
    with pytest.raises(herald.ValidationError) as e:
        client.webhooks.rotate_secret(w.id, grace_period_ms=-1)
    assert "grace_period_ms" in e.value.errors


# --- deliveries ------------------------------------------------------------------------


def test_delivery_log_filters_get_and_resend(client: Herald, receiver: Receiver, make_webhook, event_type: str) -> None:
    w = make_webhook([event_type])
    before = _utcnow() - dt.timedelta(minutes=1)
    sent = [client.events.send(type=event_type, data={"i": i}) for i in range(3)]
    receiver.wait_for(path_of(w), 3)
    done = _settled(client, w.id, 3)
    assert {d.event_ids[0] for d in done} == {e.id for e in sent}
    assert all(d.event_type == event_type and d.attempts == 1 and d.attempt_log == [] for d in done)

    assert len(list(client.deliveries.list(w.id, limit=1))) == 3  # one page each
    assert list(client.deliveries.list(w.id, status="failed")) == []
    assert len(list(client.deliveries.list(w.id, event_type=event_type))) == 3
    assert list(client.deliveries.list(w.id, event_type="evaluation.failed")) == []
    assert len(list(client.deliveries.list(w.id, since=before))) == 3
    assert (
        len(
            list(client.deliveries.list(w.id, since=int(before.timestamp()), until=_utcnow() + dt.timedelta(minutes=1)))
        )
        == 3
    )
    assert list(client.deliveries.list(w.id, until=dt.datetime(2000, 1, 1))) == []
    assert list(client.deliveries.list(w.id, since="2999-01-01T00:00:00Z")) == []
    page = client.deliveries.list_page(w.id, limit=2)
    assert len(page) == 2 and page.has_more

    one = client.deliveries.get(done[0].id)
    assert (one.id, one.status, one.attempts) == (done[0].id, "succeeded", 1)
    assert len(one.attempt_log) == 1
    first = one.attempt_log[0]
    assert isinstance(first, herald.Attempt)
    assert (first.attempt, first.response_status, first.trigger, first.error_kind) == (1, 200, "queue", None)
    assert first.request_header("webhook-id") == one.id
    assert first.delivery_id == one.id and first.url == w.url

    again = client.deliveries.resend(one.id)
    assert again.attempts == 2 and len(again.attempt_log) == 2
    assert again.attempt_log[0].trigger == "resend"
    arrived = [r for r in receiver.wait_for(path_of(w), 4) if r.header_dict["webhook-id"] == one.id]
    assert len(arrived) == 2


def test_retry_failed(client: Herald, receiver: Receiver, make_webhook, event_type: str) -> None:
    w = make_webhook([event_type], kind="bad", retry={"max_retries": 0})
    event = client.events.send(type=event_type, data={"will": "fail"})
    failed = _settled(client, w.id, 1, status="failed")
    assert failed[0].last_response_code == 400 and failed[0].event_ids == [event.id]

    assert client.deliveries.retry_failed(w.id, since="2999-01-01T00:00:00Z") == 0
    n = client.deliveries.retry_failed(w.id, since=_utcnow() - dt.timedelta(minutes=5), event_types=[event_type])
    assert n == 1
    receiver.wait_for(path_of(w), 2)
    wait_until(lambda: client.deliveries.get(failed[0].id).attempts == 2, 15, "the re-queued attempt to be recorded")
    log = client.deliveries.get(failed[0].id).attempt_log
    # the model's docs say "retry_failed"; this server records re-queued attempts as "queue"
    assert log[0].trigger in ("retry_failed", "queue") and log[0].response_status == 400
    assert log[0].attempt == 2


# --- event types and API keys ------------------------------------------------------------


def test_event_types(client: Herald) -> None:
    types = client.event_types.list()
    builtin = {t.name: t for t in types}
    assert builtin["evaluation.failed"].builtin and builtin["evaluation.failed"].object == "evaluation_result"
    name = f"pytest.created_{uuid.uuid4().hex[:8]}"
    made = client.event_types.create(
        name,
        description="a custom type",
        object="thing",
        example={"type": name, "data": {"x": 1}},
        schema={"type": "object"},
    )
    assert isinstance(made, herald.EventType)
    assert (made.name, made.description, made.object, made.builtin) == (name, "a custom type", "thing", False)
    assert made.schema == {"type": "object"}
    assert name in {t.name for t in client.event_types.list()}
    with pytest.raises(herald.Conflict) as e:
        client.event_types.create(name)
    assert e.value.status == 409
    with pytest.raises(herald.ValidationError) as v:
        client.event_types.create("Not A Name")
    assert "name" in v.value.errors


def test_api_keys(client: Herald, server: HeraldProcess) -> None:
    key = client.api_keys.create("pytest key")
    assert isinstance(key, herald.ApiKey) and key.secret and key.id.startswith("key_")
    assert key.id in {k.id for k in client.api_keys.list()}
    with Herald(server.url, key.secret) as other:
        assert other.event_types.list()
        client.api_keys.revoke(key.id)
        with pytest.raises(herald.AuthenticationError):
            other.event_types.list()
    assert key.id not in {k.id for k in client.api_keys.list()}


def test_api_key_scopes(client: Herald, server: HeraldProcess) -> None:
    ingest = client.api_keys.create("pytest ingest key", scope="ingest")
    assert ingest.scope == "ingest" and ingest.secret
    assert {k.id: k.scope for k in client.api_keys.list()}[ingest.id] == "ingest"
    assert client.api_keys.create("pytest default key").scope == "manage"
    with Herald(server.url, ingest.secret) as platform:
        with pytest.raises(herald.PermissionDenied) as denied:
            platform.event_types.list()
        assert denied.value.status == 403
        with pytest.raises(herald.PermissionDenied):
            platform.api_keys.create("minted by a leaked key", scope="admin")
    with pytest.raises(herald.ValidationError) as v:
        client.api_keys.create("bad scope", scope="root")
    assert "scope" in v.value.errors


# --- errors ----------------------------------------------------------------------------


def test_not_found_is_typed(client: Herald) -> None:
    with pytest.raises(herald.NotFound) as e:
        client.events.get("evt_doesnotexist")
    err = e.value
    assert isinstance(err, herald.APIError) and isinstance(err, herald.HeraldError)
    assert (err.status, err.title, err.type) == (404, "Not found", "about:blank")
    assert err.detail == "event not found" and err.errors == {}
    assert err.request_id and err.method == "GET" and "/events/evt_doesnotexist" in err.url
    for call in (
        lambda: client.webhooks.get("wh_nope"),
        lambda: client.deliveries.get("dlv_nope"),
        lambda: client.deliveries.resend("dlv_nope"),
        lambda: list(client.deliveries.list("wh_nope")),
        lambda: client.webhooks.test("wh_nope", "evaluation.failed"),
    ):
        with pytest.raises(herald.NotFound):
            call()


def test_validation_error_names_the_fields(client: Herald) -> None:
    with pytest.raises(herald.ValidationError) as e:
        client.webhooks.create("", "ftp://example.com", event_types=["no.such.type"])
    err = e.value
    assert isinstance(err, herald.BadRequest)  # one except clause catches 400 and 422
    assert (err.status, err.title) == (422, "Validation failed")
    assert {"name", "url", "event_types[0]"} <= set(err.errors)
    assert all(isinstance(m, list) and m for m in err.errors.values())

    with pytest.raises(herald.ValidationError) as e2:
        client.events.send(type="no.such.type", data={})
    assert "type" in e2.value.errors
    with pytest.raises(herald.ValidationError) as e3:
        list(client.deliveries.list("wh_any", status="bogus"))
    assert "status" in e3.value.errors


def test_wrong_api_key(server: HeraldProcess) -> None:
    with Herald(server.url, "not-a-valid-key-at-all") as bad:
        with pytest.raises(herald.AuthenticationError) as e:
            list(bad.webhooks.list())
    assert e.value.status == 401 and e.value.headers["www-authenticate"] == "Bearer"


def test_payload_too_large(client: Herald, receiver: Receiver, event_type: str) -> None:
    big = "x" * (1024 * 1024 + 10)
    with pytest.raises(herald.PayloadTooLarge) as e:
        client.events.send(type=event_type, data={"blob": big})
    assert e.value.status == 413
    with pytest.raises(herald.PayloadTooLarge) as e2:
        client.webhooks.create("big", receiver.url("/ok/big"), event_types=["*"], description=big)
    assert e2.value.title == "Request body too large"


def test_raw_request(client: Herald) -> None:
    doc = client.request("GET", "/openapi.json")
    assert doc["openapi"].startswith("3.1")
    assert "/events" in doc["paths"]
    assert client.request("GET", "/api/v1/event-types")["data"]
    with pytest.raises(herald.NotFound):
        client.request("GET", "/no-such-route")


def test_base_url_forms(server: HeraldProcess) -> None:
    for url in (server.url, server.url + "/", server.url + "/api/v1", server.url + "/api/v1/"):
        with Herald(url, server.api_key) as c:
            assert c.base_url == server.url + "/api/v1"
            assert c.event_types.list()
    with pytest.raises(ValueError):
        Herald("127.0.0.1:3000", "key")


def test_the_async_client_has_the_same_surface() -> None:
    import inspect

    sync, aio = Herald("http://127.0.0.1:1", "k"), herald.AsyncHerald("http://127.0.0.1:1", "k")
    for resource in ("events", "webhooks", "deliveries", "event_types", "api_keys"):
        s, a = getattr(sync, resource), getattr(aio, resource)
        names = {n for n in dir(s) if not n.startswith("_")}
        assert names == {n for n in dir(a) if not n.startswith("_")}, resource
        for n in names:
            assert (
                inspect.signature(getattr(s, n)).parameters.keys() == inspect.signature(getattr(a, n)).parameters.keys()
            )
    assert inspect.signature(sync.request).parameters.keys() == inspect.signature(aio.request).parameters.keys()
    sync.close()
