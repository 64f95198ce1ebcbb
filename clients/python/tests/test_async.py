"""AsyncHerald against the real Herald (anyio's pytest plugin, asyncio backend)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import anyio
import pytest
from _support import Fault, FaultProxy, HeraldProcess, Receiver, path_of

import herald
from herald import AsyncHerald, verify

pytestmark = pytest.mark.anyio


async def _received(receiver: Receiver, path: str, count: int = 1) -> list:
    return await anyio.to_thread.run_sync(lambda: receiver.wait_for(path, count))


async def test_async_send_then_verify(server: HeraldProcess, receiver: Receiver, make_webhook, event_type: str) -> None:
    w = make_webhook([event_type])
    async with AsyncHerald(server.url, server.api_key) as c:
        event = await c.events.send(type=event_type, object="evaluation_result", data={"score": 0.1}, severity="low")
        assert isinstance(event, herald.Event) and event.severity == "low"
        assert [d.webhook_id for d in event.deliveries] == [w.id]
        assert (await c.events.get(event.id)).id == event.id
        batch = await c.events.send_batch(
            [{"type": event_type, "data": {"i": 1}}, {"type": event_type, "data": {"i": 2}}]
        )
        assert [b.deliveries for b in batch] == [1, 1]
    got = await _received(receiver, path_of(w), 3)
    ids = {verify(r.body, dict(r.headers), w.secret)["events"][0]["id"] for r in got}
    assert ids == {event.id, batch[0].id, batch[1].id}


async def test_async_every_operation(server: HeraldProcess, receiver: Receiver, event_type: str) -> None:
    async with AsyncHerald(server.url + "/api/v1", server.api_key) as c:
        name = f"pytest.async_{uuid.uuid4().hex[:8]}"
        made = await c.event_types.create(name, description="async")
        assert made.name == name and name in {t.name for t in await c.event_types.list()}

        path = f"/ok/{uuid.uuid4().hex}"
        w = await c.webhooks.create("pytest async", receiver.url(path), event_types=[name], retry={"max_retries": 0})
        try:
            assert (await c.webhooks.get(w.id)).name == "pytest async"
            assert (await c.webhooks.update(w.id, description="changed")).description == "changed"
            assert await c.webhooks.secret(w.id) == w.secret
            assert (await c.webhooks.rotate_secret(w.id, grace_period_ms=0)) != w.secret
            assert (await c.webhooks.test(w.id, name)).success
            assert (await c.webhooks.validate(receiver.url("/ok/async-validate"))).success

            event = await c.events.send(type=name, data={"x": 1})
            dlv_id = event.deliveries[0].id
            await _received(receiver, path, 2)  # the test send and the event

            async def settled() -> herald.Delivery:
                with anyio.fail_after(15):
                    while True:
                        d = await c.deliveries.get(dlv_id)
                        if d.status == "succeeded":
                            return d
                        await anyio.sleep(0.05)

            d = await settled()
            assert d.attempts == 1 and d.attempt_log[0].response_status == 200
            listed = [x.id async for x in c.deliveries.list(w.id, event_type=name, since=dt.datetime(2020, 1, 1))]
            assert dlv_id in listed
            page = await c.deliveries.list_page(w.id, limit=1)
            assert len(page) == 1
            again = await c.deliveries.resend(dlv_id)
            assert again.attempts == 2 and again.attempt_log[0].trigger == "resend"
            assert await c.deliveries.retry_failed(w.id, since=0) == 0
            assert w.id in [x.id async for x in c.webhooks.list()]
        finally:
            await c.webhooks.delete(w.id)

        key = await c.api_keys.create("pytest async key")
        assert key.id in {k.id for k in await c.api_keys.list()}
        await c.api_keys.revoke(key.id)
        assert (await c.request("GET", "/openapi.json"))["openapi"].startswith("3.1")


async def test_async_pagination(server: HeraldProcess, make_webhook, event_type: str) -> None:
    mine = [make_webhook([event_type]).id for _ in range(3)]
    async with AsyncHerald(server.url, server.api_key) as c:
        first = await c.webhooks.list_page(limit=2)
        assert len(first) == 2 and first.next_cursor
        paged = [w.id async for w in c.webhooks.list(limit=2)]
    assert set(mine) <= set(paged) and len(paged) == len(set(paged))


async def test_async_errors(server: HeraldProcess) -> None:
    async with AsyncHerald(server.url, server.api_key) as c:
        with pytest.raises(herald.NotFound):
            await c.events.get("evt_nope")
        with pytest.raises(herald.ValidationError) as e:
            await c.webhooks.create("", "not a url", event_types=[])
        assert {"name", "url", "event_types"} <= set(e.value.errors)
    async with AsyncHerald(server.url, "wrong-key-entirely") as bad:
        with pytest.raises(herald.AuthenticationError):
            await bad.event_types.list()


async def test_async_retry_reuses_the_key(proxy: FaultProxy, server: HeraldProcess, event_type: str) -> None:
    proxy.add_fault(Fault("POST", "/api/v1/events", "after_503"))
    proxy.add_fault(Fault("GET", "/api/v1/events/", "before", status=429, retry_after="0"))
    async with AsyncHerald(proxy.url, server.api_key, retry_backoff=0.01) as c:
        event = await c.events.send(type=event_type, data={"async": True})
    posts = proxy.requests("POST", "/api/v1/events")
    assert len(posts) == 2 and posts[0].headers["idempotency-key"] == posts[1].headers["idempotency-key"]
    assert json.loads(posts[0].upstream_body)["data"][0]["id"] == event.id
    assert [s.answered for s in proxy.requests("GET", "/api/v1/events/")] == [429, 200]
