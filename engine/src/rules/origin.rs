//! Whether a webhook's stored protected header values may go to a URL (docs/security.md,
//! finding 6): only when the URL's origin (scheme, host, port) is the saved URL's. A
//! changed origin could be anyone's server, so "Validate webhook" then asks for the values
//! again instead of filling them in.
use url::Url;

/// True when both URLs parse and share scheme, host and port (default ports included).
pub fn same_origin(saved: &str, candidate: &str) -> bool {
    match (Url::parse(saved.trim()), Url::parse(candidate.trim())) {
        (Ok(a), Ok(b)) => {
            let (a, b) = (a.origin(), b.origin());
            a.is_tuple() && a == b
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        let saved = "https://hooks.example.com/a?x=1";
        let cases = [
            ("https://hooks.example.com/other/path", true),
            ("https://HOOKS.example.com:443/a", true),
            ("https://hooks.example.com.", false),
            ("http://hooks.example.com/a", false),
            ("https://hooks.example.com:8443/a", false),
            ("https://evil.example.com/a", false),
            ("https://hooks.example.com@evil.example/a", false),
            ("not a url", false),
        ];
        for (candidate, want) in cases {
            assert_eq!(same_origin(saved, candidate), want, "{candidate}");
        }
        assert!(same_origin("http://127.0.0.1:80/x", "http://127.0.0.1/y"));
        assert!(!same_origin(
            "http://127.0.0.1:8080/x",
            "http://127.0.0.1:8081/x"
        ));
    }
}
