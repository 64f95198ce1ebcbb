//! `GET /event-types` pages like every other list, and unknown keys inside
//! `filters.subjects[]` are refused (docs/api.md#pagination, docs/api.md#webhooks).
mod common;

use common::*;
use serde_json::{json, Value};

fn names(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn event_types_page_with_limit_and_cursor() {
    let app = spawn_app(&[]).await;
    let catalog = app.engine.list_event_types().await.unwrap().len();
    assert!(catalog > 3, "the built-in catalog has several types");

    let mut seen: Vec<String> = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let mut req = app.get("/event-types").query(&[("limit", "2")]);
        if let Some(c) = &cursor {
            req = req.query(&[("cursor", c)]);
        }
        let (s, page) = app.json(req).await;
        assert_eq!(s, 200, "{page}");
        let got = names(&page);
        assert!(got.len() <= 2, "{page}");
        seen.extend(got);
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => {
                assert!(
                    page.get("next_cursor").is_some(),
                    "next_cursor is null, not absent"
                );
                break;
            }
        }
    }
    assert_eq!(seen.len(), catalog, "every type once: {seen:?}");
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted, "by name, no repeats");

    // The default page holds the whole (small) catalog and says it is the last.
    let (_, all) = app.json(app.get("/event-types")).await;
    assert_eq!(names(&all), seen);
    assert_eq!(all["next_cursor"], Value::Null);

    for bad in ["limt=2", "limit=abc"] {
        let (s, e) = app.json(app.get(&format!("/event-types?{bad}"))).await;
        assert_eq!(s, 422, "{bad}: {e}");
    }
}

#[tokio::test]
async fn unknown_keys_inside_filter_subjects_are_refused() {
    let app = spawn_app(&[]).await;
    let body = json!({
        "name": "typo", "url": "http://127.0.0.1:9/x", "event_types": ["*"],
        "filters": {"subjects": [{"type": "deployment"}, {"type": "deployment", "verison": "v2"}]},
    });
    let (s, e) = app.json(app.post("/webhooks").json(&body)).await;
    assert_eq!(s, 422, "{e}");
    assert!(
        e["errors"].get("filters.subjects[1].verison").is_some(),
        "{e}"
    );
    let (_, list) = app.json(app.get("/webhooks")).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0, "nothing created");

    let body = json!({
        "name": "ok", "url": "http://127.0.0.1:9/x", "event_types": ["*"],
        "filters": {"subjects": [{"type": "deployment", "version": "v2"}]},
    });
    let (s, w) = app.json(app.post("/webhooks").json(&body)).await;
    assert_eq!(s, 201, "{w}");
    assert_eq!(w["filters"]["subjects"][0]["version"], "v2");
}
