//! The lab's model: everything the views know about a run, read from the trace once.
//!
//! Every view reads these types and never an engine type, so a change of the trace
//! format (trace/1 → trace/2) touches this folder only.

#[cfg(feature = "tools")]
pub(crate) mod compare;
pub(crate) mod dissection;
#[cfg(feature = "tools")]
pub(crate) mod edit;
pub(crate) mod failure;
pub(crate) mod flights;
#[cfg(feature = "tools")]
pub(crate) mod keys;
pub(crate) mod ladder;
pub(crate) mod lanes;
pub(crate) mod layout;
pub(crate) mod lines;
#[cfg(feature = "tools")]
pub(crate) mod peers;
pub(crate) mod run;
#[cfg(feature = "tools")]
pub(crate) mod traffic;
pub(crate) mod why;

pub(crate) use run::{Lab, Origin};

#[cfg(test)]
mod tests;
