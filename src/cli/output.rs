//! How the client commands print: aligned tables and `key  value` blocks for people,
//! the server's JSON for scripts (`--json`), short ids and readable times.
use std::io::Write;

use serde_json::Value;

use super::{CliError, CliResult};

/// Prints one JSON document (pretty, then a newline).
pub fn print_json(value: &Value) -> CliResult {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::failed(format!("cannot print JSON: {e}")))?;
    out(&format!("{text}\n"))
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth a message.
pub fn out(text: &str) -> CliResult {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::failed(format!("cannot write output: {e}"))),
    }
}

/// A table with a header row; columns are padded to their widest cell.
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table {
            rows: vec![header.iter().map(|h| h.to_string()).collect()],
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let width = |c: usize| {
            self.rows
                .iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..columns).map(width).collect();
        let mut text = String::new();
        for row in &self.rows {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                if c + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    let pad = widths[c] - cell.chars().count();
                    line.push_str(cell);
                    line.push_str(&" ".repeat(pad + 2));
                }
            }
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text
    }

    pub fn print(&self) -> CliResult {
        out(&self.render())
    }
}

/// `key  value` lines with the keys aligned.
pub fn fields(pairs: &[(&str, String)]) -> String {
    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    pairs
        .iter()
        .map(|(k, v)| format!("{k:width$}  {v}\n"))
        .collect()
}

/// The prefix and the last 6 characters: `evt_01JD…(26)` → `evt_…X4K2QZ`.
pub fn short_id(id: &str) -> String {
    match id.split_once('_') {
        Some((prefix, rest)) if rest.chars().count() > 8 => {
            let tail: String = rest.chars().skip(rest.chars().count() - 6).collect();
            format!("{prefix}_…{tail}")
        }
        _ => id.to_string(),
    }
}

/// `2024-11-22T08:00:00Z` → `2024-11-22 08:00:00`; `-` for none.
pub fn time(v: &Value) -> String {
    match v.as_str() {
        Some(s) => s.replacen('T', " ", 1).trim_end_matches('Z').to_string(),
        None => "-".into(),
    }
}

/// A JSON scalar as text; `-` for null or missing.
pub fn text(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) if s.is_empty() => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Cuts to `max` characters, ending in `…`.
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A list of strings joined with `, `.
pub fn list(v: &Value) -> String {
    let items: Vec<&str> = v
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if items.is_empty() {
        "-".into()
    } else {
        items.join(", ")
    }
}

/// `1 delivery`, `3 deliveries`.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables_align() {
        let mut t = Table::new(&["ID", "NAME", "URL"]);
        t.row(vec!["wh_1".into(), "a-long-name".into(), "http://x".into()]);
        t.row(vec!["wh_22".into(), "é".into(), "".into()]);
        assert_eq!(
            t.render(),
            "ID     NAME         URL\nwh_1   a-long-name  http://x\nwh_22  é\n"
        );
    }

    #[test]
    fn formatting() {
        assert_eq!(short_id("evt_01JD5Z8Q3W4X5Y6Z7A8B9C0D1E"), "evt_…9C0D1E");
        assert_eq!(short_id("wh_short"), "wh_short");
        assert_eq!(time(&json!("2024-11-22T08:00:00Z")), "2024-11-22 08:00:00");
        assert_eq!(time(&json!(null)), "-");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abc", 4), "abc");
        assert_eq!(list(&json!(["a", "b"])), "a, b");
        assert_eq!(plural(1, "delivery", "deliveries"), "1 delivery");
        assert_eq!(
            fields(&[("id", "x".into()), ("name", "y".into())]),
            "id    x\nname  y\n"
        );
    }
}
