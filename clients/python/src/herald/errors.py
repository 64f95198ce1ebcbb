"""Exceptions raised by the Herald client and by :func:`herald.verify`.

Every exception derives from :class:`HeraldError`. Answers from the API that are not
2xx raise an :class:`APIError` subclass chosen by status code; each carries the
``application/problem+json`` fields Herald sends (``type``, ``title``, ``status``,
``detail``, ``errors``). Transport failures (nothing usable came back) raise
:class:`ConnectionError` or :class:`TimeoutError`, both :class:`TransportError`.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Type

__all__ = [
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
    "ConnectionError",
    "TimeoutError",
    "WebhookVerificationError",
]


class HeraldError(Exception):
    """Base class of every error this package raises."""


class APIError(HeraldError):
    """Herald answered with a non-2xx status.

    Attributes mirror the problem+json body: ``status`` (int), ``title``, ``detail``,
    ``errors`` (field path -> list of messages, empty when none), ``type``. Also:
    ``headers`` (the response headers, lower-cased names), ``request_id`` (Herald's
    ``x-request-id``, handy in bug reports), ``body`` (the parsed body, or the raw
    text when it was not JSON), ``method`` and ``url`` of the request.
    """

    def __init__(
        self,
        status: int,
        title: str = "",
        detail: str = "",
        *,
        errors: Optional[Mapping[str, List[str]]] = None,
        type: str = "about:blank",
        headers: Optional[Mapping[str, str]] = None,
        body: Any = None,
        method: str = "",
        url: str = "",
    ) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.errors: Dict[str, List[str]] = dict(errors or {})
        self.type = type
        self.headers: Dict[str, str] = {k.lower(): v for k, v in (headers or {}).items()}
        self.request_id: Optional[str] = self.headers.get("x-request-id")
        self.body = body
        self.method = method
        self.url = url
        super().__init__(self._message())

    def __reduce__(self) -> Any:  # picklable (e.g. across multiprocessing)
        return (_rebuild, (type(self), self.__dict__.copy(), self.args))

    @property
    def status_code(self) -> int:
        """Alias of ``status``."""
        return self.status

    def _message(self) -> str:
        head = f"{self.status} {self.title}".strip()
        text = f"{head}: {self.detail}" if self.detail else head
        if self.method and self.url:
            text += f" ({self.method} {self.url})"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, title={self.title!r}, "
            f"detail={self.detail!r}, errors={self.errors!r})"
        )


class BadRequest(APIError):
    """400: the request could not be read (e.g. malformed JSON)."""


class ValidationError(BadRequest):
    """422: the request was read but a field is wrong; see ``errors``.

    A subclass of :class:`BadRequest`, so ``except BadRequest`` catches both.
    """


class AuthenticationError(APIError):
    """401: missing, wrong or revoked API key."""


class PermissionDenied(APIError):
    """403: the key may not do this."""


class NotFound(APIError):
    """404: no such webhook, event, delivery or route."""


class Conflict(APIError):
    """409: e.g. an event type that already exists, or a delivery being attempted."""


class PayloadTooLarge(APIError):
    """413: the request body is over Herald's 1 MiB limit."""


class UnsupportedMediaType(APIError):
    """415: the body was not sent as application/json."""


class RateLimited(APIError):
    """429: too many requests. ``retry_after`` is the server's Retry-After in seconds
    (``None`` when it sent none)."""

    def __init__(self, *args: Any, retry_after: Optional[float] = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)


class ServerError(APIError):
    """5xx: Herald (or something in front of it) failed."""


class TransportError(HeraldError):
    """No usable HTTP answer: the connection failed, broke or timed out.

    ``__cause__`` is the underlying httpx exception.
    """


class ConnectionError(TransportError):  # noqa: A001 - deliberately herald.ConnectionError
    """The connection could not be made, or broke before an answer arrived."""


class TimeoutError(TransportError):  # noqa: A001 - deliberately herald.TimeoutError
    """Connecting, sending or reading took longer than the client's ``timeout``."""


class WebhookVerificationError(HeraldError):
    """A received webhook did not verify. ``reason`` is a short machine-readable code:

    ``missing_headers``, ``invalid_timestamp``, ``timestamp_too_old``,
    ``timestamp_too_new``, ``invalid_secret``, ``no_matching_signature``,
    ``invalid_payload``. ``str(err)`` is a sentence for logs.
    """

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)

    def __reduce__(self) -> Any:
        return (type(self), (self.reason, str(self)))


def _rebuild(cls: Type[APIError], state: Dict[str, Any], args: Any) -> APIError:
    err = cls.__new__(cls)
    err.__dict__.update(state)
    err.args = args
    return err


_BY_STATUS: Dict[int, Type[APIError]] = {
    400: BadRequest,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: ValidationError,
    429: RateLimited,
}


def error_class_for(status: int) -> Type[APIError]:
    """The exception class for an HTTP status."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    return APIError
