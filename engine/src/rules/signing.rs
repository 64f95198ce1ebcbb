//! Webhook signing: Standard Webhooks `webhook-signature` (`v1,<base64>`),
//! Herald's legacy `X-Herald-Signature` (`sha256=<hex>`), secret generation
//! and validation, and a receiver-side verifier (used by tests and tooling).

use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Prefix of every signing secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// Accepted clock skew, in seconds, either way, when verifying.
pub const TOLERANCE_SECS: i64 = 300;
/// Accepted decoded key lengths (bytes).
pub const KEY_LEN_RANGE: std::ops::RangeInclusive<usize> = 24..=64;

/// Why a secret cannot be used for signing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    #[error("secret must start with \"whsec_\"")]
    MissingPrefix,
    #[error("secret is not valid base64 after \"whsec_\"")]
    InvalidBase64,
    #[error("secret must decode to 24 to 64 bytes, got {0}")]
    BadLength(usize),
    #[error("at least one secret is required")]
    NoSecrets,
}

/// Why a received message does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("invalid webhook-timestamp header")]
    InvalidTimestamp,
    #[error("message timestamp too old")]
    TimestampTooOld,
    #[error("message timestamp too new")]
    TimestampTooNew,
    #[error("no matching signature found")]
    NoMatchingSignature,
    #[error("invalid signing secret")]
    InvalidSecret,
}

/// A new secret: `whsec_` + standard base64 of 32 random bytes.
pub fn generate_secret() -> String {
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// Checks the `whsec_` prefix and that the rest decodes to 24..=64 bytes.
pub fn validate_secret(secret: &str) -> Result<(), SigningError> {
    decode_secret(secret).map(|_| ())
}

/// The HMAC key of a Standard Webhooks secret (the bytes after `whsec_`).
pub fn decode_secret(secret: &str) -> Result<Vec<u8>, SigningError> {
    let b64 = secret
        .strip_prefix(SECRET_PREFIX)
        .ok_or(SigningError::MissingPrefix)?;
    let key = STANDARD
        .decode(b64)
        .map_err(|_| SigningError::InvalidBase64)?;
    if !KEY_LEN_RANGE.contains(&key.len()) {
        return Err(SigningError::BadLength(key.len()));
    }
    Ok(key)
}

fn mac_v1(key: &[u8], msg_id: &str, timestamp: i64, body: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// One Standard Webhooks signature: `v1,<base64 HMAC-SHA256(key, "{id}.{ts}.{body}")>`.
pub fn sign(
    secret: &str,
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, SigningError> {
    let key = decode_secret(secret)?;
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac_v1(&key, msg_id, timestamp, body))
    ))
}

/// The `webhook-signature` header value: one `v1,…` per secret, space-separated
/// (several during secret rotation), in the order given.
pub fn signature_header(
    secrets: &[&str],
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, SigningError> {
    if secrets.is_empty() {
        return Err(SigningError::NoSecrets);
    }
    let sigs = secrets
        .iter()
        .map(|s| sign(s, msg_id, timestamp, body))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(sigs.join(" "))
}

/// The `X-Herald-Signature` value: `sha256=<hex HMAC-SHA256(secret as UTF-8, "{ts}.{body}")>`.
/// The key is the whole secret string, `whsec_` included.
pub fn sign_herald(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The `X-Herald-Signature` header for every live secret, newest first, comma-separated
/// (one value outside a rotation): a receiver still on the previous secret keeps
/// verifying until the grace period ends (docs/receiving.md#signatures).
pub fn herald_signature_header(secrets: &[&str], timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|s| sign_herald(s, timestamp, body))
        .collect::<Vec<_>>()
        .join(",")
}

/// Receiver-side check of a Standard Webhooks message. Every secret must be
/// valid; the timestamp must be within ±[`TOLERANCE_SECS`] of `now`; any
/// `v1,` entry of the space-separated header matching any secret verifies.
/// Entries with another version or undecodable base64 are ignored.
pub fn verify(
    secrets: &[&str],
    msg_id: &str,
    timestamp_header: &str,
    signature_header: &str,
    body: &[u8],
    now: i64,
) -> Result<(), VerifyError> {
    if secrets.is_empty() {
        return Err(VerifyError::InvalidSecret);
    }
    let keys = secrets
        .iter()
        .map(|s| decode_secret(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| VerifyError::InvalidSecret)?;
    let ts: i64 = timestamp_header
        .trim()
        .parse()
        .map_err(|_| VerifyError::InvalidTimestamp)?;
    if now.saturating_sub(ts) > TOLERANCE_SECS {
        return Err(VerifyError::TimestampTooOld);
    }
    if ts.saturating_sub(now) > TOLERANCE_SECS {
        return Err(VerifyError::TimestampTooNew);
    }
    let expected: Vec<[u8; 32]> = keys.iter().map(|k| mac_v1(k, msg_id, ts, body)).collect();
    let mut found = subtle::Choice::from(0u8);
    for entry in signature_header.split_whitespace() {
        let Some(("v1", b64)) = entry.split_once(',') else {
            continue;
        };
        let Ok(given) = STANDARD.decode(b64) else {
            continue;
        };
        for exp in &expected {
            found |= exp.as_slice().ct_eq(given.as_slice());
        }
    }
    if bool::from(found) {
        Ok(())
    } else {
        Err(VerifyError::NoMatchingSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (secrets, msg id, timestamp header, signature header, body, now, expected)
    type Case<'a> = (
        Vec<&'a str>,
        &'a str,
        String,
        String,
        &'a [u8],
        i64,
        Result<(), VerifyError>,
    );

    const S1: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID1: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS1: i64 = 1614265330;
    const BODY1: &str = r#"{"test": 2432232314}"#;
    const SIG1: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const S2: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

    #[test]
    fn published_vectors() {
        let cases = [
            (S1, ID1, TS1, BODY1, SIG1),
            (
                S2,
                "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
                1649367553,
                r#"{"email":"test@example.com","username":"test_user"}"#,
                "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
            ),
        ];
        for (secret, id, ts, body, want) in cases {
            assert_eq!(sign(secret, id, ts, body.as_bytes()).unwrap(), want);
            let ts_s = ts.to_string();
            assert_eq!(
                verify(&[secret], id, &ts_s, want, body.as_bytes(), ts),
                Ok(())
            );
        }
    }

    #[test]
    fn generated_secrets_are_valid_and_distinct() {
        let (a, b) = (generate_secret(), generate_secret());
        assert_ne!(a, b);
        for s in [&a, &b] {
            assert!(s.starts_with("whsec_"));
            assert_eq!(decode_secret(s).unwrap().len(), 32);
        }
    }

    #[test]
    fn secret_validation() {
        let b = |n: usize| format!("whsec_{}", STANDARD.encode(vec![7u8; n]));
        let cases: Vec<(String, Result<(), SigningError>)> = vec![
            (S1.into(), Ok(())),
            (b(24), Ok(())),
            (b(64), Ok(())),
            (b(23), Err(SigningError::BadLength(23))),
            (b(65), Err(SigningError::BadLength(65))),
            ("whsec_".into(), Err(SigningError::BadLength(0))),
            (
                "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
                Err(SigningError::MissingPrefix),
            ),
            (
                "whsec_not base64!!".into(),
                Err(SigningError::InvalidBase64),
            ),
        ];
        for (secret, want) in cases {
            assert_eq!(validate_secret(&secret), want, "{secret}");
        }
        assert_eq!(sign("nope", "m", 1, b""), Err(SigningError::MissingPrefix));
    }

    #[test]
    fn rotation_header_lists_each_secret() {
        let h = signature_header(&[S1, S2], ID1, TS1, BODY1.as_bytes()).unwrap();
        let parts: Vec<&str> = h.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], SIG1);
        assert_eq!(parts[1], sign(S2, ID1, TS1, BODY1.as_bytes()).unwrap());
        assert_eq!(
            signature_header(&[], ID1, TS1, b""),
            Err(SigningError::NoSecrets)
        );
    }

    #[test]
    fn verify_cases() {
        use VerifyError::*;
        let body = BODY1.as_bytes();
        let both = signature_header(&[S1, S2], ID1, TS1, body).unwrap();
        let only2 = sign(S2, ID1, TS1, body).unwrap();
        let ts = TS1.to_string();
        #[rustfmt::skip]
        let cases: Vec<Case> = vec![
            (vec![S1], ID1, ts.clone(), SIG1.into(), body, TS1, Ok(())),
            (vec![S1], ID1, ts.clone(), SIG1.into(), body, TS1 + 300, Ok(())),
            (vec![S1], ID1, ts.clone(), SIG1.into(), body, TS1 - 300, Ok(())),
            (vec![S1], ID1, ts.clone(), SIG1.into(), b"{\"test\": 2432232315}", TS1, Err(NoMatchingSignature)),
            (vec![S1], "msg_other", ts.clone(), SIG1.into(), body, TS1, Err(NoMatchingSignature)),
            (vec![S1], ID1, ts.clone(), SIG1.into(), body, TS1 + 301, Err(TimestampTooOld)),
            (vec![S1], ID1, ts.clone(), SIG1.into(), body, TS1 - 301, Err(TimestampTooNew)),
            (vec![S1], ID1, (TS1 + 1).to_string(), SIG1.into(), body, TS1, Err(NoMatchingSignature)),
            (vec![S2], ID1, ts.clone(), SIG1.into(), body, TS1, Err(NoMatchingSignature)),
            (vec![S1], ID1, ts.clone(), "garbage".into(), body, TS1, Err(NoMatchingSignature)),
            (vec![S1], ID1, ts.clone(), "".into(), body, TS1, Err(NoMatchingSignature)),
            (vec![S1], ID1, ts.clone(), "v1,!!!notbase64".into(), body, TS1, Err(NoMatchingSignature)),
            (vec![S1], ID1, ts.clone(), SIG1.replace("v1,", "v2,"), body, TS1, Err(NoMatchingSignature)),
            (vec![S1], ID1, ts.clone(), SIG1.replace("v1,", "v1a,"), body, TS1, Err(NoMatchingSignature)),
            (vec![S1], ID1, ts.clone(), format!("v1a,xyz {SIG1}"), body, TS1, Ok(())),
            (vec![S1], ID1, ts.clone(), format!("v1,AAAA  {SIG1}"), body, TS1, Ok(())),
            (vec![S1], ID1, "abc".into(), SIG1.into(), body, TS1, Err(InvalidTimestamp)),
            (vec![S1], ID1, "".into(), SIG1.into(), body, TS1, Err(InvalidTimestamp)),
            (vec!["whsec_x"], ID1, ts.clone(), SIG1.into(), body, TS1, Err(InvalidSecret)),
            (vec![], ID1, ts.clone(), SIG1.into(), body, TS1, Err(InvalidSecret)),
            // rotation: header carries two signatures, either secret verifies
            (vec![S1], ID1, ts.clone(), both.clone(), body, TS1, Ok(())),
            (vec![S2], ID1, ts.clone(), both.clone(), body, TS1, Ok(())),
            // receiver knows both secrets, header signed with only one
            (vec![S1, S2], ID1, ts.clone(), SIG1.into(), body, TS1, Ok(())),
            (vec![S1, S2], ID1, ts.clone(), only2, body, TS1, Ok(())),
        ];
        for (i, (secrets, id, ts, sig, body, now, want)) in cases.into_iter().enumerate() {
            assert_eq!(verify(&secrets, id, &ts, &sig, body, now), want, "case {i}");
        }
    }

    #[test]
    fn herald_signature() {
        // Independent computation with the hmac crate on a fixed vector.
        let (secret, ts, body) = ("whsec_abc", 1700000000i64, b"{\"a\":1}");
        let mut mac = HmacSha256::new_from_slice(b"whsec_abc").unwrap();
        mac.update(b"1700000000.{\"a\":1}");
        let want = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        // Hard vector computed with python3 hmac.new(secret.encode(), ..., sha256).
        let py = "sha256=2e37df5d4a028c51a7f3133d64ae1e300d2c2c900f1b1d49d4369ad2530f8964";
        let cases = [
            (secret, ts, &body[..], want.as_str()),
            (S1, TS1, BODY1.as_bytes(), py),
        ];
        for (secret, ts, body, want) in cases {
            let got = sign_herald(secret, ts, body);
            assert_eq!(got, want);
            assert_eq!(got.len(), "sha256=".len() + 64);
        }
        assert_ne!(sign_herald(S1, TS1 + 1, BODY1.as_bytes()), py);
    }

    #[test]
    fn herald_signature_header_lists_every_live_secret_newest_first() {
        let one = sign_herald(S1, TS1, BODY1.as_bytes());
        let two = sign_herald(S2, TS1, BODY1.as_bytes());
        let cases: Vec<(Vec<&str>, String)> = vec![
            (vec![S1], one.clone()),
            (vec![S2, S1], format!("{two},{one}")),
            (vec![S1, S2], format!("{one},{two}")),
            (vec![], String::new()),
        ];
        for (secrets, want) in cases {
            assert_eq!(
                herald_signature_header(&secrets, TS1, BODY1.as_bytes()),
                want
            );
        }
    }
}
