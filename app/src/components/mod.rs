//! Building blocks of the console's pages.
pub mod charts;
pub mod condition_editor;
pub mod delivery_log;
pub mod dialog;
pub mod fields;
pub mod headers_editor;
pub mod templates_editor;
pub mod test_result;
pub mod webhook_advanced;
pub mod webhook_dialogs;
pub mod webhook_form;
