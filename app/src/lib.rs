//! Herald's console: the Leptos application shared by the server (SSR) and the browser
//! (hydrate). Pages render completely on the server (async SSR mode, so a missing session
//! is a real redirect and nothing needs JavaScript to appear); forms are `ActionForm`s that
//! post to server functions without JavaScript and run in place once hydrated.
#![recursion_limit = "512"]

pub mod api;
pub mod auth;
pub mod components;
pub mod dto;
pub mod error;
pub mod intent;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

use pages::delivery::DeliveryPage;
use pages::login::LoginPage;
use pages::settings::SettingsPage;
use pages::webhook::WebhookPage;
use pages::webhooks::WebhooksPage;
use pages::{NotFound, SignedIn};

/// The HTML document around the app; rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
    .into_any()
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Marks the document once the browser app has taken over (tests wait for it).
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/herald.css"/>
        <Link rel="icon" href="/favicon.ico"/>
        <Title text="Herald"/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=SignedIn ssr=SsrMode::Async>
                    <Route path=path!("") view=WebhooksPage ssr=SsrMode::Async/>
                    <Route path=path!("/webhooks/:id") view=WebhookPage ssr=SsrMode::Async/>
                    <Route path=path!("/deliveries/:id") view=DeliveryPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
    .into_any()
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
