//! What a webhook's filters can name: severities, subjects, and the filter lists
//! themselves. Matching and validation are rules (`engine::rules::filter`).
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

crate::named_enum!(Severity, "severity", "info, low, medium, high or critical", [
    Info => "info",
    Low => "low",
    Medium => "medium",
    High => "high",
    Critical => "critical",
]);

/// What an event is about; in a filter, the fields to require (`None` = any).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Subject {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

impl Subject {
    /// Sets none of its fields (as a filter it would match everything).
    pub fn is_empty(&self) -> bool {
        self.kind.is_none() && self.id.is_none() && self.name.is_none() && self.version.is_none()
    }
}

/// A subject in a webhook's filters: like [`Subject`], but an unknown key is refused (a
/// typo such as `"verison"` would otherwise widen the filter to any version).
#[derive(Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SubjectFilter {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
}

impl From<SubjectFilter> for Subject {
    fn from(f: SubjectFilter) -> Self {
        Subject {
            kind: f.kind,
            id: f.id,
            name: f.name,
            version: f.version,
        }
    }
}

fn strict_subjects<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Subject>, D::Error> {
    let strict: Vec<SubjectFilter> = Deserialize::deserialize(d)?;
    Ok(strict.into_iter().map(Subject::from).collect())
}

/// Webhook filters. An empty list means "any".
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Filters {
    pub projects: Vec<String>,
    pub severities: Vec<Severity>,
    pub sources: Vec<String>,
    #[serde(deserialize_with = "strict_subjects")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<SubjectFilter>))]
    pub subjects: Vec<Subject>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_inside_filter_subjects_are_refused() {
        let typo = r#"{"subjects": [{"type": "deployment", "verison": "v2"}]}"#;
        let err = serde_json::from_str::<Filters>(typo).unwrap_err();
        assert!(err.to_string().contains("verison"), "{err}");
        let ok =
            r#"{"subjects": [{"type": "deployment", "id": "d", "name": "n", "version": "v2"}]}"#;
        assert_eq!(
            serde_json::from_str::<Filters>(ok).unwrap().subjects[0]
                .id
                .as_deref(),
            Some("d")
        );
    }

    #[test]
    fn severity_names_round_trip_in_order() {
        for (i, s) in Severity::ALL.into_iter().enumerate() {
            assert_eq!(s.as_str().parse::<Severity>(), Ok(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
            if i > 0 {
                assert!(Severity::ALL[i - 1] < s);
            }
        }
        assert!("High".parse::<Severity>().is_err());
        assert!(serde_json::from_str::<Severity>("\"urgent\"").is_err());
    }

    #[test]
    fn filters_shape() {
        let f: Filters = serde_json::from_str(
            r#"{"projects": ["p"], "severities": ["high"], "subjects": [{"type": "deployment", "version": "v2"}]}"#,
        )
        .unwrap();
        assert_eq!(f.severities, vec![Severity::High]);
        assert_eq!(f.subjects[0].kind.as_deref(), Some("deployment"));
        assert!(f.sources.is_empty());
        let out = serde_json::to_string(&f.subjects[0]).unwrap();
        assert_eq!(out, r#"{"type":"deployment","version":"v2"}"#);
        assert!(serde_json::from_str::<Filters>(r#"{"project": ["p"]}"#).is_err());
        assert!(Subject::default().is_empty());
    }
}
