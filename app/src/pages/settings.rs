//! `/settings`: for admins, API keys (create with a scope — the key is shown once —, list
//! with prefix, scope, created and last used, revoke) and users (`users`); for everyone,
//! their own password and the data retention in force (docs/roles.md).
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::keys::{list_api_keys, retention_setting, CreateApiKey, RevokeApiKey};
use crate::api::users::list_users;
use crate::auth::{ChangePassword, SignedInUser};
use crate::components::fields::{error_id, field_errors, invalid, ActionError, FieldError};
use crate::dto::{show_opt_time, show_time, ApiKey};
use domain::Scope;

/// What the scope select says of each scope.
fn scope_label(scope: Scope) -> &'static str {
    match scope {
        Scope::Ingest => "ingest: post events only",
        Scope::Manage => "manage: webhooks, deliveries, event types",
        Scope::Admin => "admin: also API keys",
    }
}
use crate::error::ConsoleError;
use crate::pages::users::{UserActions, UsersCard};
use crate::pages::{allows, loading, ErrorNotice, Me, Permitted};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    // Created for every user (resources stay outside `Suspense`); for a non-admin they ask
    // the server nothing, answer Forbidden and are never shown.
    let me = use_context::<Me>();
    let keys = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        move |_| for_admin(me, list_api_keys()),
    );
    let user_actions = UserActions::default();
    let users = Resource::new(
        move || user_actions.version(),
        move |_| for_admin(me, list_users()),
    );
    let retention = Resource::new(
        || (),
        move |_| async move {
            if allows(me, SignedInUser::is_user).await {
                retention_setting().await
            } else {
                Err(ConsoleError::Forbidden)
            }
        },
    );
    view! {
        <Title text="Settings · Herald"/>
        <div class="page-head">
            <h1>"Settings"</h1>
        </div>
        <Permitted when=SignedInUser::is_admin>
            <KeysCard keys create revoke/>
            <UsersCard users actions=user_actions/>
        </Permitted>
        // A portal session has no Settings (docs/portal.md): its server functions refuse.
        <Permitted
            when=SignedInUser::is_user
            fallback=|| view! { <p class="alert error" role="alert">"Settings are not part of the portal."</p> }
        >
            <PasswordCard/>
            <RetentionCard retention/>
        </Permitted>
    }
    .into_any()
}

/// `fetch`'s answer for an admin; for anyone else `Forbidden`, without asking the server.
async fn for_admin<T>(
    me: Option<Me>,
    fetch: impl std::future::Future<Output = Result<T, ConsoleError>>,
) -> Result<T, ConsoleError> {
    if allows(me, SignedInUser::is_admin).await {
        fetch.await
    } else {
        Err(ConsoleError::Forbidden)
    }
}

#[component]
fn KeysCard(
    keys: Resource<Result<crate::dto::KeysData, ConsoleError>>,
    create: ServerAction<CreateApiKey>,
    revoke: ServerAction<RevokeApiKey>,
) -> impl IntoView {
    let create_errors = field_errors(create.value().into());
    view! {
        <section class="card" aria-labelledby="keys-title">
            <h2 id="keys-title">"API keys"</h2>
            <p class="hint">
                "Keys authenticate the REST API (" <code>"Authorization: Bearer …"</code>
                "). A key is shown once, when it is created; Herald keeps only its hash. "
                "Give each key the narrowest scope that does its job: a platform's backend "
                "needs only " <code>"ingest"</code> "."
            </p>
            <ActionForm action=create attr:class="row end">
                <div class="field">
                    <label for="key-name">"Key name"</label>
                    <input id="key-name" type="text" name="name" placeholder="ci-pipeline" autocomplete="off"
                        aria-invalid=invalid(create_errors, "name".into()) aria-describedby=error_id("name")/>
                    <FieldError errors=create_errors field="name"/>
                </div>
                <div class="field">
                    <label for="key-scope">"Scope"</label>
                    <select id="key-scope" name="scope"
                        aria-invalid=invalid(create_errors, "scope".into()) aria-describedby=error_id("scope")>
                        {Scope::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=s == Scope::Manage>{scope_label(s)}</option>
                        }).collect_view()}
                    </select>
                    <FieldError errors=create_errors field="scope"/>
                </div>
                <button type="submit" class="btn primary">"Create API key"</button>
            </ActionForm>
            <ActionError value=create.value().into()/>
            <ActionError value=revoke.value().into()/>
            <Transition fallback=loading>
                {move || Suspend::new(async move {
                    match keys.await {
                        Ok(data) => view! {
                            {data.new_key.map(|k| view! {
                                <div class="alert ok new-key" role="status">
                                    <p>"API key “" {k.name} "” created. Copy it now; it will not be shown again:"</p>
                                    <p><code class="secret" aria-label="New API key">{k.key}</code></p>
                                </div>
                            })}
                            <KeyTable keys=data.keys revoke/>
                        }
                        .into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

/// The retention is set where Herald starts (`HERALD_RETENTION`), so it is shown, not edited.
#[component]
fn RetentionCard(retention: Resource<Result<String, ConsoleError>>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="retention-title">
            <h2 id="retention-title">"Data retention"</h2>
            <Transition fallback=loading>
                {move || Suspend::new(async move {
                    match retention.await {
                        Ok(label) => view! {
                            <p>
                                "Events, finished deliveries and their attempts are kept for "
                                <strong data-testid="retention">{label}</strong>
                                "; pending deliveries and their events are always kept."
                            </p>
                            <p class="hint">"Set with " <code>"HERALD_RETENTION"</code> " (e.g. 30d, 12h, off) when Herald starts."</p>
                        }
                        .into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn KeyTable(keys: Vec<ApiKey>, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    if keys.is_empty() {
        return view! { <p class="empty">"No API keys yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table aria-label="API keys">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Key"</th>
                        <th scope="col">"Scope"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {keys.into_iter().map(|k| view! {
                        <tr>
                            <td>{k.name.clone()}</td>
                            <td class="mono">{k.prefix.clone()} "…"</td>
                            <td>{k.scope.as_str()}</td>
                            <td>{show_time(&k.created_at)}</td>
                            <td>{show_opt_time(&k.last_used_at)}</td>
                            <td>
                                <ActionForm action=revoke attr:class="inline">
                                    <input type="hidden" name="id" value=k.id.clone()/>
                                    <button type="submit" class="btn ghost small danger-text">"Revoke"</button>
                                </ActionForm>
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn PasswordCard() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let me = use_context::<Me>();
    // Which account the password belongs to: shown, and for password managers.
    let who = move || {
        Suspend::new(async move {
            let name = match me {
                Some(Me(user)) => user.await.ok().flatten().map(|u| u.name),
                None => None,
            }
            .unwrap_or_default();
            view! {
                <p class="hint">"Signed in as " {name.clone()} ". Passwords are stored as argon2 hashes."</p>
                <input type="text" name="username" value=name form="password-form" autocomplete="username" hidden=true readonly=true/>
            }
        })
    };
    let errors = field_errors(change.value().into());
    let field = move |id: &'static str,
                      name: &'static str,
                      label: &'static str,
                      autocomplete: &'static str| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type="password" name=name autocomplete=autocomplete
                    aria-invalid=invalid(errors, name.into()) aria-describedby=error_id(name)/>
                <FieldError errors field=name/>
            </div>
        }
    };
    view! {
        <section class="card" aria-labelledby="account-title">
            <h2 id="account-title">"Account"</h2>
            <Suspense fallback=|| ()>{who}</Suspense>
            <ActionForm action=change attr:class="stack narrow" attr:id="password-form">
                {field("pw-current", "current", "Current password", "current-password")}
                {field("pw-new", "new_password", "New password", "new-password")}
                {field("pw-confirm", "confirm", "Confirm new password", "new-password")}
                <button type="submit" class="btn primary">"Change password"</button>
            </ActionForm>
            <ActionError value=change.value().into()/>
            {move || matches!(change.value().get(), Some(Ok(()))).then(|| view! {
                <p class="alert ok" role="status">"Password changed."</p>
            })}
        </section>
    }
    .into_any()
}
