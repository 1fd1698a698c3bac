//! The recorder a `Reader` carries while dissecting: it turns the parser's reads into
//! the `Field` tree. Without one, parsing records nothing and renders nothing.

use std::borrow::Cow;
use std::ops::Range;

use super::decrypt::Decryptor;
use super::field::Field;
use crate::wire::error::WireError;
use crate::wire::header::IkeHeader;

/// Open structures, innermost last; `stack[0]` is the root whose children are the
/// dissection's top-level fields.
pub(crate) struct Recorder<'a> {
    stack: Vec<Field>,
    error_recorded: bool,
    pub(crate) decryptor: Option<&'a mut dyn Decryptor>,
    pub(crate) header: Option<IkeHeader>,
}

impl core::fmt::Debug for Recorder<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Recorder")
            .field("depth", &self.stack.len())
            .field("error_recorded", &self.error_recorded)
            .field("has_decryptor", &self.decryptor.is_some())
            .finish()
    }
}

/// A point to roll back to (see `Reader::attempt`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark {
    depth: usize,
    children: usize,
    error_recorded: bool,
}

impl<'a> Recorder<'a> {
    pub(crate) fn new(decryptor: Option<&'a mut dyn Decryptor>) -> Self {
        Self {
            stack: vec![Field::leaf("", "", 0..0, "", "")],
            error_recorded: false,
            decryptor,
            header: None,
        }
    }

    pub(crate) fn push_leaf(&mut self, field: Field) {
        if let Some(top) = self.stack.last_mut() {
            top.children.push(field);
        }
    }

    pub(crate) fn open(
        &mut self,
        name: Cow<'static, str>,
        rfc: &'static str,
        meaning: Cow<'static, str>,
        start: usize,
    ) {
        self.stack
            .push(Field::leaf(name, rfc, start..start, "", meaning));
    }

    pub(crate) fn close(&mut self, end: usize, value: String) {
        if self.stack.len() < 2 {
            return;
        }
        if let Some(mut field) = self.stack.pop() {
            field.range.end = end.max(field.range.start);
            field.value = value;
            self.push_leaf(field);
        }
    }

    /// Records the error where the parser stopped (once: the innermost structure).
    pub(crate) fn record_error(&mut self, error: &WireError, end: usize) {
        if self.error_recorded {
            return;
        }
        self.error_recorded = true;
        let start = error.offset;
        self.push_leaf(Field::leaf(
            "Malformed",
            "RFC 7296 §2.21.3",
            start..end.max(start),
            error.to_string(),
            "The parser stopped here: the bytes do not follow the format the RFC defines, \
             so a receiver drops the message (or answers INVALID_SYNTAX).",
        ));
    }

    pub(crate) fn mark(&self) -> Mark {
        Mark {
            depth: self.stack.len(),
            children: self.stack.last().map_or(0, |f| f.children.len()),
            error_recorded: self.error_recorded,
        }
    }

    pub(crate) fn rollback(&mut self, mark: Mark) {
        self.stack.truncate(mark.depth.max(1));
        if let Some(top) = self.stack.last_mut() {
            top.children.truncate(mark.children);
        }
        self.error_recorded = mark.error_recorded;
    }

    /// The top-level fields (closing any structure still open).
    pub(crate) fn finish(mut self, end: usize) -> Vec<Field> {
        while self.stack.len() > 1 {
            self.close(end, "(incomplete)".to_owned());
        }
        self.stack
            .pop()
            .map(|root| root.children)
            .unwrap_or_default()
    }

    pub(crate) fn set_last_decrypted(&mut self, block: super::field::DecryptedBlock) {
        if let Some(leaf) = self
            .stack
            .last_mut()
            .and_then(|top| top.children.last_mut())
        {
            leaf.decrypted = Some(Box::new(block));
        }
    }

    pub(crate) fn leaf_at(
        &mut self,
        range: Range<usize>,
        name: &'static str,
        rfc: &'static str,
        value: String,
        meaning: Cow<'static, str>,
    ) {
        self.push_leaf(Field::leaf(name, rfc, range, value, meaning));
    }
}
