"""Python client for Herald, the self-hosted webhook delivery service.

    from herald import Herald
    with Herald("http://127.0.0.1:3000", api_key) as herald:
        event = herald.events.send(type="evaluation.failed", object="evaluation_result",
                                   data={"evaluator": "hallucination", "score": 0.42})

Receivers verify deliveries with :func:`herald.verify`.
"""

from ._async import AsyncHerald
from ._core import __version__
from ._sync import Herald
from ._verify import DEFAULT_TOLERANCE, sign_herald, sign_standard, verify
from .errors import (
    APIError,
    AuthenticationError,
    BadRequest,
    Conflict,
    HeraldError,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    RateLimited,
    ServerError,
    TransportError,
    UnsupportedMediaType,
    ValidationError,
    WebhookVerificationError,
)
from .errors import (
    ConnectionError as ConnectionError,
)
from .errors import (
    TimeoutError as TimeoutError,
)
from .models import (
    ApiKey,
    Attempt,
    BatchSettings,
    Delivery,
    Event,
    EventType,
    Filters,
    Header,
    Health,
    Ingested,
    Page,
    PortalLink,
    Redaction,
    RetryPolicy,
    SentRequest,
    Tenant,
    TestResult,
    Webhook,
)

__all__ = [
    "__version__",
    "Herald",
    "AsyncHerald",
    "verify",
    "sign_standard",
    "sign_herald",
    "DEFAULT_TOLERANCE",
    # errors
    "HeraldError",
    "APIError",
    "BadRequest",
    "ValidationError",
    "AuthenticationError",
    "PermissionDenied",
    "NotFound",
    "Conflict",
    "PayloadTooLarge",
    "UnsupportedMediaType",
    "RateLimited",
    "ServerError",
    "TransportError",
    # ConnectionError and TimeoutError are left out of __all__ so that a star import
    # cannot shadow the built-ins; use herald.ConnectionError / herald.TimeoutError.
    "WebhookVerificationError",
    # results
    "ApiKey",
    "Attempt",
    "BatchSettings",
    "Delivery",
    "Event",
    "EventType",
    "Filters",
    "Header",
    "Health",
    "Ingested",
    "Page",
    "PortalLink",
    "Redaction",
    "RetryPolicy",
    "SentRequest",
    "Tenant",
    "TestResult",
    "Webhook",
]
