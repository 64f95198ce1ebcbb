//! How a webhook's requests are shaped: the payload formats, and the chat/incident
//! formats among them that are rendered from a template.
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Format {
    #[default]
    Envelope,
    Event,
    Slack,
    Discord,
    Teams,
    Pagerduty,
}

crate::named_enum!(Format, "format", "envelope, event, slack, discord, teams or pagerduty", [
    Envelope => "envelope",
    Event => "event",
    Slack => "slack",
    Discord => "discord",
    Teams => "teams",
    Pagerduty => "pagerduty",
]);

impl Format {
    /// The chat/incident format behind this one, if it is rendered from a template.
    pub fn chat(self) -> Option<ChatFormat> {
        match self {
            Format::Slack => Some(ChatFormat::Slack),
            Format::Discord => Some(ChatFormat::Discord),
            Format::Teams => Some(ChatFormat::Teams),
            Format::Pagerduty => Some(ChatFormat::Pagerduty),
            Format::Envelope | Format::Event => None,
        }
    }
    /// Whether one request may carry several events.
    pub fn batches(self) -> bool {
        self == Format::Envelope
    }
    /// What the console's format menu calls it.
    pub fn label(self) -> &'static str {
        match self {
            Format::Envelope => "Envelope (JSON, batched)",
            Format::Event => "Event (JSON, one per request)",
            Format::Slack => "Slack",
            Format::Discord => "Discord",
            Format::Teams => "Microsoft Teams",
            Format::Pagerduty => "PagerDuty (Events API v2)",
        }
    }
}

/// A chat target format (the `format` values other than `envelope` and `event`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum ChatFormat {
    Slack,
    Discord,
    Teams,
    Pagerduty,
}

crate::named_enum!(ChatFormat, "chat format", "slack, discord, teams or pagerduty", [
    Slack => "slack",
    Discord => "discord",
    Teams => "teams",
    Pagerduty => "pagerduty",
]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.as_str()), Some(f));
            assert_eq!(serde_json::to_string(&f).unwrap(), format!("\"{f}\""));
            assert_eq!(
                f.chat().map(|c| c.as_str()).unwrap_or(f.as_str()),
                f.as_str()
            );
        }
        assert_eq!(Format::parse("Slack"), None);
        assert!(Format::Envelope.batches() && !Format::Event.batches());
        let err = "x".parse::<ChatFormat>().unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown chat format \"x\" (expected slack, discord, teams or pagerduty)"
        );
    }
}
