//! Tests of the ESP data plane: published vectors, the replay window, round trips
//! for every transform and mode, malformed and hostile input.

mod kat;
mod replay;
mod round_trip;
mod transport_nat;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{ChildEsp, EspParams, VolumeLimits};
use crate::crypto::CryptoProvider;
use crate::wire::TrafficSelector;
use crate::wire::iana::{EncrId, IntegId};
use crate::wire::ip::{IpProtocol, emit_ip_packet};

pub(super) fn hex(s: &str) -> Vec<u8> {
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    crate::wire::hex::decode(&clean).expect("test hex")
}

/// One transform under test.
#[derive(Debug, Clone, Copy)]
pub(super) struct Suite {
    pub(super) encr: EncrId,
    pub(super) key_bits: Option<u16>,
    pub(super) integ: Option<IntegId>,
    /// Octets of ENCR keying material (AEAD: key + 4 salt).
    pub(super) encr_len: usize,
    pub(super) integ_len: usize,
}

pub(super) const SUITES: [Suite; 7] = [
    Suite {
        encr: EncrId::AES_GCM_16,
        key_bits: Some(128),
        integ: None,
        encr_len: 20,
        integ_len: 0,
    },
    Suite {
        encr: EncrId::AES_GCM_16,
        key_bits: Some(256),
        integ: None,
        encr_len: 36,
        integ_len: 0,
    },
    Suite {
        encr: EncrId::CHACHA20_POLY1305,
        key_bits: None,
        integ: None,
        encr_len: 36,
        integ_len: 0,
    },
    Suite {
        encr: EncrId::AES_CBC,
        key_bits: Some(128),
        integ: Some(IntegId::HMAC_SHA2_256_128),
        encr_len: 16,
        integ_len: 32,
    },
    Suite {
        encr: EncrId::AES_CBC,
        key_bits: Some(256),
        integ: Some(IntegId::HMAC_SHA2_384_192),
        encr_len: 32,
        integ_len: 48,
    },
    Suite {
        encr: EncrId::AES_CBC,
        key_bits: Some(256),
        integ: Some(IntegId::HMAC_SHA2_512_256),
        encr_len: 32,
        integ_len: 64,
    },
    Suite {
        encr: EncrId::NULL,
        key_bits: None,
        integ: Some(IntegId::HMAC_SHA2_256_128),
        encr_len: 0,
        integ_len: 32,
    },
];

pub(super) const SPI_A_TO_B: u32 = 0x1111_2222;
pub(super) const SPI_B_TO_A: u32 = 0x3333_4444;

/// Two peers' ESP state for one CHILD SA: A sends with SPI_A_TO_B, B receives it.
pub(super) fn pair(
    provider: &CryptoProvider,
    suite: Suite,
    esn: bool,
    window: u32,
    limits: VolumeLimits,
) -> (ChildEsp, ChildEsp) {
    let ea: Vec<u8> = (0..suite.encr_len as u8).collect();
    let ia: Vec<u8> = (0..suite.integ_len as u8).map(|b| b ^ 0x5a).collect();
    let eb: Vec<u8> = (0..suite.encr_len as u8)
        .map(|b| b.wrapping_mul(3))
        .collect();
    let ib: Vec<u8> = (0..suite.integ_len as u8).map(|b| b ^ 0xa5).collect();
    #[allow(clippy::too_many_arguments)]
    fn params<'k>(
        suite: Suite,
        esn: bool,
        window: u32,
        limits: VolumeLimits,
        spi_in: u32,
        spi_out: u32,
        out: (&'k [u8], &'k [u8]),
        inb: (&'k [u8], &'k [u8]),
    ) -> EspParams<'k> {
        EspParams {
            spi_in,
            spi_out,
            encr: suite.encr,
            encr_key_bits: suite.key_bits,
            integ: suite.integ,
            esn,
            outbound_keys: out,
            inbound_keys: inb,
            replay_window: window,
            limits,
        }
    }
    let a = ChildEsp::new(
        provider,
        &params(
            suite,
            esn,
            window,
            limits,
            SPI_B_TO_A,
            SPI_A_TO_B,
            (&ea, &ia),
            (&eb, &ib),
        ),
    )
    .expect("keys A");
    let b = ChildEsp::new(
        provider,
        &params(
            suite,
            esn,
            window,
            limits,
            SPI_A_TO_B,
            SPI_B_TO_A,
            (&eb, &ib),
            (&ea, &ia),
        ),
    )
    .expect("keys B");
    (a, b)
}

pub(super) const A4: Ipv4Addr = Ipv4Addr::new(10, 1, 0, 1);
pub(super) const B4: Ipv4Addr = Ipv4Addr::new(10, 2, 0, 1);
pub(super) const A6: Ipv6Addr = Ipv6Addr::new(0xfd00, 1, 0, 0, 0, 0, 0, 1);
pub(super) const B6: Ipv6Addr = Ipv6Addr::new(0xfd00, 2, 0, 0, 0, 0, 0, 1);

/// An ICMP echo request (type 8) or ICMPv6 one (type 128) of `len` data octets.
pub(super) fn ping(src: IpAddr, dst: IpAddr, len: usize) -> Vec<u8> {
    let (protocol, kind) = match src {
        IpAddr::V4(_) => (IpProtocol(1), 8u8),
        IpAddr::V6(_) => (IpProtocol(58), 128u8),
    };
    let mut icmp = vec![kind, 0, 0, 0, 0x12, 0x34, 0, 1];
    icmp.extend((0..len).map(|i| i as u8));
    let mut out = Vec::new();
    emit_ip_packet(src, dst, protocol, 7, &icmp, &mut out).expect("ping");
    out
}

/// Selectors covering every address of both families.
pub(super) fn any_ts() -> Vec<TrafficSelector> {
    vec![
        TrafficSelector::ipv4_range(Ipv4Addr::UNSPECIFIED, Ipv4Addr::BROADCAST),
        TrafficSelector::ipv6_range(Ipv6Addr::UNSPECIFIED, Ipv6Addr::from(u128::MAX)),
    ]
}
