"""Typed results: plain dataclasses built from Herald's JSON.

Why dataclasses and not pydantic: no dependency beyond httpx, nothing to pin against
your own pydantic version, and cheap to build. Every field has a default, so an answer
that lacks a field (an older server) still parses; fields this version does not know
(a newer server) are ignored as attributes but kept, with everything else, in
``obj.raw`` -- the JSON object exactly as received.

Timestamps are kept as the RFC 3339 strings Herald sends (``"2024-11-22T08:00:00Z"``);
``Event.created`` is unix seconds as an int.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import (
    Any,
    Callable,
    Dict,
    Generic,
    Iterator,
    List,
    Mapping,
    Optional,
    Tuple,
    Type,
    TypeVar,
)

__all__ = [
    "Model",
    "Header",
    "Health",
    "BatchSettings",
    "RetryPolicy",
    "Filters",
    "Webhook",
    "Event",
    "Ingested",
    "Delivery",
    "Attempt",
    "EventType",
    "SentRequest",
    "TestResult",
    "ApiKey",
    "Tenant",
    "PortalLink",
    "Page",
]

M = TypeVar("M", bound="Model")
T = TypeVar("T")


def _f(default: Any = None, *, conv: Optional[Callable[[Any], Any]] = None, factory: Any = None) -> Any:
    """A dataclass field with a default and an optional converter from JSON."""
    meta = {"conv": conv} if conv else {}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def _raw() -> Any:
    return field(default_factory=dict, repr=False, compare=False)


def _list_of(cls: Type[M]) -> Callable[[Any], List[M]]:
    return lambda v: [cls.from_dict(x) for x in v]


def _pairs(v: Any) -> List[Tuple[str, str]]:
    return [(str(p[0]), str(p[1])) for p in v]


def _to_json(value: Any) -> Any:
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _to_json(v) for k, v in value.items()}
    return value


class Model:
    """Shared behaviour of the result dataclasses: ``from_dict``, ``to_dict``, ``raw``."""

    raw: Dict[str, Any]

    @classmethod
    def from_dict(cls: Type[M], data: Mapping[str, Any]) -> M:
        if not isinstance(data, Mapping):
            raise TypeError(f"{cls.__name__}.from_dict expects a JSON object, got {type(data).__name__}")
        kwargs: Dict[str, Any] = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name == "raw" or f.name not in data:
                continue
            value = data[f.name]
            conv = f.metadata.get("conv")
            kwargs[f.name] = conv(value) if conv is not None and value is not None else value
        kwargs["raw"] = dict(data)
        return cls(**kwargs)

    def to_dict(self) -> Dict[str, Any]:
        """The fields as JSON-ready data, leaving out those that are ``None``."""
        out: Dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.name == "raw":
                continue
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = _to_json(value)
        return out


# --- webhook parts -------------------------------------------------------------------


@dataclass
class Header(Model):
    """A custom header. Read back, ``value`` is ``None`` when ``protected``; when
    updating, a protected header sent with ``value=None`` keeps its stored value."""

    key: str = ""
    value: Optional[str] = None
    protected: bool = False
    raw: Dict[str, Any] = _raw()


@dataclass
class Redaction(Model):
    """A field removed, masked (``"[redacted]"``) or hashed (``sha256:<hex>`` of an HMAC
    keyed per webhook) before a webhook's payload is built: ``path`` such as
    ``data.input``, ``metadata.user.email`` or ``data.samples[*].prompt``."""

    path: str = ""
    action: str = "remove"
    raw: Dict[str, Any] = _raw()


@dataclass
class Health(Model):
    last_success_at: Optional[str] = None
    last_failure_at: Optional[str] = None
    consecutive_failures: int = 0
    disabled_reason: Optional[str] = None
    #: ``{"message", "event_id", "at"}``: the last event the condition could not be
    #: evaluated on (it was not delivered); ``None`` when that never happened.
    last_condition_error: Optional[Dict[str, Any]] = None
    raw: Dict[str, Any] = _raw()


@dataclass
class BatchSettings(Model):
    """Envelope batching: up to ``max_events`` events arriving within ``max_wait_ms``."""

    max_events: Optional[int] = None
    max_wait_ms: Optional[int] = None
    raw: Dict[str, Any] = _raw()


@dataclass
class RetryPolicy(Model):
    """``backoff`` is ``"exponential"`` or ``"fixed"``. Fields left ``None`` are not
    sent, so the server's defaults apply to them."""

    max_retries: Optional[int] = None
    backoff: Optional[str] = None
    initial_delay_ms: Optional[int] = None
    max_delay_ms: Optional[int] = None
    raw: Dict[str, Any] = _raw()


@dataclass
class Filters(Model):
    """Which events a webhook gets beyond its event types; an empty list means any.
    ``subjects`` are objects like ``{"type": "deployment", "name": "triage"}``."""

    projects: List[str] = _f(factory=list)
    severities: List[str] = _f(factory=list)
    sources: List[str] = _f(factory=list)
    subjects: List[Dict[str, Any]] = _f(factory=list)
    raw: Dict[str, Any] = _raw()


@dataclass
class Webhook(Model):
    id: str = ""
    #: The tenant the webhook belongs to (fixed once created); ``default`` unless named.
    tenant: str = "default"
    name: str = ""
    url: str = ""
    description: str = ""
    active: bool = True
    event_types: List[str] = _f(factory=list)
    filters: Filters = _f(conv=Filters.from_dict, factory=Filters)
    headers: List[Header] = _f(conv=_list_of(Header), factory=list)
    format: str = "envelope"
    templates: Dict[str, str] = _f(factory=dict)
    settings: Dict[str, Any] = _f(factory=dict)
    include_result: bool = False
    batch: BatchSettings = _f(conv=BatchSettings.from_dict, factory=BatchSettings)
    retry: RetryPolicy = _f(conv=RetryPolicy.from_dict, factory=RetryPolicy)
    timeout_ms: int = 0
    #: A CEL expression over the event; ``""`` when every event is sent.
    condition: str = ""
    redact: List[Redaction] = _f(conv=_list_of(Redaction), factory=list)
    health: Health = _f(conv=Health.from_dict, factory=Health)
    created_at: str = ""
    updated_at: str = ""
    #: The signing secret: only in the answer to ``webhooks.create``; otherwise ``None``
    #: (read it with ``webhooks.secret(id)``).
    secret: Optional[str] = field(default=None, repr=False)
    raw: Dict[str, Any] = _raw()


# --- deliveries ------------------------------------------------------------------------


@dataclass
class Attempt(Model):
    """One HTTP request of a delivery, as recorded in the delivery log."""

    id: str = ""
    delivery_id: str = ""
    attempt: int = 0
    started_at: str = ""
    duration_ms: int = 0
    url: str = ""
    #: (name, value) pairs in sending order; protected values are masked.
    request_headers: List[Tuple[str, str]] = _f(conv=_pairs, factory=list)
    request_body: str = ""
    response_status: Optional[int] = None
    response_headers: Optional[List[Tuple[str, str]]] = _f(conv=_pairs)
    #: At most 16 KiB.
    response_body: Optional[str] = None
    #: ``connect``, ``dns``, ``tls``, ``timeout``, ``blocked``, ``http``, ``body_too_large``.
    error_kind: Optional[str] = None
    error_message: Optional[str] = None
    next_retry_at: Optional[str] = None
    #: What made the attempt: ``queue`` (scheduled, including re-queued by
    #: retry-failed), ``resend`` or ``test``.
    trigger: str = ""
    raw: Dict[str, Any] = _raw()

    def request_header(self, name: str) -> Optional[str]:
        """A request header's value by case-insensitive name."""
        return _find(self.request_headers, name)


@dataclass
class Delivery(Model):
    """One event batch owed to one webhook; its ``id`` is the ``webhook-id`` header."""

    id: str = ""
    webhook_id: str = ""
    event_type: str = ""
    event_ids: List[str] = _f(factory=list)
    #: ``pending``, ``delivering``, ``retrying``, ``succeeded`` or ``failed``.
    status: str = ""
    #: How many attempts were made.
    attempts: int = 0
    next_attempt_at: Optional[str] = None
    last_response_code: Optional[int] = None
    last_error: Optional[str] = None
    created_at: str = ""
    updated_at: str = ""
    #: The attempts themselves, newest first: filled by ``deliveries.get`` and
    #: ``deliveries.resend``, empty in lists.
    attempt_log: List[Attempt] = _f(conv=_list_of(Attempt), factory=list)
    raw: Dict[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Delivery":
        # GET /deliveries/{id} flattens the delivery (whose "attempts" is a count) and
        # adds "attempts" (the list) to the same object, so the key comes twice. The
        # client's JSON decoder keeps the count under "attempts" and moves the list to
        # "attempt_log"; a plain json.loads keeps only the list, handled here too.
        data = dict(data)
        if isinstance(data.get("attempts"), list):
            log = data.pop("attempts")
            data.setdefault("attempt_log", log)
            data["attempts"] = len(log)
        return super().from_dict(data)


# --- events ----------------------------------------------------------------------------


@dataclass
class Event(Model):
    """A stored event. ``deliveries`` lists what it fanned out to (from ``GET /events/{id}``)."""

    id: str = ""
    #: The tenant whose webhooks the event fanned out to.
    tenant: str = "default"
    type: str = ""
    object: str = ""
    #: Unix seconds.
    created: int = 0
    created_at: str = ""
    source: Optional[str] = None
    project: Optional[str] = None
    #: ``info``, ``low``, ``medium``, ``high`` or ``critical``.
    severity: Optional[str] = None
    #: ``{"type", "id", "name", "version"}`` of the deployment, experiment, model ...
    subject: Optional[Dict[str, Any]] = None
    data: Dict[str, Any] = _f(factory=dict)
    metadata: Optional[Dict[str, Any]] = None
    deliveries: List[Delivery] = _f(conv=_list_of(Delivery), factory=list)
    raw: Dict[str, Any] = _raw()


@dataclass
class Ingested(Model):
    """One entry of ``POST /events``'s 202 answer."""

    id: str = ""
    #: How many deliveries (webhooks) the event fanned out to.
    deliveries: int = 0
    #: True when Herald had already seen the Idempotency-Key and answered from memory.
    replayed: bool = False
    raw: Dict[str, Any] = _raw()


@dataclass
class EventType(Model):
    name: str = ""
    description: str = ""
    object: str = ""
    example: Any = None
    schema: Optional[Dict[str, Any]] = None
    builtin: bool = False
    raw: Dict[str, Any] = _raw()


# --- test / validate -------------------------------------------------------------------


@dataclass
class SentRequest(Model):
    url: str = ""
    headers: List[Tuple[str, str]] = _f(conv=_pairs, factory=list)
    body: str = ""
    raw: Dict[str, Any] = _raw()

    def header(self, name: str) -> Optional[str]:
        """A header's value by case-insensitive name."""
        return _find(self.headers, name)


@dataclass
class TestResult(Model):
    """What ``webhooks.test`` and ``webhooks.validate`` answer."""

    __test__ = False  # not a pytest test class

    success: bool = False
    #: ``succeeded`` or the error kind (``connect``, ``timeout``, ``http`` ...).
    status: str = ""
    response_code: Optional[int] = None
    response_body: Optional[str] = None
    duration_ms: int = 0
    error: Optional[str] = None
    request: SentRequest = _f(conv=SentRequest.from_dict, factory=SentRequest)
    raw: Dict[str, Any] = _raw()


# --- API keys --------------------------------------------------------------------------


@dataclass
class ApiKey(Model):
    id: str = ""
    name: str = ""
    #: The first characters of the key, to recognise it.
    prefix: str = ""
    #: What the key may do: ``ingest``, ``manage`` or ``admin``.
    scope: str = ""
    #: The one tenant the key reaches; ``None``: every tenant.
    tenant: Optional[str] = None
    created_at: str = ""
    last_used_at: Optional[str] = None
    #: The key itself: only in the answer to ``api_keys.create``.
    secret: Optional[str] = field(default=None, repr=False)
    raw: Dict[str, Any] = _raw()


# --- tenants ---------------------------------------------------------------------------


@dataclass
class Tenant(Model):
    """A platform's customer, with its own webhooks, events and delivery log."""

    #: The platform's own id for its customer (fixed once created).
    id: str = ""
    name: str = ""
    #: How many webhooks the tenant has.
    webhooks: int = 0
    created_at: str = ""
    updated_at: str = ""
    raw: Dict[str, Any] = _raw()


@dataclass
class PortalLink(Model):
    """A single-use link into a tenant's portal, valid until ``expires_at``."""

    #: Opens the portal once; a credential until used or expired, so left out of ``repr``.
    url: str = field(default="", repr=False)
    expires_at: str = ""
    raw: Dict[str, Any] = _raw()


# --- pages -----------------------------------------------------------------------------


@dataclass
class Page(Generic[T]):
    """One page of a list, newest first. Pass ``next_cursor`` as ``cursor`` for the next
    one; it is ``None`` on the last page. Iterating a page yields its items."""

    data: List[T] = field(default_factory=list)
    next_cursor: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None

    def __iter__(self) -> Iterator[T]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


def _find(pairs: List[Tuple[str, str]], name: str) -> Optional[str]:
    lname = name.lower()
    for k, v in pairs:
        if k.lower() == lname:
            return v
    return None
