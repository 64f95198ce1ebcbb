//! Tests for the template language: parse error positions, rendering of
//! paths and values, every filter, escapes and `check`.

use super::*;
use serde_json::json;

fn ctx() -> Value {
    json!({
        "s": "Hello World", "n": 0.873, "one": 1, "i": 42, "zero": 0,
        "neg": -0.0001, "f": 1.23456, "t": true, "nul": null, "empty": "",
        "obj": {"a": 1, "b": [1, 2]},
        "arr": [{"name": "first"}, {"name": "second"}],
        "uni": "héllo wörld ✓", "half": 0.5, "big": 1e300,
        "dash-key": "dashed", "$ref": "dollar", "3": "numeric key"
    })
}

fn render(src: &str) -> String {
    Template::parse(src)
        .unwrap_or_else(|e| panic!("{src:?} failed to parse: {e}"))
        .render(&ctx())
}

#[test]
fn parse_error_positions() {
    let cases: &[(&str, usize, usize, &str)] = &[
        ("Hello {{ name", 1, 7, "unclosed `{{`"),
        ("a\nb\n  {{", 3, 3, "unclosed `{{`"),
        ("{{ }}", 1, 4, "empty path"),
        ("{{|upper}}", 1, 3, "empty path"),
        ("{{ .x }}", 1, 4, "unexpected `.` in path"),
        ("{{ data..score }}", 1, 9, "empty path segment"),
        ("{{ data. }}", 1, 9, "empty path segment"),
        (
            "{{ data.score extra }}",
            1,
            15,
            "expected `|` or `}}`, found `e`",
        ),
        (
            "line one\n  {{ data.score | bogus }}",
            2,
            19,
            "unknown filter `bogus`",
        ),
        ("{{ x | }}", 1, 8, "expected a filter name"),
        (
            "{{ data.score | round(11) }}",
            1,
            23,
            "round needs an integer",
        ),
        ("{{ x | round(-1) }}", 1, 14, "round needs an integer"),
        ("{{ x | round }}", 1, 8, "round needs an integer"),
        ("{{ x | round(\"2\") }}", 1, 14, "round needs an integer"),
        (
            "{{ x | round() }}",
            1,
            14,
            "expected an argument, found `)`",
        ),
        ("{{ x | round(2 }}", 1, 16, "expected `)`, found `}}`"),
        ("{{ x | truncate(0) }}", 1, 17, "truncate needs an integer"),
        (
            "{{ x | truncate(\"5\") }}",
            1,
            17,
            "truncate needs an integer",
        ),
        (
            "{{ x | truncate(99999999999999999999) }}",
            1,
            17,
            "truncate needs",
        ),
        ("{{ x | default }}", 1, 8, "default needs a quoted string"),
        (
            "{{ x | default(n/a) }}",
            1,
            16,
            "expected an argument, found `n`",
        ),
        (
            "{{ x | default(3) }}",
            1,
            16,
            "default needs a quoted string",
        ),
        (
            "{{ x | upper(1) }}",
            1,
            13,
            "filter `upper` takes no arguments",
        ),
        (
            "{{ x | json() }}",
            1,
            12,
            "filter `json` takes no arguments",
        ),
        (
            "ok }} fine\n{{ a | default(\"x) }}",
            2,
            16,
            "unterminated string",
        ),
        ("{{ a \"b }}", 1, 6, "unterminated string"),
        ("日本語 {{ 名前 | nope }}", 1, 13, "unknown filter `nope`"),
        ("{{ a {{ b }}", 1, 6, "expected `|` or `}}`, found `{`"),
    ];
    for (src, line, column, needle) in cases {
        let err = Template::parse(src).expect_err(src);
        assert_eq!((err.line, err.column), (*line, *column), "{src:?}: {err}");
        assert!(
            err.message.contains(needle),
            "{src:?}: {:?} lacks {needle:?}",
            err.message
        );
    }
}

#[test]
fn error_display_has_position() {
    let err = parse("{{ x | nope }}").unwrap_err();
    assert!(
        err.to_string().starts_with("1:8: unknown filter `nope`"),
        "{err}"
    );
}

#[test]
fn valid_templates_parse() {
    for src in [
        "",
        "no braces }} here",
        "\\{{ literal }}",
        "{{x}}",
        "{{ x|upper|lower }}",
        "{{ a | default('it\"s') }}",
        "{{ a | default(\"}}\") }}",
        "{{\n  data.items.0.name\n  | truncate( 5 )\n}}",
    ] {
        assert!(parse(src).is_ok(), "{src:?}: {:?}", parse(src));
    }
}

#[test]
fn paths_and_values() {
    let cases: &[(&str, &str)] = &[
        ("{{ s }}", "Hello World"),
        ("{{s}}", "Hello World"),
        ("{{ n }}", "0.873"),
        ("{{ i }}", "42"),
        ("{{ t }}", "true"),
        ("{{ nul }}", ""),
        ("[{{ missing.path }}]", "[]"),
        ("{{ obj }}", "{\"a\":1,\"b\":[1,2]}"),
        ("{{ obj.b }}", "[1,2]"),
        ("{{ obj.b.0 }}", "1"),
        ("{{ arr.1.name }}", "second"),
        ("[{{ arr.5.name }}]", "[]"),
        ("[{{ s.x }}]", "[]"),
        (
            "{{ dash-key }} {{ $ref }} {{ 3 }}",
            "dashed dollar numeric key",
        ),
        ("a }} b", "a }} b"),
        ("\\{{ s }} is {{ s }}", "{{ s }} is Hello World"),
        ("back\\slash {{ i }}", "back\\slash 42"),
        ("line 1\n{{ i }}\nline 3", "line 1\n42\nline 3"),
    ];
    for (src, want) in cases {
        assert_eq!(render(src), *want, "{src:?}");
    }
}

#[test]
fn filters() {
    let cases: &[(&str, &str)] = &[
        ("{{ n | percent }}", "87.3%"),
        ("{{ one | percent }}", "100%"),
        ("{{ half | percent }}", "50%"),
        ("{{ zero | percent }}", "0%"),
        ("{{ neg | percent }}", "0%"),
        ("{{ f | percent }}", "123.5%"),
        ("{{ s | percent }}", "Hello World"),
        ("[{{ missing | percent }}]", "[]"),
        ("{{ f | round(2) }}", "1.23"),
        ("{{ f | round(0) }}", "1"),
        ("{{ n | round(1) }}", "0.9"),
        ("{{ half | round(3) }}", "0.5"),
        ("{{ i | round(2) }}", "42"),
        ("{{ s | round(2) }}", "Hello World"),
        ("{{ n | round(2) | percent }}", "87%"),
        ("{{ s | upper }}", "HELLO WORLD"),
        ("{{ s | lower }}", "hello world"),
        ("{{ uni | upper }}", "HÉLLO WÖRLD ✓"),
        ("{{ i | upper }}", "42"),
        ("{{ missing | default(\"n/a\") }}", "n/a"),
        ("{{ nul | default(\"n/a\") }}", "n/a"),
        ("{{ empty | default('n/a') }}", "n/a"),
        ("{{ zero | default(\"n/a\") }}", "0"),
        ("{{ t | default(\"n/a\") }}", "true"),
        ("{{ s | default(\"n/a\") }}", "Hello World"),
        ("{{ x | default(\"say \\\"hi\\\"\") }}", "say \"hi\""),
        ("{{ s | json }}", "\"Hello World\""),
        ("{{ missing | json }}", "null"),
        ("{{ nul | json }}", "null"),
        ("{{ i | json }}", "42"),
        ("{{ obj | json }}", "{\"a\":1,\"b\":[1,2]}"),
        ("{{ s | truncate(5) }}", "Hell…"),
        ("{{ s | truncate(7) }}", "Hello…"),
        ("{{ s | truncate(11) }}", "Hello World"),
        ("{{ s | truncate(1) }}", "…"),
        ("{{ uni | truncate(4) }}", "hél…"),
        ("{{ obj | truncate(6) }}", "{\"a\":…"),
        ("{{ i | truncate(1) }}", "…"),
        ("{{ missing | truncate(3) | default(\"d\") }}", "d"),
        ("{{ s | upper | truncate(8) }}", "HELLO W…"),
        ("{{ s | truncate(8) | upper }}", "HELLO W…"),
        ("{{ uni | json | truncate(5) }}", "\"hél…"),
        ("{{ s | lower | default(\"x\") | upper }}", "HELLO WORLD"),
    ];
    for (src, want) in cases {
        assert_eq!(render(src), *want, "{src:?}");
    }
}

#[test]
fn huge_numbers_do_not_panic() {
    let out = render("{{ big | percent }} {{ big | round(10) }}");
    assert!(out.ends_with("1e+300"), "{out}");
    assert!(out.starts_with('1') && out.contains("% "), "{out}");
}

#[test]
fn render_with_escapes_only_expressions() {
    let t = parse("<b>{{ v }}</b>").unwrap();
    let out = t.render_with(&json!({"v": "<!channel> & co"}), |s| s.replace('<', "&lt;"));
    assert_eq!(out, "<b>&lt;!channel> & co</b>");
}

#[test]
fn truncate_chars_edges() {
    assert_eq!(truncate_chars("abc", 0), "");
    assert_eq!(truncate_chars("", 0), "");
    assert_eq!(truncate_chars("abc", 3), "abc");
    assert_eq!(truncate_chars("abcd", 3), "ab…");
    assert_eq!(truncate_chars("🎉🎉🎉🎉", 2), "🎉…");
    assert_eq!(truncate_chars("a    b", 5), "a…");
}

#[test]
fn check_rejects_empty_renders() {
    let example = ctx();
    assert_eq!(check("{{ s }}", &example), Ok(()));
    for src in ["{{ missing }}", "  {{ nul }}  \n", "{{ empty }}\t"] {
        let err = check(src, &example).unwrap_err();
        assert_eq!((err.line, err.column), (1, 1), "{src:?}");
        assert_eq!(err.message, EMPTY_RENDER_MESSAGE);
    }
    let err = check("ok\n{{ s | nope }}", &example).unwrap_err();
    assert_eq!((err.line, err.column), (2, 8));
}

#[test]
fn paths_lists_expressions() {
    let t = parse("a {{ data.x | upper }} b {{project}} \\{{ not.this }}").unwrap();
    assert_eq!(t.paths(), ["data.x", "project"]);
    assert!(Template::default().paths().is_empty());
    assert_eq!(Template::default().render(&ctx()), "");
}
