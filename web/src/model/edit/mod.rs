//! The scenario editor's model: the scenario as TOML text, edited in place by the
//! form ([`fields`]) or by hand, checked with the engine's own reader and
//! validation ([`check`]), and carried in the URL ([`link`]).
//!
//! The text is the one source: a form field reads its value from the text and writes
//! it back with `toml_edit`, which keeps the file's comments, order and layout, so
//! the raw TOML beside the form stays the reader's file with one value changed.

pub(crate) mod check;
pub(crate) mod fields;
pub(crate) mod link;
pub(crate) mod script;
#[cfg(test)]
mod tests;

pub(crate) use check::{Problem, check};
pub(crate) use fields::{Field, FieldKind, form_fields, read_field, write_field};

/// The editor's text and why it does not run, if it does not.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Draft {
    pub(crate) text: String,
    /// Empty when the text ran (the run on screen is this text's).
    pub(crate) problems: Vec<Problem>,
}
