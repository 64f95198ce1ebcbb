//! Talking to the console like a browser does: server-function posts (with the same-site
//! headers a browser sends), the session cookie, pages.
use leptos::server_fn::ServerFn;
use reqwest::{Client, RequestBuilder, Response};

/// A cookie-less client that does not follow redirects.
pub fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A form post to server function `F` as the hydrated console sends it (JSON answers).
pub fn post<F: ServerFn>(client: &Client, base: &str, form: &[(&str, &str)]) -> RequestBuilder {
    client
        .post(format!("{base}{}", F::PATH))
        .header("origin", base)
        .header("sec-fetch-site", "same-origin")
        .form(form)
}

/// The same post as a browser without JavaScript sends it (answered with a redirect).
pub fn post_nojs<F: ServerFn>(
    client: &Client,
    base: &str,
    from: &str,
    form: &[(&str, &str)],
) -> RequestBuilder {
    post::<F>(client, base, form)
        .header("accept", "text/html")
        .header("referer", format!("{base}{from}"))
}

pub async fn login(client: &Client, base: &str, user: &str, password: &str) -> Response {
    post::<app::auth::Login>(client, base, &[("username", user), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// The `herald_session=…` pair a response sets, if any.
pub fn session_cookie(res: &Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("herald_session="))
        .map(|v| v.split(';').next().unwrap().to_string())
}

/// The whole `Set-Cookie` line of the session cookie, if any.
pub fn session_cookie_line(res: &Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("herald_session="))
        .map(str::to_string)
}

/// Signs in and returns the session cookie.
pub async fn signed_in(client: &Client, base: &str, password: &str) -> String {
    let res = login(client, base, "admin", password).await;
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "sign-in: {}",
        res.status()
    );
    session_cookie(&res).expect("a session cookie")
}

/// The status of a console page opened with `cookie` (200 signed in, a redirect if not).
pub async fn page_status(client: &Client, base: &str, path: &str, cookie: &str) -> u16 {
    client
        .get(format!("{base}{path}"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}
