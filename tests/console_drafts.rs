//! The webhook form's own buttons posted without JavaScript ("Add header", "Remove
//! header", "Validate webhook", docs/console.md "The form's own buttons"): nothing is
//! saved, the dialog comes back once from a session draft, and a protected value typed
//! into the form is kept neither in the session store nor in a URL.
mod common;

use common::*;
use leptos::server_fn::ServerFn;

/// A signed-in browser without JavaScript: no redirects followed, the session cookie.
struct Browser {
    client: reqwest::Client,
    base: String,
    cookie: String,
}

impl Browser {
    async fn sign_in(app: &TestApp) -> Browser {
        let (client, cookie) = console_session(app).await;
        Browser {
            client,
            base: app.base.clone(),
            cookie,
        }
    }

    /// Posts the webhook form from `page` as a browser does (HTML accepted, the page as
    /// Referer); answers the status and the `Location` it is sent to.
    async fn post_form(&self, page: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let res = self
            .client
            .post(format!(
                "{}{}",
                self.base,
                app::api::webhooks::SaveWebhook::PATH
            ))
            .header("origin", &self.base)
            .header("sec-fetch-site", "same-origin")
            .header("accept", "text/html")
            .header("referer", format!("{}{page}", self.base))
            .header("cookie", &self.cookie)
            .form(fields)
            .send()
            .await
            .unwrap();
        let location = res
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (res.status().as_u16(), location)
    }

    async fn page(&self, path: &str) -> String {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        res.text().await.unwrap()
    }
}

/// Whether the database holds `needle`, as bytes or (PostgreSQL's `bytea` as text) hex.
fn holds(all: &[u8], needle: &str) -> bool {
    let hex = hex::encode(needle);
    [needle.as_bytes(), hex.as_bytes()]
        .iter()
        .any(|n| all.windows(n.len()).any(|w| w == *n))
}

#[tokio::test]
async fn validate_keeps_a_one_shot_draft_without_the_protected_value() {
    let app = spawn_app(&[]).await;
    let rx = receiver(200).await;
    let browser = Browser::sign_in(&app).await;
    let secret = "Bearer typed-draft-secret-4711";
    let (status, location) = browser
        .post_form(
            "/?dialog=create",
            &[
                ("webhook[id]", ""),
                ("webhook[name]", "drafted"),
                ("webhook[url]", &rx.url),
                ("webhook[event_types][]", "alert.triggered"),
                ("webhook[headers][0][key]", "X-Team"),
                ("webhook[headers][0][value]", "ml-platform-draft"),
                ("webhook[headers][1][key]", "Authorization"),
                ("webhook[headers][1][value]", secret),
                ("webhook[headers][1][protected]", "on"),
                ("webhook[intent]", "validate"),
            ],
        )
        .await;
    assert!((300..400).contains(&status), "{status}");
    assert_eq!(location, format!("{}/?dialog=create", app.base));

    // The validation itself sent the typed value.
    let got = rx.wait_for(1).await;
    assert_eq!(got[0].header("authorization"), secret);
    assert_eq!(got[0].header("x-team"), "ml-platform-draft");

    // The draft is in the session store, without the protected value.
    let (sources, all) = app.db.raw_contents(app.dir.path()).await;
    assert!(
        holds(&all, "ml-platform-draft"),
        "the draft is kept: {sources:?}"
    );
    assert!(!holds(&all, "typed-draft-secret"), "protected value stored");

    // The dialog shows the form from the draft once: the answer, the typed header, and
    // the protected row asking for its value again.
    let dialog = browser.page("/?dialog=create").await;
    assert!(dialog.contains("Delivered: HTTP 200"), "{dialog}");
    assert!(dialog.contains("ml-platform-draft"));
    assert!(dialog.contains("Type the value again"));
    assert!(!dialog.contains("typed-draft-secret"));
    let again = browser.page("/?dialog=create").await;
    assert!(!again.contains("Delivered: HTTP 200"));
    assert!(!again.contains("ml-platform-draft"));

    let listed = app
        .engine
        .list_webhooks(&engine::rules::tenancy::TenantScope::All, 10, None)
        .await
        .unwrap();
    assert!(listed.data.is_empty(), "validating saved nothing");
}

#[tokio::test]
async fn add_and_remove_header_save_nothing_and_come_back_changed() {
    let app = spawn_app(&[]).await;
    let browser = Browser::sign_in(&app).await;
    let created = app
        .webhook(
            "http://127.0.0.1:9/hook",
            serde_json::json!({"headers": [
                {"key": "X-One", "value": "1"},
                {"key": "X-Two", "value": "2"},
            ]}),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    let edit = format!("/?edit={id}");
    let fields = |intent: &'static str| {
        vec![
            ("webhook[id]", id.to_string()),
            ("webhook[name]", "renamed-in-draft".to_string()),
            ("webhook[url]", "http://127.0.0.1:9/hook".to_string()),
            ("webhook[event_types][]", "*".to_string()),
            ("webhook[headers][0][key]", "X-One".to_string()),
            ("webhook[headers][0][value]", "1".to_string()),
            ("webhook[headers][1][key]", "X-Two".to_string()),
            ("webhook[headers][1][value]", "2".to_string()),
            ("webhook[headers][2][key]", String::new()),
            ("webhook[headers][2][value]", String::new()),
            ("webhook[intent]", intent.to_string()),
        ]
    };
    let post = |intent: &'static str| {
        let f = fields(intent);
        let browser = &browser;
        let edit = edit.clone();
        async move {
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post_form(&edit, &pairs).await
        }
    };
    let header_names = |html: &str| html.matches("aria-label=\"Header name\"").count();

    let (status, _) = post("remove_header:0").await;
    assert!((300..400).contains(&status), "{status}");
    let page = browser.page(&edit).await;
    assert!(page.contains("renamed-in-draft"));
    assert!(!page.contains("value=\"X-One\""), "row 0 removed");
    assert!(page.contains("value=\"X-Two\""));
    assert_eq!(header_names(&page), 2, "X-Two and the spare row");

    post("add_header").await;
    let page = browser.page(&edit).await;
    assert!(page.contains("value=\"X-One\"") && page.contains("value=\"X-Two\""));
    assert_eq!(
        header_names(&page),
        4,
        "the three posted rows and the added one"
    );

    // Another dialog does not take this webhook's draft.
    post("add_header").await;
    assert!(!browser
        .page("/?dialog=create")
        .await
        .contains("renamed-in-draft"));
    assert!(browser.page(&edit).await.contains("renamed-in-draft"));

    let stored = app
        .engine
        .get_webhook(&engine::rules::tenancy::TenantScope::All, id)
        .await
        .unwrap();
    assert_ne!(stored.name, "renamed-in-draft", "nothing was saved");
    assert_eq!(stored.headers.len(), 2);

    let (status, _) = post("bogus").await;
    assert!(
        (300..400).contains(&status),
        "an error is sent back to the page: {status}"
    );
    assert_eq!(
        app.engine
            .get_webhook(&engine::rules::tenancy::TenantScope::All, id)
            .await
            .unwrap()
            .headers
            .len(),
        2
    );
}
