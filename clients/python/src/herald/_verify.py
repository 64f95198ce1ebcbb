"""Receiver-side signature verification (``herald.verify``).

Herald signs every request twice (SPEC §2), and :func:`verify` accepts either:

* Standard Webhooks: ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature``,
  a space-separated list of ``v1,<base64 HMAC-SHA256(key, "{id}.{ts}.{body}")>`` where
  ``key`` is the base64-decoded part of the secret after ``whsec_``. During a secret
  rotation the list carries one signature per live secret.
* Herald's own: ``X-Herald-Timestamp`` and ``X-Herald-Signature`` =
  ``sha256=<hex HMAC-SHA256(secret string as UTF-8, "{ts}.{body}")>`` (the key is the
  whole secret, ``whsec_`` included). Several comma-separated ``sha256=`` values are
  accepted, any one matching.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from .errors import WebhookVerificationError

__all__ = ["verify", "sign_standard", "sign_herald", "DEFAULT_TOLERANCE"]

#: Accepted clock skew, in seconds, either way (the same as Herald's own verifier).
DEFAULT_TOLERANCE = 300
_PREFIX = "whsec_"


def verify(
    payload: Union[bytes, bytearray, memoryview, str],
    headers: Mapping[str, str],
    secret: Union[str, Sequence[str]],
    tolerance: int = DEFAULT_TOLERANCE,
    now: Optional[float] = None,
) -> Any:
    """Verify a webhook request from Herald and return its parsed JSON body.

    ``payload`` must be the raw request body, byte for byte (not re-serialised JSON).
    ``headers`` is any mapping of the request headers (a dict, Starlette's or Werkzeug's
    headers ...); names are matched case-insensitively. ``secret`` is the webhook's
    ``whsec_...`` secret, or a list of them (e.g. old and new during a rotation): any
    one verifying is enough. ``tolerance`` is the accepted clock skew in seconds either
    way; ``now`` (unix seconds) replaces the current time, for tests.

    Either header style verifies (Standard Webhooks or ``X-Herald-Signature``; Herald
    sends both). Raises :class:`herald.WebhookVerificationError` with a ``reason`` when
    neither does. Comparisons are constant-time.
    """
    body = _as_bytes(payload)
    secrets = _as_secrets(secret)
    h = _lower(headers)
    current = time.time() if now is None else float(now)

    checks = []
    if "webhook-signature" in h or "webhook-id" in h or "webhook-timestamp" in h:
        checks.append(_check_standard)
    if "x-herald-signature" in h or "x-herald-timestamp" in h:
        checks.append(_check_herald)
    if not checks:
        raise WebhookVerificationError(
            "missing_headers",
            "missing signature headers: expected webhook-id, webhook-timestamp and "
            "webhook-signature (Standard Webhooks) or X-Herald-Timestamp and X-Herald-Signature",
        )

    first_error: Optional[WebhookVerificationError] = None
    for check in checks:
        try:
            check(h, body, secrets, tolerance, current)
        except WebhookVerificationError as e:
            if first_error is None:
                first_error = e
            continue
        try:
            return json.loads(body)
        except ValueError as e:
            raise WebhookVerificationError(
                "invalid_payload", f"the signature verified but the body is not JSON: {e}"
            ) from None
    assert first_error is not None
    raise first_error


def sign_standard(secret: str, msg_id: str, timestamp: int, payload: Union[bytes, str]) -> str:
    """One Standard Webhooks signature, ``v1,<base64>`` (what Herald puts in
    ``webhook-signature``). Useful for testing your receiver."""
    key = _standard_key(secret)
    if key is None:
        raise ValueError('secret must be "whsec_" followed by base64')
    return "v1," + base64.b64encode(_mac_standard(key, msg_id, int(timestamp), _as_bytes(payload))).decode()


def sign_herald(secret: str, timestamp: int, payload: Union[bytes, str]) -> str:
    """The ``X-Herald-Signature`` value, ``sha256=<hex>``, for testing your receiver."""
    return "sha256=" + _mac_herald(secret, int(timestamp), _as_bytes(payload)).hex()


# --- the two styles --------------------------------------------------------------------


def _check_standard(h: Dict[str, str], body: bytes, secrets: List[str], tolerance: int, now: float) -> None:
    missing = [n for n in ("webhook-id", "webhook-timestamp", "webhook-signature") if not h.get(n, "").strip()]
    if missing:
        raise WebhookVerificationError("missing_headers", f"missing header(s): {', '.join(missing)}")
    ts = _timestamp(h["webhook-timestamp"], "webhook-timestamp", tolerance, now)
    keys = [k for k in (_standard_key(s) for s in secrets) if k is not None]
    if not keys:
        raise WebhookVerificationError(
            "invalid_secret", 'no secret is usable for webhook-signature: expected "whsec_" followed by base64'
        )
    expected = [_mac_standard(k, h["webhook-id"], ts, body) for k in keys]
    found = False
    for entry in h["webhook-signature"].split():
        version, sep, b64 = entry.partition(",")
        if version != "v1" or not sep:
            continue
        try:
            given = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            continue
        for exp in expected:
            # no short-circuit: every comparison is made
            found = hmac.compare_digest(exp, given) | found
    if not found:
        raise WebhookVerificationError(
            "no_matching_signature", "no webhook-signature matched the payload with the given secret(s)"
        )


def _check_herald(h: Dict[str, str], body: bytes, secrets: List[str], tolerance: int, now: float) -> None:
    missing = [n for n in ("x-herald-timestamp", "x-herald-signature") if not h.get(n, "").strip()]
    if missing:
        names = {"x-herald-timestamp": "X-Herald-Timestamp", "x-herald-signature": "X-Herald-Signature"}
        raise WebhookVerificationError("missing_headers", f"missing header(s): {', '.join(names[m] for m in missing)}")
    ts = _timestamp(h["x-herald-timestamp"], "X-Herald-Timestamp", tolerance, now)
    expected = [_mac_herald(s, ts, body).hex() for s in secrets]
    found = False
    for entry in h["x-herald-signature"].split(","):
        scheme, sep, hexdigest = entry.strip().partition("=")
        if scheme.lower() != "sha256" or not sep:
            continue
        given = hexdigest.strip().lower()
        for exp in expected:
            found = hmac.compare_digest(exp.encode(), given.encode()) | found
    if not found:
        raise WebhookVerificationError(
            "no_matching_signature", "no X-Herald-Signature matched the payload with the given secret(s)"
        )


# --- helpers ---------------------------------------------------------------------------


def _mac_standard(key: bytes, msg_id: str, ts: int, body: bytes) -> bytes:
    return hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()


def _mac_herald(secret: str, ts: int, body: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), f"{ts}.".encode() + body, hashlib.sha256).digest()


def _standard_key(secret: str) -> Optional[bytes]:
    b64 = secret[len(_PREFIX) :] if secret.startswith(_PREFIX) else secret
    try:
        key = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        return None
    return key or None


def _timestamp(value: str, name: str, tolerance: int, now: float) -> int:
    try:
        ts = int(value.strip())
    except ValueError:
        raise WebhookVerificationError("invalid_timestamp", f"invalid {name} header: {value!r}") from None
    if now - ts > tolerance:
        raise WebhookVerificationError(
            "timestamp_too_old", f"message timestamp too old: {name} is {int(now - ts)} s ago (tolerance {tolerance} s)"
        )
    if ts - now > tolerance:
        raise WebhookVerificationError(
            "timestamp_too_new",
            f"message timestamp too new: {name} is {int(ts - now)} s ahead (tolerance {tolerance} s)",
        )
    return ts


def _lower(headers: Mapping[str, str]) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for k, v in headers.items():
        key: Any = k
        val: Any = v
        key = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        val = val.decode("latin-1") if isinstance(val, bytes) else str(val)
        out.setdefault(key.lower(), val)
    return out


def _as_bytes(payload: Union[bytes, bytearray, memoryview, str]) -> bytes:
    if isinstance(payload, str):
        return payload.encode("utf-8")
    if isinstance(payload, (bytes, bytearray, memoryview)):
        return bytes(payload)
    raise TypeError(f"payload must be the raw body as bytes, got {type(payload).__name__}")


def _as_secrets(secret: Union[str, Sequence[str]]) -> List[str]:
    secrets = [secret] if isinstance(secret, str) else list(secret)
    if not secrets or not all(isinstance(s, str) and s for s in secrets):
        raise WebhookVerificationError(
            "invalid_secret", "pass the webhook secret (a non-empty string) or a list of them"
        )
    return secrets
