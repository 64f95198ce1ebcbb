//! `/login`: "Username", "Password", "Sign in". A real form posted to the `login` server
//! function, so it works without JavaScript; a wrong password comes back as an alert.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::auth::{current_user, Login};
use crate::components::fields::ActionError;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let user = Resource::new(|| (), |_| current_user());
    view! {
        <Title text="Sign in · Herald"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                matches!(user.await, Ok(Some(_))).then(|| view! { <Redirect path="/"/> })
            })}
        </Suspense>
        <main id="main" class="login">
            <div class="login-card">
                <p class="brand big">
                    <span class="logo" aria-hidden="true">"◆"</span>
                    "Herald"
                </p>
                <h1>"Sign in"</h1>
                <p class="muted">"Manage webhooks, deliveries and API keys."</p>
                <ActionForm action=login attr:class="stack">
                    <ActionError value=login.value().into()/>
                    <div class="field">
                        <label for="login-username">"Username"</label>
                        <input id="login-username" type="text" name="username" autocomplete="username" autofocus=true
                            autocapitalize="none" spellcheck="false"/>
                    </div>
                    <div class="field">
                        <label for="login-password">"Password"</label>
                        <input id="login-password" type="password" name="password" autocomplete="current-password"/>
                    </div>
                    <button type="submit" class="btn primary wide" aria-busy=move || login.pending().get().then_some("true")>
                        "Sign in"
                    </button>
                </ActionForm>
                <p class="hint">"The account is admin. Its password is set with HERALD_ADMIN_PASSWORD or herald admin set-password."</p>
            </div>
        </main>
    }
    .into_any()
}
