//! Finding 8 — `/metrics` scanned whole tables on every scrape and was public: anyone
//! reaching the port could load the database at will. The gauges are now read from the
//! store at most once per 5 s whatever the scrape rate, and `HERALD_METRICS_TOKEN`, when
//! set, makes `/metrics` answer 401 without `Authorization: Bearer <token>`.
use crate::common::spawn_app;

fn store_reads(text: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix("herald_metrics_store_reads_total "))
        .unwrap_or_else(|| panic!("no store-read counter in:\n{text}"))
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn metrics_scrapes_are_cached_and_can_require_a_token() {
    let app = spawn_app(&["--metrics-token", "scrape-token-0123456789"]).await;
    let url = format!("{}/metrics", app.base);
    let scrape = |token: Option<&'static str>| {
        let req = app.client.get(&url);
        let req = match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        async move { req.send().await.unwrap() }
    };
    for token in [None, Some("wrong-token")] {
        let res = scrape(token).await;
        assert_eq!(res.status(), 401, "{token:?}");
        assert_eq!(res.headers()["www-authenticate"], "Bearer");
        assert!(!res.text().await.unwrap().contains("herald_"));
    }
    let first = scrape(Some("scrape-token-0123456789")).await;
    assert_eq!(first.status(), 200);
    let before = store_reads(&first.text().await.unwrap());
    let scrapes: Vec<_> = (0..100)
        .map(|_| scrape(Some("scrape-token-0123456789")))
        .collect();
    let mut last = before;
    for res in all_at_once(scrapes).await {
        assert_eq!(res.status(), 200);
        last = last.max(store_reads(&res.text().await.unwrap()));
    }
    assert!(
        last <= before + 1,
        "100 scrapes read the store {} times",
        last - before
    );
}

/// Runs the scrapes concurrently (a burst, as a misconfigured scraper would send).
async fn all_at_once<F>(futs: Vec<F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futs.into_iter().map(tokio::spawn).collect();
    let mut out = vec![];
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
