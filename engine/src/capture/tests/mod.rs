//! Capture tests: hand-made files of every supported format and link type, damaged
//! files, and writer → reader round trips.

mod packets;
mod pcap_files;
mod pcapng_files;
mod round_trip;

/// Joins byte pieces into one file.
fn cat(pieces: &[&[u8]]) -> Vec<u8> {
    pieces.concat()
}
