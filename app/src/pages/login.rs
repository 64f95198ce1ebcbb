//! `/login`: "Username", "Password", "Sign in". A real form posted to the `login` server
//! function, so it works without JavaScript; a wrong password, or too many of them (the
//! throttle's "wait N s"), comes back as an alert. After signing in with the one-time
//! setup token the same page asks to choose a password (docs/security.md).
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::auth::{login_step, ChoosePassword, Login, SignInStep};
use crate::components::fields::{error_id, field_errors, invalid, ActionError, FieldError};

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let step = Resource::new(move || login.version().get(), |_| login_step());
    view! {
        <Title text="Sign in · Herald"/>
        <main id="main" class="login">
            <div class="login-card">
                <p class="brand big">
                    <span class="logo" aria-hidden="true">"◆"</span>
                    "Herald"
                </p>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match step.await {
                            Ok(SignInStep::SignedIn) => view! { <Redirect path="/"/> }.into_any(),
                            Ok(SignInStep::ChoosePassword) => view! { <ChoosePasswordForm/> }.into_any(),
                            _ => view! { <SignInForm login/> }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </main>
    }
    .into_any()
}

#[component]
fn SignInForm(login: ServerAction<Login>) -> impl IntoView {
    view! {
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
        <p class="hint">"The account is admin. Its password is set with HERALD_ADMIN_PASSWORD or herald admin set-password; on first start Herald prints a one-time setup token."</p>
    }
}

#[component]
fn ChoosePasswordForm() -> impl IntoView {
    let choose = ServerAction::<ChoosePassword>::new();
    let errors = field_errors(choose.value().into());
    let field = move |id: &'static str, name: &'static str, label: &'static str| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type="password" name=name autocomplete="new-password"
                    aria-invalid=invalid(errors, name.into()) aria-describedby=error_id(name)/>
                <FieldError errors field=name/>
            </div>
        }
    };
    view! {
        <h1>"Choose your password"</h1>
        <p class="muted">"The setup token works only once. Choose your password now (at least 8 characters)."</p>
        <ActionForm action=choose attr:class="stack">
            <ActionError value=choose.value().into()/>
            {field("choose-new", "new_password", "New password")}
            {field("choose-confirm", "confirm", "Confirm new password")}
            <button type="submit" class="btn primary wide">"Save password"</button>
        </ActionForm>
    }
}
