//! IKElab's own crypto, wire and capture code driven on bytes a real peer produced or a
//! real dissector reads: the suites a strongSwan proposal string names (through our
//! proposal parser), the IKE messages and ESP packets of a capture (through our capture
//! reader and wire parser), whole-message SK protection (RFC 7296 §3.14, RFC 5282) and
//! ESP decryption (RFC 4303, RFC 4106) with keys from our key schedule.
//!
//! Used by `interop_key_schedule` (our key schedule, AUTH, SK open and parser against
//! charon) and `interop_sk_tshark` (SK payloads sealed by us, decrypted by tshark).

mod captured;
mod esp;
mod sk;
mod suite;

pub use captured::{CapturedEsp, CapturedIke, CapturedTraffic, read_capture};
pub use esp::{EspOpened, open_esp};
pub use sk::{OpenedMessage, open_message};
pub use suite::{child_suite, ike_suite};

use super::error::InteropError;

/// An engine error (crypto, wire, capture, proposal) as a harness error about `what`.
fn engine_error(what: &str, error: impl std::fmt::Display) -> InteropError {
    InteropError::parse(what, error.to_string())
}
