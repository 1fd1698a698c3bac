//! Properties: no parser panics on any input, and written forms parse back.

use core::time::Duration;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use crate::config::dn::{dn_matches, encode_dn};
use crate::config::{
    AddrSpec, AuthMethod, Identity, IpRange, PortRange, TrafficSelector, TsAddrs, format_duration,
    parse_duration,
};

proptest! {
    #[test]
    fn text_parsers_never_panic(text in ".{0,64}") {
        let _ = Identity::parse(&text);
        let _ = TrafficSelector::parse(&text);
        let _ = parse_duration(&text);
        let _ = AddrSpec::parse(&text);
        let _ = AuthMethod::parse(&text);
        let _ = IpRange::parse(&text);
        let _ = encode_dn(&text);
    }

    /// Structured junk reaches deeper into the selector and DN grammars.
    #[test]
    fn grammar_shaped_text_never_panics(text in "[0-9a-f.:/\\[\\]=, -]{0,40}") {
        let _ = TrafficSelector::parse(&text);
        let _ = Identity::parse(&text);
    }

    /// A received ID_DER_ASN1_DN is peer data: any octets, no panic.
    #[test]
    fn dn_matching_never_panics(received in proptest::collection::vec(any::<u8>(), 0..80)) {
        let pattern = encode_dn("C=CH, O=*, CN=gw").unwrap();
        let _ = dn_matches(&pattern, &received);
        let _ = dn_matches(&received, &pattern);
    }

    #[test]
    fn durations_format_and_parse_back(secs in 0u64..10_000_000_000, nanos in 0u32..1_000_000_000) {
        let duration = Duration::new(secs, nanos);
        prop_assert_eq!(parse_duration(&format_duration(duration)), Ok(duration));
    }

    #[test]
    fn selectors_display_and_parse_back(
        v6 in any::<bool>(),
        a in any::<u128>(),
        b in any::<u128>(),
        dynamic in any::<bool>(),
        protocol in any::<u8>(),
        p in any::<u16>(),
        q in any::<u16>(),
        opaque in any::<bool>(),
    ) {
        let (lo, hi) = (a.min(b), a.max(b));
        let addr = |x: u128| if v6 { IpAddr::V6(Ipv6Addr::from(x)) } else { IpAddr::V4(Ipv4Addr::from(x as u32)) };
        let (lo, hi) = if v6 { (lo, hi) } else { ((lo as u32).min(hi as u32) as u128, (lo as u32).max(hi as u32) as u128) };
        let addrs = if dynamic { TsAddrs::Dynamic } else { TsAddrs::Range(IpRange::new(addr(lo), addr(hi)).unwrap()) };
        let ports = if opaque { PortRange::OPAQUE } else { PortRange { start: p.min(q), end: p.max(q) } };
        let selector = TrafficSelector { addrs, protocol, ports };
        prop_assert_eq!(TrafficSelector::parse(&selector.to_string()), Ok(selector));
    }
}
