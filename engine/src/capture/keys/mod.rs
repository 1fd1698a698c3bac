//! Keys for a capture, in Wireshark's formats: the files of a profile folder
//! (`WIRESHARK_CONFIG_DIR=DIR tshark` decrypts with them) written and read back, and
//! decryptors that open SK payloads and ESP packets with their entries (`ikelab
//! dissect --keys DIR`).
//!
//! - [`profile`]: tshark's algorithm names and the one emitter of each line
//!   (`ikev2_decryption_table`, `esp_sa`) and of `preferences`.
//! - [`ikev2_table`], [`esp_sa_table`]: each table's parser (and its entry type).
//! - [`table_decryptor::KeyTableDecryptor`] (SK, RFC 7296 §3.14) and
//!   [`esp_table_decryptor::EspTableDecryptor`] (ESP, RFC 4303 §3.4).
//! - [`KeyTables`]: the tables of what a [`KeyLog`](crate::keylog::KeyLog) received,
//!   each SA once.
//!
//! This is the export side of the engine, above `crypto` (which knows nothing of
//! IKE SAs, CHILD SAs or Wireshark) and beside the capture writer. Its output
//! contains keys: it is meant for a lab.

pub mod esp_sa_table;
pub mod esp_table_decryptor;
pub mod ikev2_table;
pub mod profile;
pub mod table_decryptor;
mod tables;

pub use tables::KeyTables;

#[cfg(test)]
mod esp_sa_table_tests;
#[cfg(test)]
mod ikev2_table_tests;
#[cfg(test)]
mod null_esp_tests;
#[cfg(test)]
mod table_decryptor_tests;
