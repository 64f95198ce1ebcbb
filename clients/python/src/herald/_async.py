"""The asynchronous client, :class:`AsyncHerald`: the same surface as :class:`herald.Herald`,
with ``await`` (and ``async for`` over lists)."""

from __future__ import annotations

from typing import Any, AsyncIterator, Dict, Iterable, List, Mapping, Optional, Sequence

import httpx

from . import _core as core
from . import errors
from ._core import HeadersInput, JSONObject, TimeLike
from .models import ApiKey, Delivery, Event, EventType, Ingested, Page, PortalLink, Tenant, TestResult, Webhook

__all__ = ["AsyncHerald"]


class AsyncHerald:
    """The async twin of :class:`herald.Herald`: same arguments, same methods, awaited.

    ``base_url`` is where Herald listens (``http://127.0.0.1:3000``; a trailing
    ``/api/v1`` is fine too). ``timeout`` (seconds) applies to connecting, sending and
    reading each request; ``None`` disables it (not recommended). ``max_retries`` is how
    many times a request that is safe to repeat is sent again after a connection error,
    a timeout, a 429 or a 5xx; ``retry_backoff``/``retry_backoff_max`` shape the
    exponential wait between tries and ``max_retry_after`` caps how long a
    ``Retry-After`` may make the client wait (beyond it the error is raised at once).

    ``http_client`` lets you bring your own ``httpx.AsyncClient`` (proxies, TLS settings,
    transports); it is then yours to close. Use the client as a context manager, or
    await :meth:`aclose`.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: Optional[float] = 10.0,
        max_retries: int = 3,
        retry_backoff: float = 0.5,
        retry_backoff_max: float = 8.0,
        max_retry_after: float = 60.0,
        headers: Optional[Mapping[str, str]] = None,
        http_client: Optional[httpx.AsyncClient] = None,
    ) -> None:
        if not api_key:
            raise ValueError("api_key is required")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.base_url = core.normalize_base_url(base_url)
        self.timeout = timeout
        self.retry = core.RetryConfig(max_retries, retry_backoff, retry_backoff_max, max_retry_after)
        self._headers: Dict[str, str] = {
            "Authorization": f"Bearer {api_key}",
            "Accept": "application/json",
            "User-Agent": f"herald-python/{core.__version__} httpx/{httpx.__version__}",
            **dict(headers or {}),
        }
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.AsyncClient()
        self.events = Events(self)
        self.webhooks = Webhooks(self)
        self.deliveries = Deliveries(self)
        self.event_types = EventTypes(self)
        self.api_keys = ApiKeys(self)
        self.tenants = Tenants(self)

    # --- lifecycle ---------------------------------------------------------------------

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> "AsyncHerald":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"AsyncHerald({self.base_url!r})"

    # --- requests ----------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        json: Any = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> Any:
        """Any API call, for what this client does not wrap yet: ``path`` is relative to
        ``/api/v1``. Returns the parsed JSON (``None`` for 204) and raises the same typed
        errors; retried like the other calls (GET/DELETE, or when ``headers`` carries an
        ``Idempotency-Key``)."""
        return await self._run(core.raw_call(method, path, params, json, json is not None, headers))

    async def _run(self, call: core.Call) -> Any:
        resp = await self._send(call)
        return call.parse(core.decode(resp), resp)

    async def _send(self, call: core.Call) -> httpx.Response:
        url = self.base_url + call.path
        content = call.content()
        headers = {**self._headers, **call.request_headers()}
        attempt = 0
        while True:
            attempt += 1
            try:
                resp = await self._http.request(
                    call.method, url, params=call.params, content=content, headers=headers, timeout=self.timeout
                )
            except httpx.TransportError as e:
                delay = self.retry.after_exception(call, attempt, e)
                if delay is None:
                    raise core.transport_error(e, call, attempt) from e
                core.log.info(
                    "herald: %s %s failed (%r); retry %d in %.2f s", call.method, call.path, e, attempt, delay
                )
                await _sleep(delay)
                continue
            if resp.is_success:
                return resp
            delay = self.retry.after_response(call, attempt, resp)
            if delay is None:
                raise core.api_error(resp)
            core.log.info(
                "herald: %s %s answered %d; retry %d in %.2f s",
                call.method,
                call.path,
                resp.status_code,
                attempt,
                delay,
            )
            await resp.aclose()
            await _sleep(delay)


async def _sleep(seconds: float) -> None:
    """anyio's sleep (httpx depends on anyio) so the client also runs under trio."""
    try:
        import anyio
    except ImportError:  # pragma: no cover
        import asyncio

        await asyncio.sleep(seconds)
    else:
        await anyio.sleep(seconds)


class _Resource:
    def __init__(self, client: AsyncHerald) -> None:
        self._client = client


class Events(_Resource):
    """``POST /events`` and ``GET /events/{id}``."""

    async def send(
        self,
        type: str,
        data: JSONObject,
        *,
        object: Optional[str] = None,
        metadata: Optional[JSONObject] = None,
        source: Optional[str] = None,
        project: Optional[str] = None,
        severity: Optional[str] = None,
        subject: Optional[JSONObject] = None,
        created: Optional[TimeLike] = None,
        tenant: Optional[str] = None,
        idempotency_key: Optional[str] = None,
    ) -> Event:
        """Send one event and return it as stored (with the deliveries it fanned out to).

        Two requests: ``POST /events`` (with an ``Idempotency-Key``, generated unless
        given, and the same on every retry, so a retried send is stored once), then
        ``GET /events/{id}``. If only the read-back fails, the raised error has an
        ``event_id`` attribute: the event *was* stored. Use :meth:`send_batch` for the
        202 answer alone (one request). ``tenant`` picks the tenant whose webhooks get it
        (default: the key's own tenant for a bound key, else ``default``).
        """
        ingested = (
            await self._ingest(
                [
                    core.event_input(
                        type,
                        data,
                        object=object,
                        metadata=metadata,
                        source=source,
                        project=project,
                        severity=severity,
                        subject=subject,
                        created=created,
                        tenant=tenant,
                    )
                ],
                idempotency_key,
                batch=False,
            )
        )[0]
        try:
            return await self.get(ingested.id)
        except errors.HeraldError as e:
            e.event_id = ingested.id  # type: ignore[attr-defined]
            raise

    async def send_batch(
        self,
        events: Iterable[Mapping[str, Any]],
        *,
        idempotency_key: Optional[str] = None,
    ) -> List[Ingested]:
        """Send events in one request (at most 1000), each a dict shaped like the API's
        event (``{"type", "data", "tenant"?, "object"?, "project"?, ...}``; ``created``
        may be a datetime). Returns one :class:`Ingested` per event, in order: its id and
        how many deliveries it fanned out to. Retried with one Idempotency-Key."""
        items: Sequence[Mapping[str, Any]] = list(events)
        if not items:
            raise ValueError("send at least one event")
        return await self._ingest(items, idempotency_key, batch=True)

    async def _ingest(self, items: Sequence[Mapping[str, Any]], key: Optional[str], batch: bool) -> List[Ingested]:
        return await self._client._run(core.ingest(items, key, batch))  # type: ignore[no-any-return]

    async def get(self, event_id: str) -> Event:
        """The stored event and its deliveries."""
        return await self._client._run(core.get_event(event_id))  # type: ignore[no-any-return]


class Webhooks(_Resource):
    """Webhooks: CRUD, test and validate sends, the signing secret."""

    async def create(
        self,
        name: str,
        url: str,
        *,
        event_types: Iterable[str],
        description: Optional[str] = None,
        active: Optional[bool] = None,
        filters: Any = None,
        headers: Optional[HeadersInput] = None,
        format: Optional[str] = None,
        templates: Optional[Mapping[str, str]] = None,
        settings: Optional[JSONObject] = None,
        include_result: Optional[bool] = None,
        batch: Any = None,
        retry: Any = None,
        timeout_ms: Optional[int] = None,
        condition: Optional[str] = None,
        redact: Optional[Iterable[Any]] = None,
        secret: Optional[str] = None,
        tenant: Optional[str] = None,
    ) -> Webhook:
        """Create a webhook. ``event_types`` takes exact names, ``prefix.*`` and ``*``.
        ``headers`` is ``{"X-Team": "ml"}`` or a list of ``{"key", "value",
        "protected"}``/:class:`Header`. ``filters``, ``batch`` and ``retry`` take dicts or
        the dataclasses. ``tenant`` is the tenant it belongs to, fixed afterwards (default
        ``default``, or the key's own for a bound key). The answer's ``secret`` is shown
        this once (``whsec_...``)."""
        body = core.webhook_body(
            name=name,
            url=url,
            event_types=event_types,
            description=description,
            active=active,
            filters=filters,
            headers=headers,
            format=format,
            templates=templates,
            settings=settings,
            include_result=include_result,
            batch=batch,
            retry=retry,
            timeout_ms=timeout_ms,
            condition=condition,
            redact=redact,
            secret=secret,
            tenant=tenant,
        )
        return await self._client._run(core.create_webhook(body))  # type: ignore[no-any-return]

    async def list(self, *, tenant: Optional[str] = None, limit: Optional[int] = None) -> AsyncIterator[Webhook]:
        """Every webhook (of ``tenant`` when given), newest first, fetching pages of
        ``limit`` (server default 50, at most 200) as the iteration goes."""
        cursor: Optional[str] = None
        while True:
            page = await self.list_page(tenant=tenant, limit=limit, cursor=cursor)
            for item in page.data:
                yield item
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    async def list_page(
        self, *, tenant: Optional[str] = None, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> Page[Webhook]:
        """One page of webhooks (of ``tenant`` when given)."""
        return await self._client._run(core.list_webhooks(limit, cursor, tenant))  # type: ignore[no-any-return]

    async def get(self, webhook_id: str) -> Webhook:
        """One webhook (protected header values are ``None``)."""
        return await self._client._run(core.get_webhook(webhook_id))  # type: ignore[no-any-return]

    async def update(
        self,
        webhook_id: str,
        *,
        name: Optional[str] = None,
        url: Optional[str] = None,
        event_types: Optional[Iterable[str]] = None,
        description: Optional[str] = None,
        active: Optional[bool] = None,
        filters: Any = None,
        headers: Optional[HeadersInput] = None,
        format: Optional[str] = None,
        templates: Optional[Mapping[str, str]] = None,
        settings: Optional[JSONObject] = None,
        include_result: Optional[bool] = None,
        batch: Any = None,
        retry: Any = None,
        timeout_ms: Optional[int] = None,
        condition: Optional[str] = None,
        redact: Optional[Iterable[Any]] = None,
    ) -> Webhook:
        """Partial update (PATCH): only the arguments given (not ``None``) change.
        ``condition=""`` removes the condition, ``redact=[]`` the redactions."""
        body = core.webhook_body(
            name=name,
            url=url,
            event_types=event_types,
            description=description,
            active=active,
            filters=filters,
            headers=headers,
            format=format,
            templates=templates,
            settings=settings,
            include_result=include_result,
            batch=batch,
            retry=retry,
            timeout_ms=timeout_ms,
            condition=condition,
            redact=redact,
        )
        return await self._client._run(core.update_webhook(webhook_id, body))  # type: ignore[no-any-return]

    async def delete(self, webhook_id: str) -> None:
        """Delete a webhook and its deliveries."""
        await self._client._run(core.delete_webhook(webhook_id))

    async def test(self, webhook_id: str, event_type: str, payload: Optional[JSONObject] = None) -> TestResult:
        """Send a test event now, bypassing the queue and filters (the event type's
        example unless ``payload`` is given). Rate limited (429 -> :class:`RateLimited`)."""
        return await self._client._run(core.test_webhook(webhook_id, event_type, payload))  # type: ignore[no-any-return]

    async def validate(self, url: str, headers: Optional[HeadersInput] = None) -> TestResult:
        """Send a ``webhook.test`` event to ``url`` before saving a webhook."""
        return await self._client._run(core.validate_url(url, headers))  # type: ignore[no-any-return]

    async def secret(self, webhook_id: str) -> str:
        """The current signing secret."""
        return await self._client._run(core.webhook_secret(webhook_id))  # type: ignore[no-any-return]

    async def rotate_secret(self, webhook_id: str, *, grace_period_ms: Optional[int] = None) -> str:
        """A new signing secret; the previous one keeps signing alongside for
        ``grace_period_ms`` (server default 24 h, at most 7 days, 0 to stop at once)."""
        return await self._client._run(core.rotate_secret(webhook_id, grace_period_ms))  # type: ignore[no-any-return]


class Deliveries(_Resource):
    """The delivery log: list, read with attempts, resend, retry failed."""

    async def list(
        self,
        webhook_id: str,
        *,
        status: Optional[str] = None,
        event_type: Optional[str] = None,
        since: Optional[TimeLike] = None,
        until: Optional[TimeLike] = None,
        limit: Optional[int] = None,
    ) -> AsyncIterator[Delivery]:
        """Every delivery of a webhook matching the filters, newest first, across pages.
        ``status``: pending, delivering, retrying, succeeded or failed. ``since``
        (inclusive) and ``until`` (exclusive): datetime, unix seconds or RFC 3339."""
        cursor: Optional[str] = None
        while True:
            page = await self.list_page(
                webhook_id, status=status, event_type=event_type, since=since, until=until, limit=limit, cursor=cursor
            )
            for item in page.data:
                yield item
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    async def list_page(
        self,
        webhook_id: str,
        *,
        status: Optional[str] = None,
        event_type: Optional[str] = None,
        since: Optional[TimeLike] = None,
        until: Optional[TimeLike] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Page[Delivery]:
        """One page of a webhook's deliveries."""
        call = core.list_deliveries(
            webhook_id, status=status, event_type=event_type, since=since, until=until, limit=limit, cursor=cursor
        )
        return await self._client._run(call)  # type: ignore[no-any-return]

    async def get(self, delivery_id: str) -> Delivery:
        """One delivery with its attempts (``attempt_log``, newest first)."""
        return await self._client._run(core.get_delivery(delivery_id))  # type: ignore[no-any-return]

    async def resend(self, delivery_id: str) -> Delivery:
        """A new attempt now, with the same ``webhook-id``; returns the delivery after it."""
        return await self._client._run(core.resend_delivery(delivery_id))  # type: ignore[no-any-return]

    async def retry_failed(
        self,
        webhook_id: str,
        *,
        since: TimeLike,
        until: Optional[TimeLike] = None,
        event_types: Optional[Iterable[str]] = None,
    ) -> int:
        """Re-queue every failed delivery of the webhook created in [since, until)
        (at most 10 000); returns how many."""
        return await self._client._run(core.retry_failed(webhook_id, since, until, event_types))  # type: ignore[no-any-return]


class EventTypes(_Resource):
    """The event-type catalog."""

    async def list(self, *, limit: Optional[int] = None) -> List[EventType]:
        """The whole catalog by name, following ``next_cursor`` through every page of
        ``limit`` (server default 50, at most 200)."""
        out: List[EventType] = []
        cursor: Optional[str] = None
        while True:
            page = await self.list_page(limit=limit, cursor=cursor)
            out.extend(page.data)
            if not page.next_cursor:
                return out
            cursor = page.next_cursor

    async def list_page(self, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> Page[EventType]:
        """One page of the catalog, by name."""
        return await self._client._run(core.list_event_types(limit, cursor))  # type: ignore[no-any-return]

    async def create(
        self,
        name: str,
        *,
        description: Optional[str] = None,
        object: Optional[str] = None,
        example: Optional[Any] = None,
        schema: Optional[JSONObject] = None,
    ) -> EventType:
        """Add an event type (409 :class:`Conflict` when it exists)."""
        return await self._client._run(core.create_event_type(name, description, object, example, schema))  # type: ignore[no-any-return]


class ApiKeys(_Resource):
    """API keys: list, create (the value is in the answer only), revoke."""

    async def list(self) -> List[ApiKey]:
        return await self._client._run(core.list_api_keys())  # type: ignore[no-any-return]

    async def create(self, name: str, scope: Optional[str] = None, *, tenant: Optional[str] = None) -> ApiKey:
        """Create a key. ``scope`` is ``"ingest"`` (post events only), ``"manage"`` (the
        server's default: all but API keys) or ``"admin"``; creating keys needs an admin key.
        ``tenant`` binds the key to one tenant: it reaches only that tenant's data (404
        :class:`NotFound` for the rest) and cannot have scope ``admin``."""
        return await self._client._run(core.create_api_key(name, scope, tenant))  # type: ignore[no-any-return]

    async def revoke(self, key_id: str) -> None:
        await self._client._run(core.revoke_api_key(key_id))


class Tenants(_Resource):
    """Tenants (a platform's customers) and links into their portal (docs: tenants.md,
    portal.md). Creating and deleting tenants needs a key not bound to a tenant."""

    async def create(self, id: str, name: str) -> Tenant:
        """Create a tenant: ``id`` is your own id for your customer (1-64 of ``A-Z a-z 0-9
        _ -``, fixed once created; 409 :class:`Conflict` when taken), ``name`` 1-128
        characters."""
        return await self._client._run(core.create_tenant(id, name))  # type: ignore[no-any-return]

    async def list(self, *, limit: Optional[int] = None) -> AsyncIterator[Tenant]:
        """Every tenant, by id, fetching pages of ``limit`` (server default 50, at most
        200) as the iteration goes. A bound key sees its own tenant only."""
        cursor: Optional[str] = None
        while True:
            page = await self.list_page(limit=limit, cursor=cursor)
            for item in page.data:
                yield item
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    async def list_page(self, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> Page[Tenant]:
        """One page of tenants, by id."""
        return await self._client._run(core.list_tenants(limit, cursor))  # type: ignore[no-any-return]

    async def get(self, tenant_id: str) -> Tenant:
        """One tenant, with how many webhooks it has."""
        return await self._client._run(core.get_tenant(tenant_id))  # type: ignore[no-any-return]

    async def update(self, tenant_id: str, *, name: str) -> Tenant:
        """Rename a tenant (its id cannot change)."""
        return await self._client._run(core.update_tenant(tenant_id, name))  # type: ignore[no-any-return]

    async def delete(self, tenant_id: str, *, cascade: bool = False) -> None:
        """Delete a tenant. While it has webhooks this is a 409 :class:`Conflict` unless
        ``cascade=True``, which also deletes its webhooks with their deliveries, its
        events and portal links, and revokes its keys. ``default`` cannot be deleted."""
        await self._client._run(core.delete_tenant(tenant_id, cascade))

    async def portal_link(
        self,
        tenant_id: str,
        *,
        expires_in: Optional[int] = None,
        title: Optional[str] = None,
        accent: Optional[str] = None,
    ) -> PortalLink:
        """A single-use link into the tenant's portal. ``expires_in``: seconds, 60 to
        86400 (server default 3600); ``title`` replaces "Herald" in the portal's header;
        ``accent``: ``#rrggbb``. Not retried: each call makes a new link."""
        return await self._client._run(core.create_portal_link(tenant_id, expires_in, title, accent))  # type: ignore[no-any-return]
