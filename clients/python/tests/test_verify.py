"""herald.verify on real deliveries (both header styles), tampered ones, rotation, and
the published vectors Herald's own signer is tested with (engine/src/signing.rs)."""

from __future__ import annotations

import base64
import os
from typing import Dict, Tuple

import httpx
import pytest
from _support import Received, Receiver, path_of

import herald
from herald import Herald, WebhookVerificationError, verify

STANDARD = ("webhook-id", "webhook-timestamp", "webhook-signature")
HERALD = ("x-herald-timestamp", "x-herald-signature")


def _only(received: Received, names: Tuple[str, ...]) -> Dict[str, str]:
    """The request's headers restricted to ``names``, in their original case."""
    return {k: v for k, v in received.headers if k.lower() in names}


def _style(received: Received, style: str) -> Dict[str, str]:
    return {"standard": _only(received, STANDARD), "herald": _only(received, HERALD), "both": dict(received.headers)}[
        style
    ]


def _set(headers: Dict[str, str], name: str, value: str) -> Dict[str, str]:
    out = {k: v for k, v in headers.items() if k.lower() != name}
    out[name] = value
    return out


def _other_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def delivered(client: Herald, receiver: Receiver, make_webhook, event_type: str) -> Tuple[Received, str, herald.Event]:
    """A real delivery as the receiver got it, the webhook's secret, and the event."""
    w = make_webhook([event_type])
    event = client.events.send(type=event_type, object="evaluation_result", data={"score": 0.42, "text": "héllo ✓"})
    got = receiver.wait_for(path_of(w))[0]
    assert w.secret
    return got, w.secret, event


@pytest.mark.parametrize("style", ["standard", "herald", "both"])
def test_real_delivery_verifies(delivered: Tuple[Received, str, herald.Event], style: str) -> None:
    received, secret, event = delivered
    headers = _style(received, style)
    body = verify(received.body, headers, secret)
    assert body["events"][0]["id"] == event.id
    assert body["events"][0]["data"] == {"evaluation_result": {"score": 0.42, "text": "héllo ✓"}}
    # names are case-insensitive; any mapping works (dicts, framework header objects)
    assert verify(received.body, {k.upper(): v for k, v in headers.items()}, secret) == body
    assert verify(received.body, httpx.Headers(headers), secret) == body
    # several secrets: any one matching is enough
    assert verify(received.body, headers, [_other_secret(), secret]) == body


@pytest.mark.parametrize("style", ["standard", "herald", "both"])
def test_tampered_deliveries_fail(delivered: Tuple[Received, str, herald.Event], style: str) -> None:
    received, secret, _ = delivered
    headers = _style(received, style)
    ts = int(received.header_dict["webhook-timestamp"])
    assert ts == int(received.header_dict["x-herald-timestamp"])

    def reason(body: bytes = received.body, hdrs: Dict[str, str] = headers, sec: object = secret, **kw: object) -> str:
        with pytest.raises(WebhookVerificationError) as e:
            verify(body, hdrs, sec, **kw)  # type: ignore[arg-type]
        assert str(e.value)
        return e.value.reason

    assert reason(body=received.body.replace(b"0.42", b"0.43")) == "no_matching_signature"
    assert reason(body=received.body + b" ") == "no_matching_signature"
    changed = dict(headers)
    for name in ("webhook-timestamp", "x-herald-timestamp"):
        if any(k.lower() == name for k in headers):
            changed = _set(changed, name, str(ts + 1))
    assert reason(hdrs=changed) == "no_matching_signature"
    assert reason(sec=_other_secret()) == "no_matching_signature"
    assert reason(now=ts + 301) == "timestamp_too_old"
    assert reason(now=ts - 301) == "timestamp_too_new"
    assert verify(received.body, headers, secret, tolerance=600, now=ts + 301)
    assert reason(hdrs={"content-type": "application/json"}) == "missing_headers"
    garbled = dict(headers)
    for name in ("webhook-timestamp", "x-herald-timestamp"):
        if any(k.lower() == name for k in headers):
            garbled = _set(garbled, name, "yesterday")
    assert reason(hdrs=garbled) == "invalid_timestamp"


def test_a_missing_standard_header_is_named(delivered: Tuple[Received, str, herald.Event]) -> None:
    received, secret, _ = delivered
    headers = {k: v for k, v in _only(received, STANDARD).items() if k.lower() != "webhook-id"}
    with pytest.raises(WebhookVerificationError, match="webhook-id") as e:
        verify(received.body, headers, secret)
    assert e.value.reason == "missing_headers"


def test_rotation_both_secrets_verify(client: Herald, receiver: Receiver, make_webhook, event_type: str) -> None:
    w = make_webhook([event_type])
    old = w.secret
    assert old
    new = client.webhooks.rotate_secret(w.id)
    client.events.send(type=event_type, data={"rotated": True})
    got = receiver.wait_for(path_of(w))[0]
    assert len(got.header_dict["webhook-signature"].split()) == 2, "one signature per live secret"
    standard = _only(got, STANDARD)
    for secrets in (old, new, [old, new], [new, old]):
        data = verify(got.body, standard, secrets)["events"][0]["data"]
        assert list(data.values()) == [{"rotated": True}]
    assert verify(got.body, _only(got, HERALD), new)
    assert verify(got.body, dict(got.headers), old), "either style verifying is enough"
    with pytest.raises(WebhookVerificationError):
        verify(got.body, standard, _other_secret())


# --- fixed vectors (the same as engine/src/signing.rs) -----------------------------------

S1 = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ID1 = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TS1 = 1614265330
BODY1 = b'{"test": 2432232314}'
SIG1 = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
HERALD1 = "sha256=2e37df5d4a028c51a7f3133d64ae1e300d2c2c900f1b1d49d4369ad2530f8964"


def _std(sig: str, ts: int = TS1) -> Dict[str, str]:
    return {"webhook-id": ID1, "webhook-timestamp": str(ts), "webhook-signature": sig}


def _her(sig: str, ts: int = TS1) -> Dict[str, str]:
    return {"X-Herald-Timestamp": str(ts), "X-Herald-Signature": sig}


def test_published_vectors() -> None:
    assert herald.sign_standard(S1, ID1, TS1, BODY1) == SIG1
    assert herald.sign_herald(S1, TS1, BODY1) == HERALD1
    assert verify(BODY1, _std(SIG1), S1, now=TS1) == {"test": 2432232314}
    assert verify(BODY1.decode(), _her(HERALD1), S1, now=TS1) == {"test": 2432232314}
    s2 = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
    body2 = b'{"email":"test@example.com","username":"test_user"}'
    sig2 = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
    hdrs = {
        "webhook-id": "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
        "webhook-timestamp": "1649367553",
        "webhook-signature": sig2,
    }
    assert verify(body2, hdrs, s2, now=1649367553)["username"] == "test_user"


@pytest.mark.parametrize(
    "headers,ok",
    [
        (_std(f"v1a,xyz {SIG1}"), True),
        (_std(f"v1,AAAA  {SIG1}"), True),
        (_std(f"{herald.sign_standard(S1, ID1, TS1, b'other')} {SIG1}"), True),
        (_std(SIG1.replace("v1,", "v2,")), False),
        (_std("v1,!!!notbase64"), False),
        (_std(""), False),
        (_her(f"sha256={'0' * 64}, {HERALD1}"), True),
        (_her(f"{HERALD1},sha256={'0' * 64}"), True),
        (_her(HERALD1.upper().replace("SHA256=", "sha256=")), True),
        (_her(f"sha256={'0' * 64},sha256={'1' * 64}"), False),
        (_her(HERALD1.replace("sha256=", "md5=")), False),
    ],
)
def test_signature_lists(headers: Dict[str, str], ok: bool) -> None:
    if ok:
        assert verify(BODY1, headers, S1, now=TS1) == {"test": 2432232314}
    else:
        with pytest.raises(WebhookVerificationError):
            verify(BODY1, headers, S1, now=TS1)


def test_bad_inputs() -> None:
    with pytest.raises(WebhookVerificationError) as e:
        verify(BODY1, _std(SIG1), [], now=TS1)
    assert e.value.reason == "invalid_secret"
    with pytest.raises(WebhookVerificationError) as e:
        verify(BODY1, _std(SIG1), "whsec_!!not base64!!", now=TS1)
    assert e.value.reason == "invalid_secret"
    signed_not_json = b"not json"
    ts = TS1
    with pytest.raises(WebhookVerificationError) as e:
        verify(signed_not_json, _her(herald.sign_herald(S1, ts, signed_not_json)), S1, now=ts)
    assert e.value.reason == "invalid_payload"
    with pytest.raises(TypeError):
        verify({"parsed": "json"}, _std(SIG1), S1, now=TS1)  # type: ignore[arg-type]
