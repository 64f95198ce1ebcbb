//! Server functions of the webhooks page: list, read, create/edit, toggle, delete,
//! validate a target before saving, send a test event, and the template preview. Each one
//! checks the session first and then calls the engine.
use leptos::prelude::*;

use crate::dto::*;
use crate::error::ConsoleError;

/// Every webhook, newest first (URLs masked).
#[server(prefix = "/console-api")]
pub async fn list_webhooks() -> Result<WebhookList, ConsoleError> {
    use crate::server::{convert, engine, require, Need};
    require(Need::Read).await?;
    let tenant = crate::server::tenancy::current_tenant().await?;
    let scope = crate::server::tenancy::scope()
        .await?
        .narrowed(Some(&tenant))
        .ok_or_else(|| ConsoleError::NotFound("tenant".into()))?;
    let page = engine()?.list_webhooks(&scope, 200, None).await?;
    Ok(WebhookList {
        webhooks: page.data.into_iter().map(convert::webhook_masked).collect(),
        more: page.next_cursor.is_some(),
    })
}

/// The event catalog.
#[server(prefix = "/console-api")]
pub async fn list_event_types() -> Result<Vec<EventTypeView>, ConsoleError> {
    use crate::server::{convert, engine, require, Need};
    require(Need::Read).await?;
    Ok(engine()?
        .list_event_types()
        .await?
        .into_iter()
        .map(convert::event_type)
        .collect())
}

/// One webhook; with its full URL only `for_edit` (to fill in the edit form), else masked.
/// Protected header values are never included (the engine does not return them).
#[server(prefix = "/console-api")]
pub async fn get_webhook(id: String, for_edit: bool) -> Result<WebhookView, ConsoleError> {
    use crate::server::{convert, engine, require, Need};
    require(if for_edit { Need::Edit } else { Need::Read }).await?;
    let scope = crate::server::tenancy::scope().await?;
    let w = engine()?.get_webhook(&scope, &id).await?;
    Ok(if for_edit {
        convert::webhook(w)
    } else {
        convert::webhook_masked(w)
    })
}

/// Creates (empty `id`) or updates a webhook from the form. On success the dialog closes.
/// Posted by "Add header", "Remove header" or "Validate webhook" (JavaScript off), it saves
/// nothing: it keeps the form as a one-shot draft (with the validation's answer) and the
/// browser goes back to the dialog, which renders the draft.
#[server(prefix = "/console-api")]
pub async fn save_webhook(webhook: WebhookForm) -> Result<String, ConsoleError> {
    use crate::intent::FormIntent;
    use crate::server::{draft, engine, form, require, Need};
    let user = require(Need::Edit).await?;
    let scope = crate::server::tenancy::scope().await?;
    let intent = FormIntent::parse(&webhook.intent)
        .ok_or_else(|| ConsoleError::invalid("intent", "unknown button"))?;
    if intent != FormIntent::Save {
        let validated = if intent == FormIntent::Validate {
            Some(validate_form(&user, &webhook).await)
        } else {
            None
        };
        draft::keep(webhook, intent, validated).await?;
        return Ok(String::new());
    }
    let engine = engine()?;
    let editing = !webhook.id.is_empty();
    let keep_subjects = if editing {
        engine
            .get_webhook(&scope, &webhook.id)
            .await?
            .filters
            .subjects
    } else {
        vec![]
    };
    let parsed = form::parse(&webhook, keep_subjects).map_err(ConsoleError::Invalid)?;
    let result = if editing {
        engine
            .update_webhook(&scope, &webhook.id, parsed.input)
            .await
    } else {
        let mut input = parsed.input;
        input.tenant = Some(crate::server::tenancy::current_tenant().await?);
        engine.create_webhook(&scope, input).await
    };
    match result {
        Ok(saved) => {
            leptos_axum::redirect("/");
            Ok(saved.id)
        }
        Err(engine::EngineError::Invalid(fields)) => Err(ConsoleError::Invalid(
            form::map_header_errors(fields.0, &parsed.header_rows),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Turns a webhook on or off (`active` is the new state).
#[server(prefix = "/console-api")]
pub async fn set_active(id: String, active: bool) -> Result<bool, ConsoleError> {
    use crate::server::{engine, require, Need};
    require(Need::Edit).await?;
    let scope = crate::server::tenancy::scope().await?;
    Ok(engine()?
        .set_webhook_active(&scope, &id, active)
        .await?
        .active)
}

#[server(prefix = "/console-api")]
pub async fn delete_webhook(id: String) -> Result<(), ConsoleError> {
    use crate::server::{engine, require, Need};
    require(Need::Edit).await?;
    let scope = crate::server::tenancy::scope().await?;
    engine()?.delete_webhook(&scope, &id).await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Sends a `webhook.test` event to the form's URL with the form's headers before saving.
/// For a saved webhook, protected headers that were not retyped are sent with their stored
/// values (which stay on the server; the answer shows them masked).
#[server(prefix = "/console-api")]
pub async fn validate_webhook(webhook: WebhookForm) -> Result<TestResultView, ConsoleError> {
    let user = crate::server::require(crate::server::Need::Edit).await?;
    validate_form(&user, &webhook).await
}

/// "Validate webhook" for `user`: with JavaScript through `validate_webhook`, without it
/// through `save_webhook`.
#[cfg(feature = "ssr")]
async fn validate_form(
    user: &crate::server::Principal,
    webhook: &WebhookForm,
) -> Result<TestResultView, ConsoleError> {
    use crate::server::{convert, engine, form};
    let engine = engine()?;
    let scope = crate::server::tenancy::scope().await?;
    let (headers, rows) = form::headers(&webhook.headers);
    engine.check_test_rate(&user.rate_key()).await?;
    let result = if webhook.id.is_empty() {
        engine.validate_target(&webhook.url, headers).await
    } else {
        engine
            .validate_for_webhook(&scope, &webhook.id, &webhook.url, headers)
            .await
    };
    match result {
        Ok(r) => Ok(convert::test_result(r, vec![])),
        Err(engine::EngineError::Invalid(fields)) => Err(ConsoleError::Invalid(
            form::map_header_errors(fields.0, &rows),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The draft of webhook `id`'s form (empty: the create form) kept by a button posted
/// without JavaScript, taken: a second read finds none.
#[server(prefix = "/console-api")]
pub async fn take_webhook_draft(id: String) -> Result<Option<WebhookDraft>, ConsoleError> {
    crate::server::require(crate::server::Need::Edit).await?;
    crate::server::draft::take(&id).await
}

/// Sends a test event of `event_type` (its catalog example) to a saved webhook now.
#[server(prefix = "/console-api")]
pub async fn send_test(id: String, event_type: String) -> Result<TestResultView, ConsoleError> {
    use crate::server::{convert, engine, require, Need};
    let user = require(Need::Edit).await?;
    let scope = crate::server::tenancy::scope().await?;
    let engine = engine()?;
    engine.check_test_rate(&user.rate_key()).await?;
    let result = engine.send_test(&scope, &id, &event_type, None).await?;
    Ok(convert::test_result(result, vec![]))
}

/// Renders `event_type`'s catalog example through `format` with `template` (the format's
/// default when blank): the body the receiver would get.
#[server(prefix = "/console-api")]
pub async fn preview_template(
    format: String,
    event_type: String,
    template: String,
    routing_key: String,
) -> Result<PreviewView, ConsoleError> {
    use crate::server::{engine, require, Need};
    use engine::catalog::to_event_view;
    use engine::payload::formats::{default_template, render, ChatFormat};
    use engine::payload::template;
    require(Need::Read).await?;
    let Ok(chat) = format.parse::<ChatFormat>() else {
        return Ok(PreviewView {
            body: None,
            error: Some(format!("The {format} format sends the event as JSON; templates apply to Slack, Discord, Teams and PagerDuty.")),
            default_template: String::new(),
        });
    };
    let types = engine()?.list_event_types().await?;
    let Some(t) = types.into_iter().find(|t| t.name == event_type) else {
        return Err(ConsoleError::invalid("event_type", "unknown event type"));
    };
    let example = to_event_view(&t.example, "evt_example", 1_732_262_400);
    let default = default_template(chat, &event_type).to_string();
    let mut settings = serde_json::Map::new();
    let key = if routing_key.trim().is_empty() {
        "YOUR_ROUTING_KEY"
    } else {
        routing_key.trim()
    };
    settings.insert("routing_key".into(), serde_json::Value::String(key.into()));
    let max_chars = engine::usecases::webhooks::MAX_TEMPLATE_CHARS;
    if template.chars().count() > max_chars {
        return Err(ConsoleError::invalid(
            "template",
            &format!("must be at most {max_chars} characters"),
        ));
    }
    // The preview renders what a delivery would: within the format's limit, or not at all.
    let max_bytes = engine::payload::formats::limits::template_output_max(chat);
    let parsed = if template.trim().is_empty() {
        Ok(None)
    } else {
        template::parse(&template).and_then(|t| {
            if t.fits(&example, max_bytes) {
                Ok(Some(t))
            } else {
                Err(template::TemplateError {
                    line: 1,
                    column: 1,
                    message: format!(
                        "renders more than {max_bytes} bytes for this example, the {chat} format's limit"
                    ),
                })
            }
        })
    };
    Ok(match parsed {
        Ok(tpl) => {
            let body = render(chat, &example, tpl.as_ref(), &settings);
            PreviewView {
                body: serde_json::to_string_pretty(&body).ok(),
                error: None,
                default_template: default,
            }
        }
        Err(e) => PreviewView {
            body: None,
            error: Some(format!(
                "line {}, column {}: {}",
                e.line, e.column, e.message
            )),
            default_template: default,
        },
    })
}

/// Evaluates a condition and previews redactions (the form's text, one a line) on the
/// catalog examples of `event_types` (comma-separated patterns; every type when empty),
/// without saving (the condition editor's live preview).
#[server(prefix = "/console-api")]
pub async fn check_condition(
    condition: String,
    redact: String,
    event_types: String,
) -> Result<ConditionCheckResult, ConsoleError> {
    use crate::server::{engine, form, require, Need};
    require(Need::Read).await?;
    let redact = form::redactions(&redact).map_err(|e| ConsoleError::invalid("redact", &e))?;
    let mut event_types: Vec<String> = event_types
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if event_types.is_empty() {
        event_types.push("*".into());
    }
    Ok(engine()?
        .condition_check(domain::ConditionCheck {
            condition,
            redact,
            event: None,
            event_types,
        })
        .await?)
}
