//! Tests for the catalog: names, uniqueness, example shape, the event view
//! and the RFC 3339 conversion.

use super::*;
use serde_json::json;
use std::collections::HashSet;

const DOCUMENTED_NAMES: [&str; 19] = [
    "evaluation.created",
    "evaluation.completed",
    "evaluation.failed",
    "evaluation.regressed",
    "sample.scored",
    "review.assigned",
    "review.completed",
    "alert.triggered",
    "alert.resolved",
    "safety.critical",
    "run.completed",
    "request.started",
    "request.finished",
    "request.completed",
    "request.failed",
    "rule.matched",
    "model.version.created",
    "prompt.version.created",
    "webhook.test",
];

#[test]
fn catalog_has_exactly_the_spec_names_in_order() {
    let names: Vec<&str> = builtin().iter().map(|s| s.name).collect();
    assert_eq!(names, DOCUMENTED_NAMES);
    let unique: HashSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len());
}

#[test]
fn every_spec_is_well_formed() {
    for spec in builtin() {
        assert!(is_valid_name(spec.name), "{}", spec.name);
        assert!(
            spec.description.len() >= 30 && spec.description.ends_with('.'),
            "{}",
            spec.name
        );
        assert!(
            is_valid_name(&format!("x.{}", spec.object)),
            "object {}",
            spec.object
        );
        assert_eq!(find(spec.name), Some(spec));
    }
    assert_eq!(find("evaluation.unknown"), None);
}

#[test]
fn examples_are_realistic_inputs() {
    let severities = ["info", "low", "medium", "high", "critical"];
    for spec in builtin() {
        let ex = spec.example();
        assert_eq!(ex["type"], json!(spec.name));
        assert_eq!(ex["object"], json!(spec.object));
        let data = ex["data"]
            .as_object()
            .unwrap_or_else(|| panic!("{}: data", spec.name));
        assert!(data.len() >= 2, "{}: data too thin", spec.name);
        assert!(
            severities.contains(&ex["severity"].as_str().unwrap_or("")),
            "{}",
            spec.name
        );
        assert!(ex["source"].is_string(), "{}", spec.name);
        if let Some(subject) = ex.get("subject") {
            for key in ["type", "id", "name", "version"] {
                assert!(subject[key].is_string(), "{}: subject.{key}", spec.name);
            }
        }
    }
    let triggered = find("alert.triggered").unwrap().example();
    let resolved = find("alert.resolved").unwrap().example();
    assert_eq!(
        triggered["metadata"]["dedup_key"],
        resolved["metadata"]["dedup_key"]
    );
    assert!(
        triggered["data"]["threshold"].is_number() && triggered["data"]["drift"] == json!(true)
    );
    let failed = find("request.failed").unwrap().example();
    assert_eq!(failed["data"]["status"], json!("failed"));
    assert!(failed["data"]["request_id"].is_string());
    assert!(find("request.completed").unwrap().example()["data"]["result"].is_object());
}

#[test]
fn name_validation() {
    for good in [
        "evaluation.failed",
        "model.version.created",
        "a.b",
        "x1.y_2",
    ] {
        assert!(is_valid_name(good), "{good}");
    }
    let long = format!("a.{}", "b".repeat(127));
    for bad in [
        "evaluation",
        "Evaluation.failed",
        "alert.*",
        "a..b",
        ".a",
        "a.",
        "a.1b",
        "a-b.c",
        "",
        &long,
    ] {
        assert!(!is_valid_name(bad), "{bad}");
    }
}

#[test]
fn rfc3339_conversion() {
    let cases = [
        (0, "1970-01-01T00:00:00Z"),
        (1_732_262_400, "2024-11-22T08:00:00Z"),
        (951_782_400, "2000-02-29T00:00:00Z"),
        (-1, "1969-12-31T23:59:59Z"),
        (1_709_251_199, "2024-02-29T23:59:59Z"),
        (253_402_300_799, "9999-12-31T23:59:59Z"),
        (-62_135_596_800, "0001-01-01T00:00:00Z"),
        (4_102_444_800, "2100-01-01T00:00:00Z"),
    ];
    for (unix, want) in cases {
        assert_eq!(rfc3339_utc(unix), want, "{unix}");
    }
    // Extremes must not panic; they clamp to what RFC 3339 can write.
    assert_eq!(rfc3339_utc(i64::MAX), "9999-12-31T23:59:59Z");
    assert_eq!(rfc3339_utc(i64::MIN), "0000-01-01T00:00:00Z");
    assert_eq!(rfc3339_utc(253_402_300_800), "9999-12-31T23:59:59Z");
}

#[test]
fn event_view_shape() {
    let input = find("evaluation.failed").unwrap().example();
    let view = to_event_view(&input, "evt_01JD8ZD0000000000000000000", 1_732_262_400);
    let keys: Vec<&str> = view
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "type",
            "object",
            "created",
            "created_at",
            "source",
            "project",
            "severity",
            "subject",
            "data",
            "metadata"
        ]
    );
    assert_eq!(view["created_at"], json!("2024-11-22T08:00:00Z"));
    assert_eq!(view["created"], json!(1_732_262_400));
    assert_eq!(view["data"], input["data"]);

    let bare = to_event_view(&json!({"type": "x.y", "project": null}), "evt_1", 0);
    assert_eq!(
        bare,
        json!({"id": "evt_1", "type": "x.y", "created": 0, "created_at": "1970-01-01T00:00:00Z",
               "project": null, "data": {}})
    );
    let junk = to_event_view(&json!("not an object"), "evt_2", 60);
    assert_eq!(junk["created_at"], json!("1970-01-01T00:01:00Z"));
}
