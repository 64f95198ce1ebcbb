//! Default message templates per chat format and event type. Each built-in
//! type has a headline, a one-line body and optional detail line; the macro
//! below composes them per format (Slack `*bold*` and `>` quote, Discord
//! `**bold**` and `>` quote, Teams `**bold**` and a paragraph, PagerDuty one
//! plain line without details). Unknown types fall back to a generic
//! template per format.

use super::ChatFormat;

macro_rules! default_templates {
    ($( $name:literal => $headline:literal, $body:literal $(, $details:literal)? ; )*) => {
        /// The default template for `event_type` in `format` (a generic one
        /// for types outside the built-in catalog).
        pub fn default_template(format: ChatFormat, event_type: &str) -> &'static str {
            match format {
                ChatFormat::Slack => match event_type {
                    $( $name => concat!("*", $headline, "* ", $body $(, "\n> ", $details)?), )*
                    _ => SLACK_GENERIC,
                },
                ChatFormat::Discord => match event_type {
                    $( $name => concat!("**", $headline, "** ", $body $(, "\n> ", $details)?), )*
                    _ => DISCORD_GENERIC,
                },
                ChatFormat::Teams => match event_type {
                    $( $name => concat!("**", $headline, "** ", $body $(, "\n\n", $details)?), )*
                    _ => TEAMS_GENERIC,
                },
                ChatFormat::Pagerduty => match event_type {
                    $( $name => concat!($headline, " ", $body), )*
                    _ => PAGERDUTY_GENERIC,
                },
            }
        }
    };
}

const SLACK_GENERIC: &str = "*Event `{{type}}`* · project {{project | default(\"–\")}} · \
subject {{subject.name | default(\"–\")}} {{subject.version}}\n```{{data | json | truncate(2500)}}```";
const DISCORD_GENERIC: &str = "**Event `{{type}}`** · project {{project | default(\"–\")}} · \
subject {{subject.name | default(\"–\")}} {{subject.version}}\n```json\n{{data | json | truncate(3500)}}\n```";
const TEAMS_GENERIC: &str = "**Event {{type}}** · project {{project | default(\"–\")}} · \
subject {{subject.name | default(\"–\")}} {{subject.version}}\n\n{{data | json | truncate(3000)}}";
const PAGERDUTY_GENERIC: &str = "Event {{type}} · project {{project | default(\"–\")}} · \
subject {{subject.name | default(\"–\")}} {{subject.version}}";

default_templates! {
    "evaluation.created" => "Evaluation started",
        "in {{project}}: {{data.name}} on {{data.config.sample_count}} samples of {{data.config.dataset}} with {{data.config.model}}";
    "evaluation.completed" => "Evaluation completed",
        "in {{project}}: {{data.name}} — accuracy {{data.summary.triage_accuracy | percent}}, safety {{data.summary.safety_score | percent}}, {{data.summary.samples_for_review}} samples for review";
    "evaluation.failed" => "Evaluation failed",
        "in {{project}}: {{data.evaluator}} scored {{data.score | percent}} (threshold {{data.threshold | percent}}) on {{subject.name}} {{subject.version}}",
        "{{data.explanation}}";
    "evaluation.regressed" => "Evaluation regressed",
        "in {{project}}: {{data.metric}} dropped from {{data.baseline.value | percent}} to {{data.current | percent}} on {{subject.name}} {{subject.version}}";
    "sample.scored" => "Sample scored",
        "in {{project}}: {{data.sample_id}} ({{data.label}}) scores {{data.scores | json | truncate(300)}}";
    "review.assigned" => "Review assigned",
        "in {{project}}: sample {{data.sample_id}} is waiting for {{data.reviewer.name}} in queue {{data.queue.name}} (due {{data.due_at}})",
        "Reason: {{data.reason}}";
    "review.completed" => "Review completed",
        "in {{project}}: {{data.reviewer.name}} reviewed sample {{data.sample_id}} (AI correct: {{data.review.ai_correct}}, label {{data.review.label}})",
        "{{data.review.comment}}";
    "alert.triggered" => "Alert triggered",
        "in {{project}}: {{data.metric}} on {{data.feature}} is {{data.value | round(3)}} (threshold {{data.threshold}}) for {{subject.name}} {{subject.version}}",
        "{{data.report_link}}";
    "alert.resolved" => "Alert resolved",
        "in {{project}}: {{data.metric}} on {{data.feature}} is back to {{data.value | round(3)}} (threshold {{data.threshold}}) for {{subject.name}} {{subject.version}}";
    "safety.critical" => "Critical safety issue",
        "in {{project}}: {{data.issue.type | upper}} detected by {{data.evaluator}} on sample {{data.sample_id}} from {{subject.name}} {{subject.version}}",
        "{{data.issue.description}}";
    "run.completed" => "Run completed",
        "in {{project}} for {{subject.name}} {{subject.version}} (succeeded: {{data.succeeded}})",
        "Report: {{data.report_link}}";
    "request.started" => "Request started",
        "on {{subject.type}} {{subject.name}} {{subject.version}}: {{data.request_id}} is {{data.status}}";
    "request.finished" => "Request finished",
        "on {{subject.type}} {{subject.name}} {{subject.version}}: {{data.request_id}} ended {{data.status}}";
    "request.completed" => "Request completed",
        "on {{subject.type}} {{subject.name}} {{subject.version}}: {{data.request_id}}";
    "request.failed" => "Request failed",
        "on {{subject.type}} {{subject.name}} {{subject.version}}: {{data.request_id}}",
        "{{data.error_message}}";
    "rule.matched" => "Rule matched",
        "in {{project}}: {{data.rule_name | default(\"automation rule\")}} matched run {{data.runs.0.name}} ({{data.runs.0.run_type}}, {{data.runs.0.status}}) between {{data.start_time}} and {{data.end_time}}";
    "model.version.created" => "New model version",
        "in {{project}}: {{data.model}} {{data.version}} (previous {{data.previous_version}}) by {{data.created_by}}";
    "prompt.version.created" => "New prompt version",
        "in {{project}}: {{data.prompt}} {{data.version}} by {{data.author}}",
        "{{data.message}}";
    "webhook.test" => "Test event",
        "from Herald: {{data.message}}";
}
