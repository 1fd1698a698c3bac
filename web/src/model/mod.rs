//! The lab's model: everything the views know about a run, read from the trace once.
//!
//! Every view reads these types and never an engine type, so a change of the trace
//! format (trace/1 → trace/2) touches this folder only.

pub(crate) mod dissection;
pub(crate) mod failure;
pub(crate) mod flights;
pub(crate) mod ladder;
pub(crate) mod lanes;
pub(crate) mod layout;
pub(crate) mod lines;
pub(crate) mod run;
pub(crate) mod why;

pub(crate) use run::{Lab, Origin};

#[cfg(test)]
mod tests;
