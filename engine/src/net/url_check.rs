//! Webhook URL validation before saving (re-exported from `netguard`):
//! http/https only, a host, at most 2048 characters. Address vetting
//! happens after DNS resolution, in `netguard::vet`.

/// Longest accepted webhook URL.
pub const MAX_URL_LEN: usize = 2048;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("must be at most {MAX_URL_LEN} characters")]
    TooLong,
    #[error("is not a valid URL: {0}")]
    Invalid(String),
    #[error("must be an http or https URL")]
    Scheme,
    #[error("must have a host")]
    NoHost,
}

/// Checks a webhook URL before it is saved: at most 2048 characters, http or
/// https, with a host. Userinfo is allowed. Returns the parsed URL.
pub fn check_url(url: &str) -> Result<url::Url, UrlError> {
    if url.len() > MAX_URL_LEN {
        return Err(UrlError::TooLong);
    }
    let parsed = match url::Url::parse(url.trim()) {
        Ok(u) => u,
        Err(url::ParseError::EmptyHost) => return Err(UrlError::NoHost),
        Err(e) => return Err(UrlError::Invalid(e.to_string())),
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(UrlError::Scheme);
    }
    // WHATWG parsing forgives `https:///x` (host "x") and `http:host`;
    // require the literal `scheme://host` form instead.
    let rest = url.split_once(':').map_or("", |(_, rest)| rest);
    let Some(authority) = rest
        .strip_prefix("//")
        .or_else(|| rest.strip_prefix("\\\\"))
    else {
        return Err(UrlError::Invalid(
            "must start with http:// or https://".into(),
        ));
    };
    if authority.starts_with(['/', '\\']) {
        return Err(UrlError::NoHost);
    }
    match parsed.host_str() {
        Some(h) if !h.is_empty() => Ok(parsed),
        _ => Err(UrlError::NoHost),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let long = format!("https://example.com/{}", "a".repeat(2030));
        #[rustfmt::skip]
        let cases: Vec<(&str, Result<&str, UrlError>)> = vec![
            ("https://example.com/hook", Ok("example.com")),
            ("http://127.0.0.1:8080/x?y=1", Ok("127.0.0.1")),
            ("http://[::1]:3000/", Ok("[::1]")),
            ("https://user:pw@example.com/", Ok("example.com")),
            ("HTTPS://EXAMPLE.com", Ok("example.com")),
            ("  https://example.com  ", Ok("example.com")),
            ("http://0x7f.1/", Ok("127.0.0.1")),
            ("ftp://example.com/", Err(UrlError::Scheme)),
            ("file:///etc/passwd", Err(UrlError::Scheme)),
            ("javascript:alert(1)", Err(UrlError::Scheme)),
            ("http://", Err(UrlError::NoHost)),
            ("https:///path", Err(UrlError::NoHost)),
            ("https:////path", Err(UrlError::NoHost)),
            ("http:\\\\\\evil", Err(UrlError::NoHost)),
            (&long, Err(UrlError::TooLong)),
        ];
        for (input, want) in cases {
            let got = check_url(input).map(|u| u.host_str().unwrap_or_default().to_string());
            assert_eq!(got.as_deref().map_err(Clone::clone), want, "{input}");
        }
        for bad in [
            "example.com/hook",
            "",
            "not a url",
            "http://exa mple.com",
            "http:example.com",
        ] {
            assert!(matches!(check_url(bad), Err(UrlError::Invalid(_))), "{bad}");
        }
        assert_eq!(UrlError::Scheme.to_string(), "must be an http or https URL");
        assert_eq!(UrlError::NoHost.to_string(), "must have a host");
    }
}
