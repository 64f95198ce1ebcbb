//! Which button posted the create/edit webhook form (`webhook[intent]`). With JavaScript
//! the editor's buttons act in place and only "Create"/"Save" posts; without it "Add
//! header", "Remove header" and "Validate webhook" post the whole form too, and the server
//! keeps it as a draft instead of saving (see `docs/console.md`, "Without JavaScript").

/// The button that posted the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormIntent {
    Save,
    AddHeader,
    /// Remove the header row at this position of the posted rows.
    RemoveHeader(usize),
    Validate,
}

impl FormIntent {
    /// Reads `webhook[intent]`; empty (a form posted by pressing Enter in older browsers,
    /// or by a client that does not name the button) means save. `None` when unknown.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "" | "save" => Some(Self::Save),
            "add_header" => Some(Self::AddHeader),
            "validate" => Some(Self::Validate),
            other => other
                .strip_prefix("remove_header:")
                .and_then(|n| n.parse().ok())
                .map(Self::RemoveHeader),
        }
    }

    /// The button's `value`.
    pub fn value(self) -> String {
        match self {
            Self::Save => "save".into(),
            Self::AddHeader => "add_header".into(),
            Self::RemoveHeader(n) => format!("remove_header:{n}"),
            Self::Validate => "validate".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FormIntent::{self, *};

    #[test]
    fn parses_every_button() {
        let table: [(&str, Option<FormIntent>); 10] = [
            ("", Some(Save)),
            ("save", Some(Save)),
            ("add_header", Some(AddHeader)),
            ("validate", Some(Validate)),
            ("remove_header:0", Some(RemoveHeader(0))),
            ("remove_header:12", Some(RemoveHeader(12))),
            ("remove_header:", None),
            ("remove_header:-1", None),
            ("delete", None),
            ("Save", None),
        ];
        for (text, want) in table {
            assert_eq!(FormIntent::parse(text), want, "{text:?}");
        }
    }

    #[test]
    fn value_reads_back() {
        for i in [Save, AddHeader, RemoveHeader(3), Validate] {
            assert_eq!(FormIntent::parse(&i.value()), Some(i));
        }
    }
}
