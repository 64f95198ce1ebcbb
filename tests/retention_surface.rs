//! The retention in force is visible (docs/retention.md): on the console's Settings page
//! and in `/metrics` (`herald_retention_seconds`, `herald_purged_rows_total{table}`).
mod common;

use common::*;

#[tokio::test]
async fn settings_and_metrics_show_the_retention() {
    let app = spawn_app(&["--retention", "90m"]).await;
    let (client, cookie) = console_session(&app).await;
    let settings = client
        .get(format!("{}/settings", app.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(settings.status(), 200);
    let html = settings.text().await.unwrap();
    assert!(html.contains("Data retention"), "{html}");
    assert!(html.contains("90 minutes"), "{html}");

    app.engine.purge_expired().await.unwrap();
    let metrics = || async {
        client
            .get(format!("{}/metrics", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    eventually("the retention gauge", || async {
        metrics().await.contains("herald_retention_seconds 5400")
    })
    .await;
    let text = metrics().await;
    for table in ["events", "deliveries", "attempts"] {
        let line = format!("herald_purged_rows_total{{table=\"{table}\"}}");
        assert!(
            text.contains(&line),
            "{line} missing from /metrics:\n{text}"
        );
    }
}
