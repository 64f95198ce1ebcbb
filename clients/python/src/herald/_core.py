"""What the sync and async clients share: request descriptions (one per REST
operation), the retry policy, JSON handling and the mapping of answers to errors."""

from __future__ import annotations

import datetime as _dt
import email.utils
import json
import logging
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Union
from urllib.parse import quote

import httpx

from . import errors
from .models import (
    ApiKey,
    Delivery,
    Event,
    EventType,
    Ingested,
    Model,
    Page,
    PortalLink,
    Tenant,
    TestResult,
    Webhook,
)

log = logging.getLogger("herald")

__version__ = "0.1.0"

API_PREFIX = "/api/v1"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "PUT"})

#: A time for query and body fields: a datetime (naive means UTC), unix seconds, or a
#: string Herald understands (RFC 3339 or unix seconds).
TimeLike = Union[_dt.datetime, int, float, str]
JSONObject = Mapping[str, Any]
HeadersInput = Union[Mapping[str, str], Sequence[Union[Mapping[str, Any], Model]]]


# --- requests ------------------------------------------------------------------------


@dataclass
class Call:
    """One HTTP request to the API, with what to do with the answer."""

    method: str
    path: str
    params: Optional[Dict[str, Any]] = None
    body: Any = None
    has_body: bool = False
    headers: Dict[str, str] = field(default_factory=dict)
    #: Decodes the answer: (parsed JSON or None, the response) -> result.
    parse: Callable[[Any, httpx.Response], Any] = lambda data, resp: data
    #: Safe to send again after a failure (idempotent method or Idempotency-Key).
    retryable: bool = False

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        if self.method in IDEMPOTENT_METHODS or any(k.lower() == "idempotency-key" for k in self.headers):
            self.retryable = True

    def content(self) -> Optional[bytes]:
        if not self.has_body:
            return None
        try:
            return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
        except ValueError as e:
            raise ValueError(
                f"the request body is not valid JSON ({e}); replace NaN/Infinity with null or a string"
            ) from None

    def request_headers(self) -> Dict[str, str]:
        h = dict(self.headers)
        if self.has_body:
            h["Content-Type"] = "application/json"
        return h


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


def normalize_base_url(base_url: str) -> str:
    """``http://host:3000`` and ``http://host:3000/api/v1`` both mean the API root."""
    url = str(base_url).strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"base_url must start with http:// or https://, got {base_url!r}")
    if not url.endswith(API_PREFIX):
        url += API_PREFIX
    return url


# --- retries ---------------------------------------------------------------------------


@dataclass
class RetryConfig:
    """When and how long to wait before sending a request again.

    Retried, for requests that are safe to repeat (GET/DELETE, and ``POST /events``
    which always carries an Idempotency-Key): connection errors and timeouts, 429 and
    5xx answers. A connection that could not even be opened is retried for every
    request, since nothing was sent. Waits grow exponentially from ``backoff`` seconds
    (x2 each time, at most ``backoff_max``) with jitter; a ``Retry-After`` header on
    429/503 is used instead, unless it asks for more than ``max_retry_after`` seconds,
    in which case the error is raised at once.
    """

    max_retries: int = 3
    backoff: float = 0.5
    backoff_max: float = 8.0
    max_retry_after: float = 60.0

    def backoff_delay(self, retry_number: int) -> float:
        """Equal jitter: half the exponential delay, plus up to as much again at random."""
        base = min(self.backoff_max, self.backoff * 2.0 ** (retry_number - 1))
        return base / 2 + random.uniform(0, base / 2)

    def after_exception(self, call: Call, attempt: int, exc: Exception) -> Optional[float]:
        if attempt > self.max_retries:
            return None
        not_sent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
        transient = isinstance(exc, (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError))
        if not_sent or (transient and call.retryable):
            return self.backoff_delay(attempt)
        return None

    def after_response(self, call: Call, attempt: int, resp: httpx.Response) -> Optional[float]:
        status = resp.status_code
        if attempt > self.max_retries or not call.retryable:
            return None
        if status != 429 and status < 500:
            return None
        if status in (429, 503):
            ra = parse_retry_after(resp.headers.get("retry-after"))
            if ra is not None:
                if ra > self.max_retry_after:
                    return None
                return ra
        return self.backoff_delay(attempt)


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return max(0.0, when.timestamp() - time.time())


# --- answers ---------------------------------------------------------------------------


def _pairs_hook(pairs: List[Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for k, v in pairs:
        if k == "attempts" and k in out:
            # GET /deliveries/{id} sends "attempts" twice: the count, then the list.
            a, b = out[k], v
            if isinstance(a, list) and not isinstance(b, list):
                a, b = b, a
            if isinstance(b, list) and not isinstance(a, list):
                out["attempts"], out["attempt_log"] = a, b
                continue
        out[k] = v
    return out


def decode(resp: httpx.Response) -> Any:
    if resp.status_code == 204 or not resp.content:
        return None
    try:
        return json.loads(resp.text, object_pairs_hook=_pairs_hook)
    except ValueError as e:
        raise errors.HeraldError(
            f"{resp.request.method} {resp.request.url} answered {resp.status_code} with a body that is not JSON: {e}"
        ) from None


def api_error(resp: httpx.Response) -> errors.APIError:
    try:
        body: Any = json.loads(resp.text) if resp.content else None
    except ValueError:
        body = resp.text
    problem = body if isinstance(body, dict) else {}
    detail = problem.get("detail")
    if detail is None:
        detail = (body if isinstance(body, str) else "").strip()[:1000]
    raw_errors = problem.get("errors")
    cls = errors.error_class_for(resp.status_code)
    kwargs: Dict[str, Any] = dict(
        errors=raw_errors if isinstance(raw_errors, dict) else None,
        type=str(problem.get("type", "about:blank")),
        headers=dict(resp.headers),
        body=body,
        method=resp.request.method,
        url=str(resp.request.url),
    )
    if cls is errors.RateLimited:
        kwargs["retry_after"] = parse_retry_after(resp.headers.get("retry-after"))
    return cls(
        resp.status_code,
        str(problem.get("title") or resp.reason_phrase or ""),
        str(detail),
        **kwargs,
    )


def transport_error(exc: Exception, call: Call, attempts: int) -> errors.TransportError:
    where = f"{call.method} {call.path}"
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    if isinstance(exc, httpx.TimeoutException):
        return errors.TimeoutError(f"{where} timed out{tries}: {type(exc).__name__}: {exc}")
    return errors.ConnectionError(f"{where} failed{tries}: {type(exc).__name__}: {exc}")


# --- input conversion ------------------------------------------------------------------


def time_value(value: TimeLike) -> Union[int, float, str]:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        value = value.astimezone(_dt.timezone.utc)
        return value.strftime("%Y-%m-%dT%H:%M:%S") + f".{value.microsecond // 1000:03d}Z"
    if isinstance(value, _dt.date):
        raise TypeError("pass a datetime, not a date")
    if isinstance(value, bool):
        raise TypeError("a time must be a datetime, unix seconds or a string")
    return value


def _time_str(value: TimeLike) -> str:
    v = time_value(value)
    if isinstance(v, float):
        v = int(v)
    return str(v)


def _json_value(value: Any) -> Any:
    if isinstance(value, Model):
        return value.to_dict()
    return value


def headers_input(headers: HeadersInput) -> List[Dict[str, Any]]:
    """``{"X-Team": "ml"}`` or ``[{"key", "value", "protected"}, Header(...)]``."""
    if isinstance(headers, Mapping):
        return [{"key": str(k), "value": v} for k, v in headers.items()]
    out = []
    for h in headers:
        out.append(h.to_dict() if isinstance(h, Model) else dict(h))
    return out


def _drop_none(d: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _page(cls: Any) -> Callable[[Any, httpx.Response], Page[Any]]:
    def parse(data: Any, resp: httpx.Response) -> Page[Any]:
        return Page(
            data=[cls.from_dict(x) for x in data.get("data", [])],
            next_cursor=data.get("next_cursor"),
            raw=data,
        )

    return parse


def _one(cls: Any) -> Callable[[Any, httpx.Response], Any]:
    return lambda data, resp: cls.from_dict(data)


def _many(cls: Any) -> Callable[[Any, httpx.Response], List[Any]]:
    return lambda data, resp: [cls.from_dict(x) for x in data.get("data", [])]


def _seg(value: str) -> str:
    """A path segment: ids never contain '/', but do not trust input."""
    if not value:
        raise ValueError("an id is required")
    return quote(str(value), safe="")


# --- the operations --------------------------------------------------------------------


def event_input(
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
) -> Dict[str, Any]:
    return _drop_none(
        {
            "tenant": tenant,
            "type": type,
            "object": object,
            "data": data,
            "metadata": metadata,
            "source": source,
            "project": project,
            "severity": severity,
            "subject": subject,
            "created": time_value(created) if created is not None else None,
        }
    )


def _ingested(data: Any, resp: httpx.Response) -> List[Ingested]:
    replayed = resp.headers.get("idempotent-replayed", "").lower() == "true"
    out = []
    for x in data.get("data", []):
        item = Ingested.from_dict(x)
        item.replayed = replayed
        out.append(item)
    return out


def ingest(events: Sequence[Mapping[str, Any]], idempotency_key: Optional[str], batch: bool) -> Call:
    prepared = []
    for e in events:
        d = dict(e)
        if d.get("created") is not None:
            d["created"] = time_value(d["created"])
        prepared.append(d)
    body: Any = {"events": prepared} if batch else prepared[0]
    return Call(
        "POST",
        "/events",
        body=body,
        has_body=True,
        headers={"Idempotency-Key": idempotency_key or new_idempotency_key()},
        parse=_ingested,
    )


def get_event(event_id: str) -> Call:
    return Call("GET", f"/events/{_seg(event_id)}", parse=_one(Event))


def list_event_types(limit: Optional[int], cursor: Optional[str]) -> Call:
    return Call("GET", "/event-types", params=_drop_none({"limit": limit, "cursor": cursor}), parse=_page(EventType))


def create_event_type(
    name: str,
    description: Optional[str] = None,
    object: Optional[str] = None,
    example: Optional[Any] = None,
    schema: Optional[JSONObject] = None,
) -> Call:
    body = _drop_none(
        {"name": name, "description": description, "object": object, "example": example, "schema": schema}
    )
    return Call("POST", "/event-types", body=body, has_body=True, parse=_one(EventType))


def webhook_body(
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
    secret: Optional[str] = None,
    tenant: Optional[str] = None,
) -> Dict[str, Any]:
    return _drop_none(
        {
            "tenant": tenant,
            "name": name,
            "url": url,
            "description": description,
            "active": active,
            "event_types": list(event_types) if event_types is not None else None,
            "filters": _json_value(filters),
            "headers": headers_input(headers) if headers is not None else None,
            "format": format,
            "templates": dict(templates) if templates is not None else None,
            "settings": dict(settings) if settings is not None else None,
            "include_result": include_result,
            "batch": _json_value(batch),
            "retry": _json_value(retry),
            "timeout_ms": timeout_ms,
            "condition": condition,
            "redact": [_json_value(r) for r in redact] if redact is not None else None,
            "secret": secret,
        }
    )


def list_webhooks(limit: Optional[int], cursor: Optional[str], tenant: Optional[str] = None) -> Call:
    params = _drop_none({"tenant": tenant, "limit": limit, "cursor": cursor})
    return Call("GET", "/webhooks", params=params, parse=_page(Webhook))


def create_webhook(body: Dict[str, Any]) -> Call:
    return Call("POST", "/webhooks", body=body, has_body=True, parse=_one(Webhook))


def get_webhook(webhook_id: str) -> Call:
    return Call("GET", f"/webhooks/{_seg(webhook_id)}", parse=_one(Webhook))


def update_webhook(webhook_id: str, body: Dict[str, Any]) -> Call:
    return Call("PATCH", f"/webhooks/{_seg(webhook_id)}", body=body, has_body=True, parse=_one(Webhook))


def delete_webhook(webhook_id: str) -> Call:
    return Call("DELETE", f"/webhooks/{_seg(webhook_id)}", parse=lambda data, resp: None)


def test_webhook(webhook_id: str, event_type: str, payload: Optional[JSONObject]) -> Call:
    body = _drop_none({"event_type": event_type, "payload": payload})
    return Call("POST", f"/webhooks/{_seg(webhook_id)}/test", body=body, has_body=True, parse=_one(TestResult))


def validate_url(url: str, headers: Optional[HeadersInput]) -> Call:
    body = {"url": url, "headers": headers_input(headers) if headers is not None else []}
    return Call("POST", "/webhooks/validate", body=body, has_body=True, parse=_one(TestResult))


def webhook_secret(webhook_id: str) -> Call:
    return Call("GET", f"/webhooks/{_seg(webhook_id)}/secret", parse=lambda data, resp: data["secret"])


def rotate_secret(webhook_id: str, grace_period_ms: Optional[int]) -> Call:
    has_body = grace_period_ms is not None
    return Call(
        "POST",
        f"/webhooks/{_seg(webhook_id)}/rotate-secret",
        body={"grace_period_ms": grace_period_ms} if has_body else None,
        has_body=has_body,
        parse=lambda data, resp: data["secret"],
    )


def list_deliveries(
    webhook_id: str,
    *,
    status: Optional[str] = None,
    event_type: Optional[str] = None,
    since: Optional[TimeLike] = None,
    until: Optional[TimeLike] = None,
    limit: Optional[int] = None,
    cursor: Optional[str] = None,
) -> Call:
    params = _drop_none(
        {
            "status": status,
            "event_type": event_type,
            "since": _time_str(since) if since is not None else None,
            "until": _time_str(until) if until is not None else None,
            "limit": limit,
            "cursor": cursor,
        }
    )
    return Call("GET", f"/webhooks/{_seg(webhook_id)}/deliveries", params=params, parse=_page(Delivery))


def get_delivery(delivery_id: str) -> Call:
    return Call("GET", f"/deliveries/{_seg(delivery_id)}", parse=_one(Delivery))


def resend_delivery(delivery_id: str) -> Call:
    return Call("POST", f"/deliveries/{_seg(delivery_id)}/resend", parse=_one(Delivery))


def retry_failed(
    webhook_id: str, since: TimeLike, until: Optional[TimeLike], event_types: Optional[Iterable[str]]
) -> Call:
    body = _drop_none(
        {
            "since": _time_str(since),
            "until": _time_str(until) if until is not None else None,
            "event_types": list(event_types) if event_types is not None else None,
        }
    )
    return Call(
        "POST",
        f"/webhooks/{_seg(webhook_id)}/retry-failed",
        body=body,
        has_body=True,
        parse=lambda data, resp: int(data["requeued"]),
    )


def list_api_keys() -> Call:
    return Call("GET", "/api-keys", parse=_many(ApiKey))


def create_api_key(name: str, scope: Optional[str] = None, tenant: Optional[str] = None) -> Call:
    body = _drop_none({"name": name, "scope": scope, "tenant": tenant})
    return Call("POST", "/api-keys", body=body, has_body=True, parse=_one(ApiKey))


def revoke_api_key(key_id: str) -> Call:
    return Call("DELETE", f"/api-keys/{_seg(key_id)}", parse=lambda data, resp: None)


def list_tenants(limit: Optional[int], cursor: Optional[str]) -> Call:
    return Call("GET", "/tenants", params=_drop_none({"limit": limit, "cursor": cursor}), parse=_page(Tenant))


def create_tenant(tenant_id: str, name: str) -> Call:
    return Call("POST", "/tenants", body={"id": tenant_id, "name": name}, has_body=True, parse=_one(Tenant))


def get_tenant(tenant_id: str) -> Call:
    return Call("GET", f"/tenants/{_seg(tenant_id)}", parse=_one(Tenant))


def update_tenant(tenant_id: str, name: str) -> Call:
    return Call("PATCH", f"/tenants/{_seg(tenant_id)}", body={"name": name}, has_body=True, parse=_one(Tenant))


def delete_tenant(tenant_id: str, cascade: bool) -> Call:
    params = {"cascade": "true"} if cascade else None
    return Call("DELETE", f"/tenants/{_seg(tenant_id)}", params=params, parse=lambda data, resp: None)


def create_portal_link(
    tenant_id: str, expires_in: Optional[int], title: Optional[str], accent: Optional[str]
) -> Call:
    body = _drop_none({"expires_in": expires_in, "title": title, "accent": accent})
    return Call(
        "POST", f"/tenants/{_seg(tenant_id)}/portal-links", body=body, has_body=True, parse=_one(PortalLink)
    )


def raw_call(
    method: str,
    path: str,
    params: Optional[Mapping[str, Any]],
    json_body: Any,
    has_body: bool,
    headers: Optional[Mapping[str, str]],
) -> Call:
    if not path.startswith("/"):
        path = "/" + path
    if path.startswith(API_PREFIX + "/"):
        path = path[len(API_PREFIX) :]
    return Call(
        method,
        path,
        params=dict(params) if params else None,
        body=json_body,
        has_body=has_body,
        headers=dict(headers or {}),
    )
