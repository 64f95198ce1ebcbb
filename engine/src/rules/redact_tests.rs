//! Table tests for redaction paths and their application.
use super::*;
use serde_json::json;

#[test]
fn parses_paths() {
    use Segment::*;
    let k = |s: &str| Key(s.to_string());
    let ok: Vec<(&str, Root, Vec<Segment>)> = vec![
        ("data.input", Root::Data, vec![k("input")]),
        (
            "metadata.user.email",
            Root::Metadata,
            vec![k("user"), k("email")],
        ),
        (
            "data.samples[*].prompt",
            Root::Data,
            vec![k("samples"), EachIndex, k("prompt")],
        ),
        ("data.items[2]", Root::Data, vec![k("items"), Index(2)]),
        ("data.a-b_c.9", Root::Data, vec![k("a-b_c"), k("9")]),
        (
            "data.m[*][*]",
            Root::Data,
            vec![k("m"), EachIndex, EachIndex],
        ),
    ];
    for (p, root, segments) in ok {
        assert_eq!(parse_path(p), Ok(RedactPath { root, segments }), "{p}");
    }
    let bad = [
        ("", "must start with"),
        ("input", "must start with"),
        ("payload.x", "must start with"),
        ("data", "must name a field"),
        ("data.", "is not a key"),
        ("data..x", "is not a key"),
        ("data.a b", "is not a key"),
        ("data.x[", "without its ]"),
        ("data.x[a]", "neither an index nor [*]"),
        ("data.x[-1]", "neither an index"),
        ("datax", "expected . or ["),
        ("data.x]", "is not a key"),
    ];
    for (p, msg) in bad {
        let err = parse_path(p).unwrap_err();
        assert!(err.contains(msg), "{p}: {err}");
    }
    assert!(parse_path(&format!("data.{}", "a".repeat(MAX_PATH_LEN))).is_err());
}

fn rule(path: &str, action: RedactAction) -> Rule {
    Rule {
        path: parse_path(path).unwrap(),
        action,
    }
}

#[test]
fn applies_rules() {
    use RedactAction::*;
    let key = b"k";
    let h = |v: &Value| hash_value(key, v);
    let data = json!({
        "input": "secret prompt",
        "output": {"text": "answer", "n": 1},
        "samples": [{"prompt": "p1", "score": 1}, {"prompt": "p2"}, {"other": 3}],
        "list": [1, 2, 3],
        "scalar": 5
    });
    let cases: Vec<(&str, RedactAction, Value)> = vec![
        ("data.input", Remove, {
            let mut d = data.clone();
            d.as_object_mut().unwrap().shift_remove("input");
            d
        }),
        ("data.input", Mask, {
            let mut d = data.clone();
            d["input"] = json!(MASK);
            d
        }),
        ("data.input", Hash, {
            let mut d = data.clone();
            d["input"] = json!(h(&json!("secret prompt")));
            d
        }),
        ("data.output.text", Mask, {
            let mut d = data.clone();
            d["output"]["text"] = json!(MASK);
            d
        }),
        ("data.output", Hash, {
            let mut d = data.clone();
            d["output"] = json!(h(&json!({"text": "answer", "n": 1})));
            d
        }),
        ("data.samples[*].prompt", Remove, {
            let mut d = data.clone();
            d["samples"] = json!([{"score": 1}, {}, {"other": 3}]);
            d
        }),
        ("data.samples[*].prompt", Mask, {
            let mut d = data.clone();
            d["samples"] = json!([{"prompt": MASK, "score": 1}, {"prompt": MASK}, {"other": 3}]);
            d
        }),
        ("data.samples[1].prompt", Mask, {
            let mut d = data.clone();
            d["samples"][1]["prompt"] = json!(MASK);
            d
        }),
        ("data.list[1]", Remove, {
            let mut d = data.clone();
            d["list"] = json!([1, 3]);
            d
        }),
        ("data.list[*]", Remove, {
            let mut d = data.clone();
            d["list"] = json!([]);
            d
        }),
        ("data.list[*]", Mask, {
            let mut d = data.clone();
            d["list"] = json!([MASK, MASK, MASK]);
            d
        }),
        // missing fields, out-of-range indexes and type mismatches change nothing.
        ("data.missing", Remove, data.clone()),
        ("data.missing.deeper", Mask, data.clone()),
        ("data.list[9]", Mask, data.clone()),
        ("data.list[9]", Remove, data.clone()),
        ("data.scalar.x", Mask, data.clone()),
        ("data.input[*]", Mask, data.clone()),
        ("data.output[0]", Mask, data.clone()),
    ];
    for (path, action, want) in cases {
        let mut got = data.clone();
        let r = rule(path, action);
        apply(&mut got, &r.path.segments, action, key);
        assert_eq!(got, want, "{path} {action:?}");
    }
}

#[test]
fn redacts_an_event_and_hashes_per_key() {
    let e = Event {
        id: "evt_1".into(),
        tenant: "default".into(),
        event_type: "evaluation.failed".into(),
        object: "evaluation".into(),
        created: 0,
        created_at: "1970-01-01T00:00:00Z".into(),
        source: None,
        project: None,
        severity: None,
        subject: None,
        data: json!({"input": "canary"}),
        metadata: Some(json!({"user": {"email": "a@b.c"}})),
    };
    let rules = vec![
        rule("data.input", RedactAction::Hash),
        rule("metadata.user.email", RedactAction::Remove),
    ];
    let a = redact_event(&e, &rules, b"key-a");
    let b = redact_event(&e, &rules, b"key-b");
    assert_eq!(a.metadata, Some(json!({"user": {}})));
    let ha = a.data["input"].as_str().unwrap();
    assert!(ha.starts_with("sha256:") && ha.len() == 7 + 64, "{ha}");
    assert_ne!(a.data, b.data, "the hash is keyed per webhook");
    assert_eq!(a, redact_event(&e, &rules, b"key-a"), "and stable");
    assert_eq!(
        e.data,
        json!({"input": "canary"}),
        "the stored event is untouched"
    );
    // a metadata rule on an event without metadata is a no-op.
    let bare = Event {
        metadata: None,
        ..e.clone()
    };
    assert_eq!(redact_event(&bare, &rules, b"k").metadata, None);
}

#[test]
fn parses_rule_lists() {
    let r = |p: &str| Redaction {
        path: p.into(),
        action: RedactAction::Remove,
    };
    assert_eq!(
        parse_rules(&[r("data.a"), r("metadata.b")]).unwrap().len(),
        2
    );
    assert_eq!(parse_rules(&[r("data.a"), r("bad")]).unwrap_err().0, 1);
    let many: Vec<Redaction> = (0..=MAX_REDACTIONS).map(|_| r("data.a")).collect();
    assert!(parse_rules(&many).is_err());
}
