//! Field-level error display: messages for an engine field path, shown next to the input
//! that carries `aria-describedby` pointing at them.
use leptos::prelude::*;

use crate::error::{ConsoleError, FieldErrors};

/// The messages for `field`: the exact path and any path below it (`event_types` also
/// collects `event_types[2]`, `templates.x` collects `templates.x`).
pub fn messages(errors: &FieldErrors, field: &str) -> Vec<String> {
    errors
        .iter()
        .filter(|(k, _)| {
            k.as_str() == field
                || k.strip_prefix(field)
                    .is_some_and(|rest| rest.starts_with('[') || rest.starts_with('.'))
        })
        .flat_map(|(_, v)| v.iter().cloned())
        .collect()
}

/// The id of the element holding `field`'s messages.
pub fn error_id(field: &str) -> String {
    let mut id = String::from("err-");
    for c in field.chars() {
        id.push(if c.is_ascii_alphanumeric() { c } else { '-' });
    }
    id
}

/// The field errors of an action's last answer, if it was a validation error.
pub fn field_errors<T: Clone + Send + Sync + 'static>(
    value: Signal<Option<Result<T, ConsoleError>>>,
) -> Signal<FieldErrors> {
    Signal::derive(move || match value.get() {
        Some(Err(ConsoleError::Invalid(f))) => f,
        _ => FieldErrors::new(),
    })
}

/// The messages for `field`, in an element with id `error_id(field)`; empty when fine.
#[component]
pub fn FieldError(errors: Signal<FieldErrors>, #[prop(into)] field: String) -> impl IntoView {
    let id = error_id(&field);
    let text = move || messages(&errors.get(), &field).join("; ");
    view! { <p class="field-error" id=id>{text}</p> }
}

/// `aria-invalid` for an input: `Some("true")` when `field` has errors.
pub fn invalid(
    errors: Signal<FieldErrors>,
    field: String,
) -> impl Fn() -> Option<&'static str> + Send + Sync + 'static {
    move || (!messages(&errors.get(), &field).is_empty()).then_some("true")
}

/// A non-validation error of an action, as an alert (e.g. "Webhook not found.").
#[component]
pub fn ActionError<T: Clone + Send + Sync + 'static>(
    value: Signal<Option<Result<T, ConsoleError>>>,
) -> impl IntoView {
    move || match value.get() {
        Some(Err(e)) if !matches!(e, ConsoleError::Invalid(_)) => {
            Some(view! { <p class="alert error" role="alert">{e.to_string()}</p> })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_by_prefix() {
        let mut e = FieldErrors::new();
        e.insert("event_types[1]".into(), vec!["unknown".into()]);
        e.insert("headers[1].key".into(), vec!["bad".into()]);
        e.insert("headers[10].key".into(), vec!["other".into()]);
        assert_eq!(messages(&e, "event_types"), vec!["unknown"]);
        assert_eq!(messages(&e, "headers[1].key"), vec!["bad"]);
        assert!(messages(&e, "headers[1]").contains(&"bad".to_string()));
        assert!(!messages(&e, "headers[1]").contains(&"other".to_string()));
        assert!(messages(&e, "event").is_empty());
        assert_eq!(error_id("headers[1].key"), "err-headers-1--key");
    }
}

/// A labelled number input whose engine error (for `field`) shows beneath it and marks
/// it invalid.
#[component]
pub fn NumberField(
    id: &'static str,
    label: &'static str,
    name: &'static str,
    value: String,
    errors: Signal<FieldErrors>,
    field: &'static str,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id type="number" name=name value=value
                aria-invalid=invalid(errors, field.to_string()) aria-describedby=error_id(field)/>
            <FieldError errors field=field/>
        </div>
    }
}
