//! What one delivery attempt's outcome means: success, retry later, fail the
//! delivery, or fail it and disable the webhook (410 Gone).

pub use domain::ErrorKind;

/// What happened on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A response arrived with this status code.
    Status(u16),
    /// No usable response.
    Error(ErrorKind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Succeeded,
    Retry,
    Fail,
    FailAndDisable,
}

/// 2xx succeed; connect/dns/tls/timeout/http errors and 408, 425, 429, 5xx
/// retry; 410 fails and disables; everything else (1xx, 3xx, other 4xx,
/// out-of-range codes, blocked) fails. `body_too_large` always comes with a status,
/// which decides (docs/delivery.md#responses); alone it would fail.
pub fn classify(outcome: &Outcome) -> Verdict {
    match *outcome {
        Outcome::Status(s) if domain::is_success(s) => Verdict::Succeeded,
        Outcome::Status(408 | 425 | 429 | 500..=599) => Verdict::Retry,
        Outcome::Status(410) => Verdict::FailAndDisable,
        Outcome::Status(_) => Verdict::Fail,
        Outcome::Error(
            ErrorKind::Connect
            | ErrorKind::Dns
            | ErrorKind::Tls
            | ErrorKind::Timeout
            | ErrorKind::Http,
        ) => Verdict::Retry,
        Outcome::Error(ErrorKind::Blocked | ErrorKind::BodyTooLarge) => Verdict::Fail,
    }
}

/// Whether a `Retry-After` header on this status is honoured (429 and 503).
pub fn honours_retry_after(status: u16) -> bool {
    matches!(status, 429 | 503)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written independently of `classify`, as the spec states it.
    fn expected(status: u16) -> Verdict {
        if (200..300).contains(&status) {
            Verdict::Succeeded
        } else if status == 410 {
            Verdict::FailAndDisable
        } else if [408, 425, 429].contains(&status) || status >= 500 {
            Verdict::Retry
        } else {
            Verdict::Fail
        }
    }

    #[test]
    fn every_status() {
        for status in 100..=599u16 {
            assert_eq!(
                classify(&Outcome::Status(status)),
                expected(status),
                "{status}"
            );
        }
        let spot = [
            (200, Verdict::Succeeded),
            (204, Verdict::Succeeded),
            (299, Verdict::Succeeded),
            (301, Verdict::Fail),
            (302, Verdict::Fail),
            (400, Verdict::Fail),
            (404, Verdict::Fail),
            (408, Verdict::Retry),
            (410, Verdict::FailAndDisable),
            (425, Verdict::Retry),
            (429, Verdict::Retry),
            (500, Verdict::Retry),
            (503, Verdict::Retry),
            (599, Verdict::Retry),
            (600, Verdict::Fail),
            (0, Verdict::Fail),
            (101, Verdict::Fail),
        ];
        for (status, want) in spot {
            assert_eq!(classify(&Outcome::Status(status)), want, "{status}");
        }
    }

    #[test]
    fn errors() {
        let cases = [
            (ErrorKind::Connect, Verdict::Retry, "connect"),
            (ErrorKind::Dns, Verdict::Retry, "dns"),
            (ErrorKind::Tls, Verdict::Retry, "tls"),
            (ErrorKind::Timeout, Verdict::Retry, "timeout"),
            (ErrorKind::Http, Verdict::Retry, "http"),
            (ErrorKind::Blocked, Verdict::Fail, "blocked"),
            (ErrorKind::BodyTooLarge, Verdict::Fail, "body_too_large"),
        ];
        assert_eq!(cases.len(), ErrorKind::ALL.len());
        for (kind, verdict, name) in cases {
            assert_eq!(classify(&Outcome::Error(kind)), verdict, "{name}");
            assert_eq!(kind.as_str(), name);
            assert_eq!(kind.to_string(), name);
            assert_eq!(name.parse::<ErrorKind>().ok(), Some(kind));
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{name}\""));
            assert_eq!(
                serde_json::from_str::<ErrorKind>(&format!("\"{name}\"")).unwrap(),
                kind
            );
        }
        for bad in ["", "Connect", "bodyTooLarge", "refused"] {
            assert!(bad.parse::<ErrorKind>().is_err(), "{bad}");
        }
    }

    #[test]
    fn retry_after_statuses() {
        for status in 100..=599u16 {
            assert_eq!(
                honours_retry_after(status),
                status == 429 || status == 503,
                "{status}"
            );
        }
    }
}
