//! The settings page's "Users" section, shown to admins only (docs/roles.md): create a
//! user with a role (their one-time setup token is shown once, like a new API key), change
//! a role, reset (a new setup token; their sessions end) and remove. Every control is a
//! form, so it works without JavaScript.
use leptos::prelude::*;

use crate::api::users::{CreateUser, RemoveUser, ResetUser, SetUserRole};
use crate::components::fields::{error_id, field_errors, invalid, ActionError, FieldError};
use crate::dto::{show_time, UsersData};
use crate::error::ConsoleError;
use crate::pages::{loading, ErrorNotice};
use domain::{Role, User};

/// What the role select says of each role.
fn role_label(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin: everything",
        Role::Editor => "editor: webhooks and deliveries",
        Role::Viewer => "viewer: read only",
    }
}

/// The users section's actions, created by the page (outside any `Suspense`).
#[derive(Clone, Copy)]
pub struct UserActions {
    pub create: ServerAction<CreateUser>,
    pub set_role: ServerAction<SetUserRole>,
    pub reset: ServerAction<ResetUser>,
    pub remove: ServerAction<RemoveUser>,
}

impl Default for UserActions {
    fn default() -> UserActions {
        UserActions {
            create: ServerAction::new(),
            set_role: ServerAction::new(),
            reset: ServerAction::new(),
            remove: ServerAction::new(),
        }
    }
}

impl UserActions {
    /// Changes whenever one of them ran (the list reloads).
    pub fn version(&self) -> usize {
        self.create.version().get()
            + self.set_role.version().get()
            + self.reset.version().get()
            + self.remove.version().get()
    }
}

#[component]
pub fn UsersCard(
    users: Resource<Result<UsersData, ConsoleError>>,
    actions: UserActions,
) -> impl IntoView {
    let create = actions.create;
    let errors = field_errors(create.value().into());
    view! {
        <section class="card" aria-labelledby="users-title">
            <h2 id="users-title">"Users"</h2>
            <p class="hint">
                "Each user signs in with their own password. A new user gets a one-time setup "
                "token, valid for 24 hours: they sign in with their name and the token, then "
                "choose a password. A reset hands out a new token and ends their sessions."
            </p>
            <ActionForm action=create attr:class="row end">
                <div class="field">
                    <label for="user-name">"User name"</label>
                    <input id="user-name" type="text" name="name" placeholder="alice" autocomplete="off"
                        aria-invalid=invalid(errors, "name".into()) aria-describedby=error_id("name")/>
                    <FieldError errors field="name"/>
                </div>
                <div class="field">
                    <label for="user-role">"Role"</label>
                    <select id="user-role" name="role"
                        aria-invalid=invalid(errors, "role".into()) aria-describedby=error_id("role")>
                        {Role::ALL.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=r == Role::Viewer>{role_label(r)}</option>
                        }).collect_view()}
                    </select>
                    <FieldError errors field="role"/>
                </div>
                <button type="submit" class="btn primary">"Create user"</button>
            </ActionForm>
            <ActionError value=create.value().into()/>
            <RowError value=actions.set_role.value().into()/>
            <RowError value=actions.reset.value().into()/>
            <RowError value=actions.remove.value().into()/>
            <Transition fallback=loading>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(data) => view! {
                            {data.new_setup.map(|s| view! {
                                <div class="alert ok new-key" role="status">
                                    <p>"Setup token for “" {s.name.clone()} "”. Hand it over now; it will not be shown again. "
                                       "They sign in as " <code>{s.name}</code> " with it and choose a password:"</p>
                                    <p><code class="secret" aria-label="Setup token">{s.token}</code></p>
                                </div>
                            })}
                            <UserTable users=data.users actions/>
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

/// Any error of a row's action as an alert: their forms have no field of their own to show
/// a validation message next to (e.g. "the last admin must stay an admin").
#[component]
fn RowError<T: Clone + Send + Sync + 'static>(
    value: Signal<Option<Result<T, ConsoleError>>>,
) -> impl IntoView {
    move || match value.get() {
        Some(Err(ConsoleError::Invalid(fields))) => {
            let text = fields
                .into_values()
                .flatten()
                .collect::<Vec<_>>()
                .join("; ");
            Some(view! { <p class="alert error" role="alert">{text}</p> })
        }
        Some(Err(e)) => Some(view! { <p class="alert error" role="alert">{e.to_string()}</p> }),
        _ => None,
    }
}

#[component]
fn UserTable(users: Vec<User>, actions: UserActions) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table aria-label="Users">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {users.into_iter().map(|u| view! { <UserRow u actions/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn UserRow(u: User, actions: UserActions) -> impl IntoView {
    let select_id = format!("role-{}", u.name);
    let (for_role, for_reset, for_remove) = (u.name.clone(), u.name.clone(), u.name.clone());
    let role_label = format!("Role of {}", u.name);
    view! {
        <tr>
            <td>
                {u.name.clone()}
                {u.setup_pending.then(|| view! { " " <span class="badge pending">"setup pending"</span> })}
            </td>
            <td>
                <ActionForm action=actions.set_role attr:class="inline row">
                    <input type="hidden" name="name" value=for_role/>
                    <label for=select_id.clone() class="visually-hidden">{role_label}</label>
                    <select id=select_id name="role">
                        {Role::ALL.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=r == u.role>{r.as_str()}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit" class="btn ghost small">"Change role"</button>
                </ActionForm>
            </td>
            <td>{show_time(&u.created_at)}</td>
            <td>
                <ActionForm action=actions.reset attr:class="inline">
                    <input type="hidden" name="name" value=for_reset/>
                    <button type="submit" class="btn ghost small">"Reset"</button>
                </ActionForm>
                <ActionForm action=actions.remove attr:class="inline">
                    <input type="hidden" name="name" value=for_remove/>
                    <button type="submit" class="btn ghost small danger-text">"Remove"</button>
                </ActionForm>
            </td>
        </tr>
    }
    .into_any()
}
