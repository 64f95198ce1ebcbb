//! Time as the console's `datetime-local` inputs want it.

/// `ms` as `YYYY-MM-DDTHH:MM` UTC, the value format of `<input type="datetime-local">`.
pub fn datetime_local(ms: i64) -> String {
    let t = engine::clock::rfc3339(ms);
    t.get(..16).unwrap_or(&t).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_local_format() {
        assert_eq!(datetime_local(0), "1970-01-01T00:00");
    }
}
