//! The engine's one error type. Field-level validation errors carry the field path and
//! messages so the API and console can show them next to the right input.
use std::collections::BTreeMap;

/// `field path -> messages`, e.g. `"headers[1].key" -> ["duplicate header"]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FieldErrors(pub BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(message.into());
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.add(field, message);
        e
    }
    /// `Ok(())` when empty, else the errors as an [`EngineError::Invalid`].
    pub fn into_result(self) -> Result<(), EngineError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(EngineError::Invalid(self))
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.join("; ")))
            .collect();
        f.write_str(&parts.join(", "))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("configuration: {0}")]
    Config(String),
    #[error("master key: {0}")]
    Key(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("too many test sends; try again in {0} s")]
    RateLimited(u64),
    #[error("too many sign-in attempts; try again in {0} s")]
    TooManyAttempts(u64),
    #[error("busy checking other sign-ins; try again in a moment")]
    Busy,
    #[error("engine is shutting down")]
    ShuttingDown,
}

impl EngineError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(FieldErrors::single(field, message))
    }
}

impl From<serde_json::Error> for EngineError {
    fn from(e: serde_json::Error) -> Self {
        Self::Corrupt(e.to_string())
    }
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;
