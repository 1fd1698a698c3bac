//! NAT detection (RFC 7296 §2.23) and the NAT-T port float.
//!
//! Each IKE_SA_INIT message carries NAT_DETECTION_SOURCE_IP (a hash of where the
//! sender thinks it sends from) and NAT_DETECTION_DESTINATION_IP (a hash of where it
//! sends to):
//!
//! ```text
//! hash = SHA-1 ( SPIi | SPIr | IP | Port )        (RFC 7296 §2.23)
//! ```
//!
//! with the SPIs of the message's own header (SPIr is zero in the request), the IP
//! address as 4 or 16 octets and the port as two octets in network order. The receiver
//! recomputes both from the addresses it sees: a source hash that matches none of the
//! received ones means a NAT rewrote the sender's address (the peer is behind NAT); a
//! destination hash that does not match means a NAT sits in front of the receiver (we
//! are behind NAT, and must keep the mapping alive, RFC 3948 §2.3).
//!
//! NAT-D is a fixed SHA-1, not a negotiated transform, so it does not go through the
//! crypto provider's tables (which hold negotiable transforms only).

use std::net::{IpAddr, SocketAddr};

use rand_core::CryptoRng;
use sha1::{Digest, Sha1};

pub use crate::event::NatDetection;
use crate::wire::iana::NotifyType;
use crate::wire::{IkeSpi, NotifyData, NotifyPayload, Payload};

/// SHA-1(SPIi | SPIr | IP | Port) (RFC 7296 §2.23).
pub(crate) fn natd_hash(spi_i: IkeSpi, spi_r: IkeSpi, addr: SocketAddr) -> [u8; 20] {
    let mut h = Sha1::new();
    h.update(spi_i.0);
    h.update(spi_r.0);
    match addr.ip() {
        IpAddr::V4(a) => h.update(a.octets()),
        IpAddr::V6(a) => h.update(a.octets()),
    }
    h.update(addr.port().to_be_bytes());
    h.finalize().into()
}

/// The two NAT detection notifies a message carries. With `fake_source` (swanctl's
/// `encap = yes`), the source hash is random, so the peer believes we are behind a
/// NAT and both sides encapsulate ESP in UDP (what strongSwan does for `encap`).
pub(crate) fn natd_payloads(
    spi_i: IkeSpi,
    spi_r: IkeSpi,
    local: SocketAddr,
    remote: SocketAddr,
    fake_source: Option<&mut (dyn CryptoRng + '_)>,
) -> [Payload; 2] {
    let source = match fake_source {
        Some(rng) => {
            let mut random = [0u8; 20];
            rng.fill_bytes(&mut random);
            random
        }
        None => natd_hash(spi_i, spi_r, local),
    };
    [
        Payload::Notify(NotifyPayload::new(
            NotifyType::NAT_DETECTION_SOURCE_IP,
            source.to_vec(),
        )),
        Payload::Notify(NotifyPayload::new(
            NotifyType::NAT_DETECTION_DESTINATION_IP,
            natd_hash(spi_i, spi_r, remote).to_vec(),
        )),
    ]
}

/// Reads the NAT detection notifies of a received IKE_SA_INIT message. `local` and
/// `remote` are the datagram's destination and source as our socket saw them; the
/// SPIs are those of the received message's header.
pub(crate) fn detect(
    payloads: &[Payload],
    spi_i: IkeSpi,
    spi_r: IkeSpi,
    local: SocketAddr,
    remote: SocketAddr,
) -> NatDetection {
    let hashes = |kind: NotifyType| -> Vec<Vec<u8>> {
        payloads
            .iter()
            .filter_map(|p| match p {
                Payload::Notify(n) if n.notify_type == kind => match n.decoded() {
                    Ok(NotifyData::NatDetectionHash(h)) => Some(h),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    };
    let sources = hashes(NotifyType::NAT_DETECTION_SOURCE_IP);
    let destinations = hashes(NotifyType::NAT_DETECTION_DESTINATION_IP);
    if sources.is_empty() || destinations.is_empty() {
        return NatDetection {
            peer_supports_nat_t: false,
            local_behind_nat: false,
            remote_behind_nat: false,
        };
    }
    let seen_remote = natd_hash(spi_i, spi_r, remote);
    let seen_local = natd_hash(spi_i, spi_r, local);
    NatDetection {
        peer_supports_nat_t: true,
        // §2.23: several source hashes may come from a multihomed sender; one match
        // is enough.
        remote_behind_nat: !sources.iter().any(|h| h.as_slice() == seen_remote),
        local_behind_nat: !destinations.iter().any(|h| h.as_slice() == seen_local),
    }
}

/// The address a NAT-T float moves a port-500 endpoint to (RFC 7296 §2.23: "switch
/// to port 4500"); other ports stay (a peer already on a custom or NAT-T port).
pub(crate) fn float_port(addr: SocketAddr, ike_port: u16, nat_t_port: u16) -> SocketAddr {
    if addr.port() == ike_port {
        SocketAddr::new(addr.ip(), nat_t_port)
    } else {
        addr
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn addr(s: &str) -> SocketAddr {
        s.parse()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    #[test]
    fn hash_covers_spis_address_and_port() {
        let (i, r) = (IkeSpi::from(1), IkeSpi::ZERO);
        let a = natd_hash(i, r, addr("192.0.2.1:500"));
        assert_ne!(a, natd_hash(i, r, addr("192.0.2.1:4500")));
        assert_ne!(a, natd_hash(i, r, addr("192.0.2.2:500")));
        assert_ne!(a, natd_hash(i, IkeSpi::from(2), addr("192.0.2.1:500")));
        // The input is 8 + 8 + 4 + 2 octets: check against SHA-1 of the concatenation.
        let mut input = Vec::new();
        input.extend_from_slice(&i.0);
        input.extend_from_slice(&r.0);
        input.extend_from_slice(&[192, 0, 2, 1, 0x01, 0xf4]);
        let expected: [u8; 20] = Sha1::digest(&input).into();
        assert_eq!(a, expected);
    }

    #[test]
    fn detection_tells_which_side_is_behind_nat() {
        let (i, r) = (IkeSpi::from(7), IkeSpi::from(9));
        let (client, server) = (addr("10.0.0.2:500"), addr("192.0.2.1:500"));
        let sent = natd_payloads(i, r, client, server, None);
        // No NAT: what the client sent matches what the server sees.
        let d = detect(&sent, i, r, server, client);
        assert!(d.peer_supports_nat_t && !d.local_behind_nat && !d.remote_behind_nat);
        // A NAT rewrote the client's address to 198.51.100.7:3000.
        let d = detect(&sent, i, r, server, addr("198.51.100.7:3000"));
        assert!(d.remote_behind_nat && !d.local_behind_nat);
        // The server itself is reached through a port forward.
        let d = detect(&sent, i, r, addr("10.9.9.9:500"), client);
        assert!(d.local_behind_nat && !d.remote_behind_nat);
        // No notifies: no NAT-T support, nothing detected.
        let d = detect(&[], i, r, server, client);
        assert!(!d.peer_supports_nat_t && !d.remote_behind_nat);
    }

    #[test]
    fn float_moves_only_the_ike_port() {
        assert_eq!(
            float_port(addr("192.0.2.1:500"), 500, 4500),
            addr("192.0.2.1:4500")
        );
        assert_eq!(
            float_port(addr("192.0.2.1:7000"), 500, 4500),
            addr("192.0.2.1:7000")
        );
    }
}
