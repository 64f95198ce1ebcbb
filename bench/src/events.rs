//! The request bodies the generator sends: events for Herald (one, or a batch) and, for
//! the raw baseline, a signed envelope like Herald's own deliveries. Every event carries
//! `data.sent_at_ns` (when it was sent, or scheduled to be sent), from which the receiver
//! measures ingest→arrival.
use bytes::Bytes;

pub const EVENT_TYPE: &str = "evaluation.failed";

/// One event as JSON text.
pub fn event(sent_at_ns: u64, seq: u64) -> String {
    format!(
        r#"{{"type":"{EVENT_TYPE}","project":"bench","severity":"high","source":"experiment","data":{{"evaluator":"hallucination","score":0.42,"sample":{seq},"sent_at_ns":{sent_at_ns}}}}}"#
    )
}

/// One event of `tenant` (docs/tenants.md) as JSON text: measured like [`event`] when
/// stamped with `sent_at_ns`, otherwise without it (the receiver measures nothing).
pub fn tenant_event(tenant: &str, sent_at_ns: Option<u64>, seq: u64) -> String {
    let e = match sent_at_ns {
        Some(t) => event(t, seq),
        None => format!(
            r#"{{"type":"{EVENT_TYPE}","project":"bench","severity":"high","source":"experiment","data":{{"evaluator":"hallucination","score":0.42,"sample":{seq}}}}}"#
        ),
    };
    format!(r#"{{"tenant":"{tenant}",{}"#, &e[1..])
}

/// `{"events": [...]}` with `n` unmeasured events of `tenant`.
pub fn tenant_batch(tenant: &str, first_seq: u64, n: usize) -> Bytes {
    let events: Vec<String> = (0..n as u64)
        .map(|i| tenant_event(tenant, None, first_seq + i))
        .collect();
    Bytes::from(format!(r#"{{"events":[{}]}}"#, events.join(",")))
}

/// `{"events": [...]}` with `n` events.
pub fn batch(sent_at_ns: u64, first_seq: u64, n: usize) -> Bytes {
    let mut s = String::with_capacity(n * 200 + 16);
    s.push_str(r#"{"events":["#);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&event(sent_at_ns, first_seq + i as u64));
    }
    s.push_str("]}");
    Bytes::from(s)
}

/// A body shaped like Herald's `envelope` delivery of one event (about the same size).
pub fn raw_envelope(sent_at_ns: u64, seq: u64, id: &str) -> Bytes {
    Bytes::from(format!(
        r#"{{"request":{{"id":"req_01JBENCHRAWREQUEST0000000000","idempotency_key":"{id}","attempt":1}},"events":[{{"id":"evt_01JBENCHRAWEVENT00000000000","object":"evaluation_result","type":"{EVENT_TYPE}","created":1732262400000,"created_at":"2024-11-22T08:00:00Z","source":"experiment","project":"bench","severity":"high","subject":null,"data":{{"evaluation_result":{{"evaluator":"hallucination","score":0.42,"sample":{seq},"sent_at_ns":{sent_at_ns}}}}},"metadata":null}}]}}"#
    ))
}

/// The headers Herald would send with `body`, signed with `secret`: the raw baseline signs
/// every request exactly as Herald does (both signatures).
pub fn signed_headers(secret: &str, id: &str, body: &[u8]) -> Vec<(&'static str, String)> {
    let ts = (crate::now_ns() / 1_000_000_000) as i64;
    let sig = engine::rules::signing::sign(secret, id, ts, body).unwrap_or_default();
    vec![
        ("content-type", "application/json".into()),
        ("user-agent", "Herald/bench".into()),
        ("webhook-id", id.to_string()),
        ("webhook-timestamp", ts.to_string()),
        ("webhook-signature", sig),
        ("x-herald-timestamp", ts.to_string()),
        (
            "x-herald-signature",
            engine::rules::signing::sign_herald(secret, ts, body),
        ),
        ("x-herald-event-type", EVENT_TYPE.into()),
        ("x-herald-attempt", "1".into()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_json() {
        let b: serde_json::Value = serde_json::from_slice(&batch(7, 0, 3)).unwrap();
        assert_eq!(b["events"].as_array().unwrap().len(), 3);
        assert_eq!(b["events"][2]["data"]["sent_at_ns"], 7);
        let t: serde_json::Value = serde_json::from_slice(&tenant_batch("acme", 0, 2)).unwrap();
        assert_eq!(t["events"][1]["tenant"], "acme");
        assert!(t["events"][1]["data"].get("sent_at_ns").is_none());
        let m: serde_json::Value = serde_json::from_str(&tenant_event("acme", Some(5), 1)).unwrap();
        assert_eq!(
            (m["tenant"].as_str(), m["data"]["sent_at_ns"].as_u64()),
            (Some("acme"), Some(5))
        );
        let r: serde_json::Value = serde_json::from_slice(&raw_envelope(9, 1, "dlv_x")).unwrap();
        assert_eq!(r["events"][0]["data"]["evaluation_result"]["sent_at_ns"], 9);
    }

    #[test]
    fn raw_headers_verify() {
        let secret = engine::rules::signing::generate_secret();
        let body = raw_envelope(1, 1, "dlv_1");
        let h = signed_headers(&secret, "dlv_1", &body);
        let get = |k: &str| h.iter().find(|(n, _)| *n == k).unwrap().1.clone();
        let now = (crate::now_ns() / 1_000_000_000) as i64;
        engine::rules::signing::verify(
            &[&secret],
            "dlv_1",
            &get("webhook-timestamp"),
            &get("webhook-signature"),
            &body,
            now,
        )
        .unwrap();
    }
}
