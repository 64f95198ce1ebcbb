//! Signature checks for `herald listen`: both headers Herald sends (docs/receiving.md#signatures)
//! against the secrets the user gave. The Standard Webhooks check is the engine's verifier;
//! `X-Herald-Signature` may carry several comma-separated `sha256=` values.
use engine::rules::signing::{self, TOLERANCE_SECS};
use http::HeaderMap;

/// Whether a request verifies, and if not, why (for `signature: NOT VERIFIED (<why>)`).
pub fn check(secrets: &[String], headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), String> {
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    standard(&secrets, headers, body, now).map_err(|e| format!("webhook-signature: {e}"))?;
    herald(&secrets, headers, body, now).map_err(|e| format!("X-Herald-Signature: {e}"))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, String> {
    headers
        .get(name)
        .ok_or_else(|| format!("missing {name} header"))?
        .to_str()
        .map_err(|_| format!("{name} is not text"))
}

fn standard(secrets: &[&str], headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), String> {
    let id = header(headers, "webhook-id")?;
    let ts = header(headers, "webhook-timestamp")?;
    let sig = header(headers, "webhook-signature")?;
    signing::verify(secrets, id, ts, sig, body, now).map_err(|e| e.to_string())
}

fn herald(secrets: &[&str], headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), String> {
    let ts_text = header(headers, "X-Herald-Timestamp")?;
    let sig = header(headers, "X-Herald-Signature")?;
    let ts: i64 = ts_text
        .trim()
        .parse()
        .map_err(|_| "invalid X-Herald-Timestamp header".to_string())?;
    if (now - ts).abs() > TOLERANCE_SECS {
        return Err(format!(
            "timestamp {} s away from this clock (more than {TOLERANCE_SECS} s)",
            now - ts
        ));
    }
    let expected: Vec<String> = secrets
        .iter()
        .map(|s| signing::sign_herald(s, ts, body))
        .collect();
    let mut found = false;
    for given in sig
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        for want in &expected {
            found |= same(given.as_bytes(), want.as_bytes());
        }
    }
    if found {
        Ok(())
    } else {
        Err("no matching signature found".into())
    }
}

/// Constant-time comparison (length is not secret).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const S1: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const S2: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const TS: i64 = 1_700_000_000;
    const BODY: &[u8] = br#"{"a":1}"#;

    fn signed(std_secrets: &[&str], herald_value: String, ts: i64) -> HeaderMap {
        let mut h = HeaderMap::new();
        let sig = signing::signature_header(std_secrets, "dlv_1", ts, BODY).unwrap();
        h.insert("webhook-id", "dlv_1".parse().unwrap());
        h.insert("webhook-timestamp", ts.to_string().parse().unwrap());
        h.insert("webhook-signature", sig.parse().unwrap());
        h.insert("x-herald-timestamp", ts.to_string().parse().unwrap());
        h.insert("x-herald-signature", herald_value.parse().unwrap());
        h
    }

    #[test]
    fn verdicts() {
        let good = signed(&[S1], signing::sign_herald(S1, TS, BODY), TS);
        let rotating = signed(
            &[S2, S1],
            format!(
                "{},{}",
                signing::sign_herald(S2, TS, BODY),
                signing::sign_herald(S1, TS, BODY)
            ),
            TS,
        );
        let herald_wrong = signed(&[S1], signing::sign_herald(S2, TS, BODY), TS);
        let mut missing = good.clone();
        missing.remove("x-herald-signature");
        let s1 = vec![S1.to_string()];
        assert_eq!(check(&s1, &good, BODY, TS + 10), Ok(()));
        assert_eq!(check(&s1, &rotating, BODY, TS), Ok(()));
        assert_eq!(
            check(&[S2.to_string(), S1.to_string()], &good, BODY, TS),
            Ok(())
        );
        let err = |s: &[String], h: &HeaderMap, body: &[u8], now: i64| {
            check(s, h, body, now).unwrap_err()
        };
        assert!(
            err(&[S2.to_string()], &good, BODY, TS).starts_with("webhook-signature: no matching")
        );
        assert!(err(&s1, &good, b"{\"a\":2}", TS).starts_with("webhook-signature"));
        assert!(err(&s1, &good, BODY, TS + 301).contains("too old"));
        assert!(err(&s1, &herald_wrong, BODY, TS).starts_with("X-Herald-Signature: no matching"));
        assert_eq!(
            err(&s1, &missing, BODY, TS),
            "X-Herald-Signature: missing X-Herald-Signature header"
        );
    }
}
