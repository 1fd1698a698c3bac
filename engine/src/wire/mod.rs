//! Bytes ⇄ typed messages: the IKE header, every payload, ESP and UDP encapsulation.
//!
//! One parser and one emitter per structure. Parsing also records each field's byte
//! range, name, value and RFC section, so the dissection that the browser and
//! `ikelab dissect` show comes from this same parser.

pub(crate) mod open_enum;

pub mod iana;
pub mod sa;
