//! The console's pages and the signed-in layout around them. Every page but `/login` sits
//! inside [`SignedIn`], which checks the session during server rendering too, so without a
//! session the server answers with a redirect to `/login` (no JavaScript needed).
//!
//! What a user's role does not allow is not offered: controls that change something sit
//! in [`Permitted`] (the server refuses such calls anyway, `server::access`).
//!
//! A rule every page follows: resources are created in a component's body, never inside a
//! `Suspend`. Server rendering may run a `Suspend` more than once; a resource created there
//! would be numbered differently on the server and in the browser and break hydration.
pub mod delivery;
pub mod login;
pub mod settings;
pub mod users;
pub mod webhook;
pub mod webhooks;

use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};

use crate::auth::{current_user, switcher_tenants, Logout, SignedInUser, SwitchTenant};
use crate::error::ConsoleError;

/// The signed-in user, read once by the layout and shared with the pages.
#[derive(Clone, Copy)]
pub struct Me(pub Resource<Result<Option<SignedInUser>, ConsoleError>>);

/// The tenants the switcher suggests, `(id, name)`.
type TenantChoices = Vec<(String, String)>;

#[component]
pub fn SignedIn() -> impl IntoView {
    let user = Resource::new(|| (), |_| current_user());
    provide_context(Me(user));
    // Here, not in the switcher: the switcher renders inside the Suspend below, which
    // awaits both (one Suspense: no nested one inside the top bar).
    let tenants = Resource::new(|| (), |_| switcher_tenants());
    // The page (Outlet) stays outside the Suspend: its server functions check the session
    // themselves, and a missing session redirects from here as well.
    view! {
        <Suspense fallback=|| view! { <header class="topbar"></header> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(me)) => {
                        let tenants = match me.portal {
                            None => tenants.await.unwrap_or_default(),
                            Some(_) => Vec::new(),
                        };
                        view! { <TopBar me tenants/> }.into_any()
                    }
                    Ok(None) | Err(ConsoleError::Unauthorized) => view! { <Redirect path="/login"/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
        <main id="main" class="page">
            <Outlet/>
        </main>
    }
    .into_any()
}

#[component]
fn TopBar(me: SignedInUser, tenants: TenantChoices) -> impl IntoView {
    match me.portal.clone() {
        Some(look) => view! { <PortalBar tenant=me.tenant look/> }.into_any(),
        None => view! { <UserBar me tenants/> }.into_any(),
    }
}

/// A portal session's header (docs/portal.md#look): the platform's title and accent
/// colour (a stylesheet of the session's own, as the CSP allows no inline styles), the
/// tenant, no Settings.
#[component]
fn PortalBar(tenant: String, look: domain::PortalLook) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    let title = look.title.clone().unwrap_or_else(|| "Webhooks".to_string());
    view! {
        <leptos_meta::Title text=title.clone()/>
        {look.accent.is_some().then(|| view! { <leptos_meta::Stylesheet id="portal-look" href="/portal-look.css"/> })}
        <header class="topbar portal">
            <a class="skip" href="#main">"Skip to content"</a>
            <A href="/" attr:class="brand">{title}</A>
            <nav aria-label="Main">
                <A href="/" exact=true>"Webhooks"</A>
            </nav>
            <div class="who">
                <span class="muted">"Workspace " <strong class="who-name">{tenant}</strong></span>
                <ActionForm action=logout attr:class="inline">
                    <button type="submit" class="btn ghost small">"Sign out"</button>
                </ActionForm>
            </div>
        </header>
    }
    .into_any()
}

#[component]
fn UserBar(me: SignedInUser, tenants: TenantChoices) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    let current = me.tenant.clone();
    view! {
        <header class="topbar">
            <a class="skip" href="#main">"Skip to content"</a>
            <A href="/" attr:class="brand">
                <span class="logo" aria-hidden="true">"◆"</span>
                "Herald"
            </A>
            <nav aria-label="Main">
                <A href="/" exact=true>"Webhooks"</A>
                <A href="/settings">"Settings"</A>
            </nav>
            <TenantSwitcher current tenants/>
            <div class="who">
                <span class="muted">
                    "Signed in as " <strong class="who-name">{me.name}</strong>
                    " " <span class="badge role">{me.role.as_str()}</span>
                </span>
                <ActionForm action=logout attr:class="inline">
                    <button type="submit" class="btn ghost small">"Sign out"</button>
                </ActionForm>
            </div>
        </header>
    }
    .into_any()
}

/// The tenant switcher (docs/tenants.md#console): which tenant the webhook list shows and
/// new webhooks go to. A text field suggesting the tenants (more than a menu could hold),
/// in a plain form: switching reloads every page's data, with or without JavaScript.
#[component]
fn TenantSwitcher(current: String, tenants: TenantChoices) -> impl IntoView {
    use leptos::server_fn::ServerFn;
    view! {
        <form method="post" action=SwitchTenant::PATH class="inline tenant-switcher">
            <label for="tenant-switch" class="muted">"Tenant"</label>
            <input id="tenant-switch" name="tenant" list="tenant-options" required
                autocomplete="off" size="14" value=current/>
            <datalist id="tenant-options">
                {tenants.into_iter().map(|(id, name)| view! {
                    <option value=id.clone()>{name}</option>
                }).collect_view()}
            </datalist>
            <button type="submit" class="btn ghost small">"Switch"</button>
        </form>
    }
    .into_any()
}

/// Whether the signed-in user's role passes `when`, for a view that awaits it inside its
/// own `Suspend` (take `me` with `use_context` in the component's body).
pub async fn allows(me: Option<Me>, when: fn(&SignedInUser) -> bool) -> bool {
    match me {
        Some(Me(user)) => matches!(user.await, Ok(Some(u)) if when(&u)),
        None => false,
    }
}

/// `children` when the signed-in user's role passes `when` (e.g.
/// [`SignedInUser::can_edit`]), else `fallback` (nothing by default).
#[component]
pub fn Permitted(
    when: fn(&SignedInUser) -> bool,
    children: ChildrenFn,
    #[prop(optional, into)] fallback: ViewFn,
) -> impl IntoView {
    let me = use_context::<Me>();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let children = children.clone();
                let fallback = fallback.clone();
                Suspend::new(async move {
                    if allows(me, when).await { children().into_any() } else { fallback.run() }
                })
            }}
        </Suspense>
    }
    .into_any()
}

/// An error where a page or section would be; an ended session leads to the sign-in page.
#[component]
pub fn ErrorNotice(error: ConsoleError) -> impl IntoView {
    match error {
        ConsoleError::Unauthorized => view! { <Redirect path="/login"/> }.into_any(),
        ConsoleError::NotFound(what) => view! {
            <div class="alert error" role="alert">
                <p>{format!("{what} not found.")}</p>
                <p><a href="/">"Back to webhooks"</a></p>
            </div>
        }
        .into_any(),
        other => view! { <p class="alert error" role="alert">{other.to_string()}</p> }.into_any(),
    }
}

/// A quiet placeholder while a section loads (same height on server and browser).
pub fn loading() -> impl IntoView {
    view! { <p class="muted loading">"Loading…"</p> }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <main class="page">
            <h1>"Page not found"</h1>
            <p><a href="/">"Back to webhooks"</a></p>
        </main>
    }
    .into_any()
}
