"""Tenants through the clients against a real Herald (docs/tenants.md, docs/portal.md):
the lifecycle, events that reach only their tenant's webhooks, a key bound to one tenant
that finds nothing of another, and portal links that open once."""

from __future__ import annotations

import uuid
from typing import Callable, Iterator

import httpx
import pytest
from _support import HeraldProcess, Receiver, path_of

import herald
from herald import AsyncHerald, Herald


@pytest.fixture
def make_tenant(client: Herald) -> Iterator[Callable[[], herald.Tenant]]:
    """Creates tenants with fresh ids; deletes them (with their webhooks) afterwards."""
    made = []

    def make() -> herald.Tenant:
        tid = f"py-{uuid.uuid4().hex[:10]}"
        t = client.tenants.create(tid, f"{tid} Corp")
        made.append(t.id)
        return t

    yield make
    for tid in made:
        try:
            client.tenants.delete(tid, cascade=True)
        except herald.NotFound:
            pass


def test_tenant_lifecycle(client: Herald, receiver: Receiver, event_type: str, make_tenant) -> None:
    acme = make_tenant()
    assert isinstance(acme, herald.Tenant)
    assert acme.id.startswith("py-") and acme.name == f"{acme.id} Corp" and acme.webhooks == 0
    assert acme.created_at.endswith("Z") and acme.raw["id"] == acme.id

    with pytest.raises(herald.Conflict):
        client.tenants.create(acme.id, "again")
    with pytest.raises(herald.ValidationError) as bad:
        client.tenants.create("no spaces!", " ")
    assert set(bad.value.errors) >= {"id", "name"}

    other = make_tenant()
    # list() follows every page: one tenant a page still finds them all, by id.
    ids = [t.id for t in client.tenants.list(limit=1)]
    assert ids == sorted(ids)
    assert {"default", acme.id, other.id} <= set(ids)
    first = client.tenants.list_page(limit=1)
    assert len(first) == 1 and first.has_more

    renamed = client.tenants.update(acme.id, name="Acme Corporation")
    assert (renamed.id, renamed.name) == (acme.id, "Acme Corporation")
    assert client.tenants.get(acme.id).name == "Acme Corporation"

    w = client.webhooks.create("pytest tenant", receiver.url(f"/ok/{uuid.uuid4().hex}"), event_types=[event_type],
                               tenant=acme.id)
    assert w.tenant == acme.id and client.webhooks.get(w.id).tenant == acme.id
    assert client.tenants.get(acme.id).webhooks == 1
    with pytest.raises(herald.Conflict):
        client.tenants.delete(acme.id)
    with pytest.raises(herald.Conflict):
        client.tenants.delete("default")

    client.tenants.delete(acme.id, cascade=True)
    with pytest.raises(herald.NotFound):
        client.tenants.get(acme.id)
    with pytest.raises(herald.NotFound):
        client.webhooks.get(w.id)
    with pytest.raises(herald.NotFound):
        client.tenants.update(acme.id, name="gone")
    client.tenants.delete(other.id)  # no webhooks: no cascade needed
    assert other.id not in {t.id for t in client.tenants.list()}


def test_an_event_reaches_only_its_tenants_webhooks(
    client: Herald, receiver: Receiver, make_webhook, event_type: str, make_tenant
) -> None:
    acme, initech = make_tenant(), make_tenant()
    wa = make_webhook([event_type], tenant=acme.id)
    wb = make_webhook([event_type], tenant=initech.id)
    wd = make_webhook([event_type])
    assert (wa.tenant, wb.tenant, wd.tenant) == (acme.id, initech.id, "default")
    assert [w.id for w in client.webhooks.list(tenant=acme.id)] == [wa.id]
    assert [w.id for w in client.webhooks.list_page(tenant=initech.id)] == [wb.id]

    event = client.events.send(type=event_type, data={"score": 0.1}, tenant=acme.id)
    assert event.tenant == acme.id and client.events.get(event.id).tenant == acme.id
    assert [d.webhook_id for d in event.deliveries] == [wa.id]
    body = receiver.wait_for(path_of(wa))[0].json()
    assert body["events"][0]["id"] == event.id  # type: ignore[index]
    # Deliveries are made when the event is stored: the other tenants' webhooks got none.
    assert list(client.deliveries.list(wb.id)) == [] and list(client.deliveries.list(wd.id)) == []

    answer = client.events.send_batch(
        [
            {"type": event_type, "data": {"i": 0}, "tenant": initech.id},
            {"type": event_type, "data": {"i": 1}},
        ]
    )
    assert [a.deliveries for a in answer] == [1, 1]
    assert [d.webhook_id for d in client.events.get(answer[0].id).deliveries] == [wb.id]
    assert [d.webhook_id for d in client.events.get(answer[1].id).deliveries] == [wd.id]

    with pytest.raises(herald.ValidationError) as bad:
        client.events.send(type=event_type, data={}, tenant="no-such-tenant")
    assert "tenant" in bad.value.errors
    with pytest.raises(herald.ValidationError) as bad_batch:
        client.events.send_batch([{"type": event_type, "data": {}}, {"type": event_type, "data": {}, "tenant": "nope"}])
    assert "events[1].tenant" in bad_batch.value.errors


def test_a_key_bound_to_a_tenant_finds_nothing_of_another(
    server: HeraldProcess, client: Herald, make_webhook, event_type: str, make_tenant
) -> None:
    acme, initech = make_tenant(), make_tenant()
    mine = make_webhook([event_type], tenant=acme.id)
    theirs = make_webhook([event_type], tenant=initech.id)
    key = client.api_keys.create("pytest bound", "manage", tenant=acme.id)
    try:
        assert key.tenant == acme.id and key.scope == "manage" and key.secret
        assert {k.id: k.tenant for k in client.api_keys.list()}[key.id] == acme.id
        with pytest.raises(herald.ValidationError) as admin:
            client.api_keys.create("pytest bound admin", "admin", tenant=acme.id)
        assert "tenant" in admin.value.errors

        with Herald(server.url, key.secret or "", max_retries=0) as bound:
            assert bound.webhooks.get(mine.id).id == mine.id
            with pytest.raises(herald.NotFound):
                bound.webhooks.get(theirs.id)
            with pytest.raises(herald.NotFound):
                bound.webhooks.secret(theirs.id)
            with pytest.raises(herald.NotFound):
                bound.tenants.get(initech.id)
            with pytest.raises(herald.NotFound):
                bound.webhooks.list_page(tenant=initech.id)
            assert [w.id for w in bound.webhooks.list()] == [mine.id]
            assert [t.id for t in bound.tenants.list()] == [acme.id]
            with pytest.raises(herald.PermissionDenied):
                bound.tenants.create(f"py-{uuid.uuid4().hex[:10]}", "not allowed")
            with pytest.raises(herald.PermissionDenied):
                bound.tenants.delete(acme.id, cascade=True)
            # Its events go to its own tenant without naming it.
            event = bound.events.send(type=event_type, data={})
            assert event.tenant == acme.id and [d.webhook_id for d in event.deliveries] == [mine.id]
            with pytest.raises(herald.NotFound):
                bound.events.send(type=event_type, data={}, tenant=initech.id)
            assert bound.tenants.portal_link(acme.id).url
            with pytest.raises(herald.NotFound):
                bound.tenants.portal_link(initech.id)
    finally:
        client.api_keys.revoke(key.id)


def test_a_portal_link_opens_once(server: HeraldProcess, client: Herald, make_tenant) -> None:
    acme = make_tenant()
    link = client.tenants.portal_link(acme.id, expires_in=300, title="Acme Evals", accent="#1f6feb")
    assert isinstance(link, herald.PortalLink)
    assert link.url.startswith(f"{server.url}/portal/") and link.expires_at.endswith("Z")
    assert link.url not in repr(link), "the link is a credential"

    opened = httpx.get(link.url, follow_redirects=False)
    assert (opened.status_code, opened.headers["location"]) == (303, "/")
    assert httpx.get(link.url, follow_redirects=False).status_code == 404, "a link opens once"

    with pytest.raises(herald.ValidationError) as bad:
        client.tenants.portal_link(acme.id, expires_in=5, accent="blue")
    assert set(bad.value.errors) >= {"expires_in", "accent"}
    with pytest.raises(herald.NotFound):
        client.tenants.portal_link("no-such-tenant")


@pytest.mark.anyio
async def test_async_tenants(server: HeraldProcess, receiver: Receiver, event_type: str) -> None:
    async with AsyncHerald(server.url, server.api_key) as c:
        tid = f"py-{uuid.uuid4().hex[:10]}"
        t = await c.tenants.create(tid, "Async Corp")
        assert (t.id, t.webhooks) == (tid, 0)
        assert tid in [x.id async for x in c.tenants.list(limit=1)]
        assert len(await c.tenants.list_page(limit=1)) == 1
        assert (await c.tenants.update(tid, name="Renamed")).name == "Renamed"

        w = await c.webhooks.create("pytest async tenant", receiver.url(f"/ok/{uuid.uuid4().hex}"),
                                    event_types=[event_type], tenant=tid)
        assert w.tenant == tid
        assert [x.id async for x in c.webhooks.list(tenant=tid)] == [w.id]
        assert [x.id for x in await c.webhooks.list_page(tenant=tid)] == [w.id]
        event = await c.events.send(type=event_type, data={}, tenant=tid)
        assert event.tenant == tid and [d.webhook_id for d in event.deliveries] == [w.id]
        key = await c.api_keys.create("pytest async bound", tenant=tid)
        assert key.tenant == tid
        await c.api_keys.revoke(key.id)

        link = await c.tenants.portal_link(tid, title="Async")
        assert link.url.startswith(f"{server.url}/portal/")
        with pytest.raises(herald.Conflict):
            await c.tenants.delete(tid)
        await c.tenants.delete(tid, cascade=True)
        with pytest.raises(herald.NotFound):
            await c.tenants.get(tid)
        with pytest.raises(herald.NotFound):
            await c.webhooks.get(w.id)
