//! A URL-driven dialog: it is open while its query parameter is in the URL, so a plain link
//! opens it on the server (no JavaScript needed) and the router opens it in place when the
//! app is hydrated. Closing is a link back to `close_href`; with JavaScript, Escape closes.
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[component]
pub fn Dialog(
    /// The dialog's title; also its accessible name.
    #[prop(into)]
    title: String,
    /// Where closing leads (the page without the dialog's query parameter).
    #[prop(into)]
    close_href: String,
    /// A wider dialog for long forms.
    #[prop(optional)]
    wide: bool,
    children: Children,
) -> impl IntoView {
    let title_id = format!("dialog-{}", slug(&title));
    let labelled_by = title_id.clone();
    let panel = NodeRef::<leptos::html::Div>::new();
    let navigate = use_navigate();
    let close = close_href.clone();
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            navigate(&close, Default::default());
        }
    };
    // Move focus into the dialog when it opens in the browser (on a server-rendered page
    // `autofocus` does it); content that loads later (a form) focuses its own first field.
    Effect::new(move |_| {
        if let Some(panel) = panel.get() {
            let first = panel.query_selector("[autofocus]").ok().flatten();
            match first.and_then(|e| {
                leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::HtmlElement>(e).ok()
            }) {
                Some(el) => drop(el.focus()),
                None => drop(panel.focus()),
            }
        }
    });
    view! {
        <div class="backdrop">
            <div
                class="dialog"
                class:wide=wide
                role="dialog"
                aria-modal="true"
                tabindex="-1"
                aria-labelledby=labelled_by
                node_ref=panel
                on:keydown=on_keydown
            >
                <header class="dialog-head">
                    <h2 id=title_id>{title}</h2>
                    <a class="close" href=close_href aria-label="Close">
                        "×"
                    </a>
                </header>
                {children()}
            </div>
        </div>
    }
    .into_any()
}

/// `Create Webhook` → `create-webhook`.
pub fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}
