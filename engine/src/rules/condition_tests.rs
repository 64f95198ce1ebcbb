//! Table tests for conditions: results across types, errors, limits and positions.
use super::*;
use serde_json::json;

fn vars(data: Value, project: Option<&str>, severity: Option<Severity>) -> EventVars {
    EventVars::new(&EventFields {
        event_type: "evaluation.completed",
        project,
        severity,
        source: Some("experiment"),
        subject: None,
        object: "evaluation",
        data: &data,
        metadata: None,
        created_at: "2026-11-24T12:00:00Z",
    })
}

/// (condition, data, project, severity) → Ok(matches) or Err (evaluation error).
#[test]
fn results_across_types() {
    let env = Arc::new(Env::stdlib());
    let d = json!({
        "score": 0.5, "count": 3, "metric": "accuracy", "regression": 0.07,
        "run_id": "nightly-42", "tags": ["a", "b"], "none": null, "big": 10_000_000_000u64,
        "nested": {"x": {"y": 1}}
    });
    type Case = (
        &'static str,
        Option<&'static str>,
        Option<Severity>,
        Result<bool, ()>,
    );
    let cases: Vec<Case> = vec![
        ("data.score < 0.8", None, None, Ok(true)),
        ("data.score < 0.4", None, None, Ok(false)),
        // int vs double comparisons are heterogeneous in CEL.
        ("data.score < 1", None, None, Ok(true)),
        ("data.count > 2.5", None, None, Ok(true)),
        ("data.count == 3", None, None, Ok(true)),
        ("data.count == 3.0", None, None, Ok(true)),
        ("data.big > 1", None, None, Ok(true)),
        // numbers against strings do not compare.
        ("data.metric == 1", None, None, Ok(false)),
        ("data.metric < 1", None, None, Err(())),
        (
            r#"project == "prod" && data.metric in ["accuracy", "f1"]"#,
            Some("prod"),
            None,
            Ok(true),
        ),
        (
            r#"project == "prod" && data.metric in ["accuracy", "f1"]"#,
            Some("dev"),
            None,
            Ok(false),
        ),
        // project absent is null, not an error.
        (r#"project == "prod""#, None, None, Ok(false)),
        (
            r#"severity in ["high", "critical"] || data.regression > 0.05"#,
            None,
            Some(Severity::Low),
            Ok(true),
        ),
        (
            r#"severity in ["high", "critical"] || data.regression > 0.1"#,
            None,
            Some(Severity::Critical),
            Ok(true),
        ),
        (
            r#"severity in ["high", "critical"] || data.regression > 0.1"#,
            None,
            Some(Severity::Low),
            Ok(false),
        ),
        (
            r#"has(data.run_id) && data.run_id.startsWith("nightly-")"#,
            None,
            None,
            Ok(true),
        ),
        (
            r#"has(data.missing) && data.missing.startsWith("nightly-")"#,
            None,
            None,
            Ok(false),
        ),
        // a missing field is an error (the event does not match).
        ("data.missing > 1", None, None, Err(())),
        ("data.nested.x.y == 1", None, None, Ok(true)),
        ("data.nested.x.z == 1", None, None, Err(())),
        // lists
        (r#""a" in data.tags"#, None, None, Ok(true)),
        ("size(data.tags) == 2", None, None, Ok(true)),
        (r#"data.tags.exists(t, t == "b")"#, None, None, Ok(true)),
        // nulls
        ("data.none == null", None, None, Ok(true)),
        ("data.none > 1", None, None, Err(())),
        // not a boolean
        ("data.count", None, None, Err(())),
        (
            r#"type == "evaluation.completed" && object == "evaluation""#,
            None,
            None,
            Ok(true),
        ),
        (
            r#"source == "experiment" && created_at.startsWith("2026-")"#,
            None,
            None,
            Ok(true),
        ),
        ("metadata == null && subject == null", None, None, Ok(true)),
    ];
    for (text, project, severity, want) in cases {
        let c = compile(text)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .unwrap();
        let v = vars(d.clone(), project, severity);
        let got = evaluate(&c, &v.context(&env)).map_err(|_| ());
        assert_eq!(got, want, "{text}");
    }
}

#[test]
fn compile_refuses_with_positions() {
    let long = format!("data.x == \"{}\"", "a".repeat(MAX_CONDITION_LEN));
    let deep = format!(
        "{}1{}",
        "(".repeat(MAX_NESTING + 1),
        ")".repeat(MAX_NESTING + 1)
    );
    // (text, line, column, part of the message)
    let cases: Vec<(&str, usize, usize, &str)> = vec![
        ("data.score <", 1, 13, ""),
        ("data.score < < 1", 1, 14, ""),
        ("data.score <\n  ) 1", 2, 3, ""),
        (
            "data.score < 0.8 &&\n  foo > 1",
            2,
            3,
            "unknown variable 'foo'",
        ),
        (&long, 1, 1, "at most 1000 characters"),
        (&deep, 1, MAX_NESTING + 1, "nests deeper"),
        (
            "data.a.all(x, data.b.exists(y, x == y))",
            1,
            1,
            "more than 1 macro",
        ),
    ];
    for (text, line, column, msg) in cases {
        let err = compile(text).unwrap_err();
        assert_eq!((err.line, err.column), (line, column), "{text}: {err}");
        assert!(err.message.contains(msg), "{text}: {err}");
    }
}

#[test]
fn empty_is_no_condition_and_macro_variables_are_known() {
    assert!(compile("").unwrap().is_none());
    assert!(compile("  \n ").unwrap().is_none());
    assert!(compile("data.xs.all(x, x > 1)").unwrap().is_some());
    // brackets inside strings do not count as nesting.
    let text = format!("data.s == \"{}\"", "(".repeat(40));
    assert!(compile(&text).unwrap().is_some());
}
