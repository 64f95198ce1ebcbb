//! Tests for the template language: parse error positions, rendering of
//! paths and values, every filter, escapes and `check`; then the minijinja
//! side: `{% if %}` and `{% for %}` tags, delimiters that stay literal,
//! positions of tag and run-time errors, escaping in tags, and fuel.

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

// ---- minijinja: tags, literal delimiters, errors, bounds ------------------

#[test]
fn if_tags() {
    let cases: &[(&str, &str)] = &[
        ("{% if t %}yes{% endif %}", "yes"),
        ("{% if nul %}yes{% else %}no{% endif %}", "no"),
        ("{% if missing %}yes{% else %}no{% endif %}", "no"),
        ("{% if missing.deep.path %}yes{% else %}no{% endif %}", "no"),
        (
            "{% if n > 0.9 %}high{% elif n > 0.5 %}mid{% else %}low{% endif %}",
            "mid",
        ),
        (
            "{% if s == \"Hello World\" and i >= 42 %}both{% endif %}",
            "both",
        ),
        ("{% if not empty %}empty{% endif %}", "empty"),
        ("{% if obj.b | json == '[1,2]' %}list{% endif %}", "list"),
        (
            "{% if s | lower == 'hello world' %}lower{% endif %}",
            "lower",
        ),
        (
            "{% if missing | default('x') == 'x' %}dflt{% endif %}",
            "dflt",
        ),
        (
            "{% if i is defined and missing is undefined %}tests{% endif %}",
            "tests",
        ),
        (
            "{% if nul is none and i is not none %}none{% endif %}",
            "none",
        ),
        ("{% if obj[\"a\"] == 1 %}item{% endif %}", "item"),
        ("{% if 2 in obj.b %}in{% endif %}", "in"),
        // Whitespace control, as in Jinja.
        ("a  {%- if t -%}  b  {%- endif -%}  c", "abc"),
        // Expressions print as always inside a branch.
        (
            "{% if t %}{{ n | percent }} of {{ arr.0.name | upper }}{% endif %}",
            "87.3% of FIRST",
        ),
        ("{% if t %}\\{{ s }}{% endif %}", "{{ s }}"),
    ];
    for (src, want) in cases {
        assert_eq!(render(src), *want, "{src:?}");
    }
}

#[test]
fn for_tags() {
    let cases: &[(&str, &str)] = &[
        (
            "{% for x in arr %}{{ x.name }}{% if not loop.last %}, {% endif %}{% endfor %}",
            "first, second",
        ),
        (
            "{% for x in arr %}{{ loop.index }}. {{ x.name | upper }}\n{% endfor %}",
            "1. FIRST\n2. SECOND\n",
        ),
        ("{% for x in obj.b %}[{{ x }}]{% endfor %}", "[1][2]"),
        (
            "{% for x in missing %}x{% else %}nothing{% endfor %}",
            "nothing",
        ),
        (
            "{% for x in empty %}x{% else %}nothing{% endfor %}",
            "nothing",
        ),
        ("{% for k in obj %}{{ k }};{% endfor %}", "a;b;"),
        (
            "{% for x in arr %}{% for y in obj.b %}{{ x.name }}{{ y }} {% endfor %}{% endfor %}",
            "first1 first2 second1 second2 ",
        ),
        // Loop variables take Herald's path syntax in `{{ }}`.
        (
            "{% for r in rows %}{{ r.x-y }}/{{ r.items.1 }}/{{ r.$k }} {% endfor %}",
            "a/2/d b/4/e ",
        ),
        ("{% for x in arr %}\\{{ x }}{% endfor %}", "{{ x }}{{ x }}"),
    ];
    let mut c = ctx();
    c["rows"] = json!([
        {"x-y": "a", "items": [1, 2], "$k": "d"},
        {"x-y": "b", "items": [3, 4], "$k": "e"}
    ]);
    for (src, want) in cases {
        let out = parse(src)
            .unwrap_or_else(|e| panic!("{src:?}: {e}"))
            .render(&c);
        assert_eq!(out, *want, "{src:?}");
    }
}

#[test]
fn delimiters_that_open_nothing_stay_literal() {
    let cases: &[(&str, &str)] = &[
        ("{# not a comment #} {{ i }}", "{# not a comment #} 42"),
        ("50 {% done", "50 {% done"),
        ("{%}", "{%}"),
        ("{% iff %} {%- 5 %}", "{% iff %} {%- 5 %}"),
        ("100%} and #} and }}", "100%} and #} and }}"),
        ("a{ {{ i }} {", "a{ 42 {"),
        ("{", "{"),
        ("{#", "{#"),
        ("\\{{ a }} \\{{{ i }}", "{{ a }} {{{ i }}"),
        ("keep\n", "keep\n"),
        ("\n\n{{ i }}\n\n", "\n\n42\n\n"),
    ];
    for (src, want) in cases {
        assert_eq!(render(src), *want, "{src:?}");
    }
}

#[test]
fn default_strings_survive_translation() {
    for fallback in [
        "a\"b",
        "back\\slash",
        "new\nline",
        "}} %} #} {{ {% {#",
        "{% endraw %}",
        "tab\tend",
        "日本",
    ] {
        let mut literal = String::from("\"");
        for c in fallback.chars() {
            match c {
                '"' => literal.push_str("\\\""),
                '\\' => literal.push_str("\\\\"),
                '\n' => literal.push_str("\\n"),
                '\t' => literal.push_str("\\t"),
                c => literal.push(c),
            }
        }
        literal.push('"');
        let src = format!("{{{{ missing | default({literal}) }}}}");
        assert_eq!(render(&src), fallback, "{src:?}");
    }
}

#[test]
fn tag_errors_have_positions() {
    let cases: &[(&str, usize, usize, &str)] = &[
        ("{% set x = 1 %}", 1, 4, "unsupported tag `set`"),
        ("{% raw", 1, 4, "unsupported tag `raw`"),
        ("a\n {%- include 'x' %}", 2, 6, "unsupported tag `include`"),
        (
            "{% if s | bogus %}x{% endif %}",
            1,
            11,
            "unknown filter `bogus`",
        ),
        (
            "{% for x in arr | sort %}{% endfor %}",
            1,
            19,
            "unknown filter `sort`",
        ),
        ("{% if s is odd %}x{% endif %}", 1, 12, "unknown test `odd`"),
        (
            "{% if s is not even %}x{% endif %}",
            1,
            16,
            "unknown test `even`",
        ),
        (
            "{% for x in arr recursive %}{% endfor %}",
            1,
            17,
            "recursive loops are not supported",
        ),
        ("ok\n{% if s ", 2, 1, "unclosed `{%`"),
        ("{% if s == 'x %}", 1, 12, "unterminated string"),
        ("a\n  {% endif %}", 2, 6, "unknown statement endif"),
        ("{% if s %}yes", 1, 11, "unexpected end of input"),
        ("x\n\n {% for %}{% endfor %}", 3, 9, "syntax error"),
        ("日本語 {% if %}{% endif %}", 1, 11, "syntax error"),
        (
            "{{ s\n | upper\n }}\n{% if %}{% endif %}",
            4,
            7,
            "syntax error",
        ),
        ("\\{{ x }} {% if %}{% endif %}", 1, 16, "syntax error"),
        ("{# #}{% if %}{% endif %}", 1, 12, "syntax error"),
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
fn run_time_errors_fail_check_and_render_empty() {
    let example = ctx();
    let cases: &[(&str, usize, usize, &str)] = &[
        ("{% for x in i %}{{ x }}{% endfor %}", 1, 13, "not iterable"),
        (
            "ok\n{% if f | round(99) %}x{% endif %}",
            2,
            11,
            "round needs an integer",
        ),
        (
            "{% if s | truncate(0) %}x{% endif %}",
            1,
            11,
            "truncate needs an integer",
        ),
        (
            "{% if s | upper(1) %}x{% endif %}",
            1,
            11,
            "too many arguments",
        ),
    ];
    for (src, line, column, needle) in cases {
        let template = parse(src).unwrap_or_else(|e| panic!("{src:?}: {e}"));
        let err = template.try_render(&example).unwrap_err();
        assert_eq!((err.line, err.column), (*line, *column), "{src:?}: {err}");
        assert!(err.message.contains(needle), "{src:?}: {err}");
        assert_eq!(check(src, &example), Err(err), "{src:?}");
        assert_eq!(template.render(&example), "", "{src:?}");
        assert_eq!(
            template.render_with(&example, str::to_string),
            "",
            "{src:?}"
        );
    }
}

#[test]
fn render_with_escapes_values_in_tags_but_not_their_text() {
    let t = parse(
        "<{% for v in vs %}<i>{{ v }}</i>{% if loop.last %}<b>{{ w | upper }}</b>{% endif %}{% endfor %}>",
    )
    .unwrap();
    let out = t.render_with(&json!({"vs": ["<a>", "&"], "w": "<x>"}), |s| {
        s.replace('&', "&amp;").replace('<', "&lt;")
    });
    assert_eq!(out, "<<i>&lt;a></i><i>&amp;</i><b>&lt;X></b>>");
    let literal = parse("\\{{ <b> }} {# <i> #}").unwrap();
    assert_eq!(
        literal.render_with(&json!({}), |s| s.replace('<', "&lt;")),
        "{{ <b> }} {# <i> #}"
    );
}

#[test]
fn fuel_bounds_work_and_output() {
    let items: Vec<usize> = (0..2000).collect();
    let c = json!({"items": items, "blob": "x".repeat(10_000)});
    let started = std::time::Instant::now();
    for src in [
        // Output that multiplies: 4 million copies of 10 kB.
        "{% for a in items %}{% for b in items %}{{ blob }}{% endfor %}{% endfor %}",
        // Work without output.
        "{% for a in items %}{% for b in items %}{% if a == b %}{% endif %}{% endfor %}{% endfor %}",
    ] {
        let t = parse(src).unwrap();
        let err = t.try_render(&c).unwrap_err();
        assert!(err.message.contains("too much work"), "{err}");
        assert_eq!(t.render(&c), "");
        assert!(check(src, &c).unwrap_err().message.contains("too much work"));
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn fuel_is_enough_for_a_large_event() {
    // A 1 MiB event through the generic default's heaviest expression, and a
    // loop over 5000 items: well within the budget.
    let c =
        json!({"data": {"long": "é".repeat(512 * 1024)}, "items": (0..5000).collect::<Vec<_>>()});
    let t = parse("{{ data | json | truncate(2500) }} {{ data.long | truncate(10) }}").unwrap();
    let out = t.try_render(&c).unwrap();
    assert!(
        out.starts_with("{\"long\":\"éé") && out.ends_with("ééééééééé…"),
        "{out}"
    );
    let t = parse("{% for i in items %}{{ i }},{% endfor %}").unwrap();
    assert!(t.try_render(&c).unwrap().ends_with("4998,4999,"));
}

#[test]
fn templates_are_shared_and_compare_by_source() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Template>();
    let a = parse("{{ s | upper }}").unwrap();
    let b = parse("{{ s | upper }}").unwrap();
    assert_eq!(a, b);
    assert_ne!(a, parse("{{ s | lower }}").unwrap());
    assert_eq!(a.source(), "{{ s | upper }}");
    assert_eq!(parse("").unwrap(), Template::default());
    assert_eq!(parse("").unwrap().render(&ctx()), "");
}

#[test]
fn fits_counts_output_against_a_limit() {
    let ctx = json!({"data": {"blob": "x".repeat(1000)}, "type": "a.b"});
    let blob_len = value_text(&ctx["data"]).len();
    let cases: &[(&str, usize, bool)] = &[
        ("{{type}}", 3, true),
        ("{{type}}", 2, false),
        ("ab{{type}}cd", 7, true),
        ("ab{{type}}cd", 6, false),
        ("{{data}}", blob_len, true),
        ("{{data}}{{data}}", 2 * blob_len - 1, false),
        (
            "{% for c in data.blob %}{{data}}{% endfor %}",
            10 * blob_len,
            false,
        ),
        ("{{ missing.path }}", 0, true),
    ];
    for (src, max, want) in cases {
        let t = Template::parse(src).unwrap();
        assert_eq!(t.fits(&ctx, *max), *want, "{src} within {max}");
    }
    assert!(Template::default().fits(&ctx, 0));
}
