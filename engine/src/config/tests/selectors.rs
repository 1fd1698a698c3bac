//! Traffic selectors in swanctl's syntax.

use std::net::IpAddr;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::{parse, parse_error};
use crate::config::{AddrSpec, IpRange, PortRange, TrafficSelector, TsAddrs};
use crate::wire;

fn ts(text: &str) -> TrafficSelector {
    TrafficSelector::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn range(start: &str, end: &str) -> TsAddrs {
    TsAddrs::Range(IpRange::new(ip(start), ip(end)).unwrap())
}

#[test]
fn subnets_ranges_and_dynamic() {
    let cases = [
        ("10.1.0.0/24", range("10.1.0.0", "10.1.0.255")),
        ("10.1.0.1-10.1.0.20", range("10.1.0.1", "10.1.0.20")),
        ("0.0.0.0/0", range("0.0.0.0", "255.255.255.255")),
        (
            "::/0",
            range("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ),
        (
            "2001:db8::/32",
            range("2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"),
        ),
        ("192.0.2.7", range("192.0.2.7", "192.0.2.7")),
        // Host bits are cleared, as charon does.
        ("10.1.0.5/24", range("10.1.0.0", "10.1.0.255")),
        ("dynamic", TsAddrs::Dynamic),
    ];
    for (text, addrs) in cases {
        let selector = ts(text);
        assert_eq!(selector.addrs, addrs, "{text}");
        assert_eq!(
            (selector.protocol, selector.ports),
            (0, PortRange::ANY),
            "{text}"
        );
    }
}

#[test]
fn protocol_and_ports() {
    let cases = [
        ("10.0.0.0/8[tcp/443]", 6, 443, 443),
        ("10.0.0.0/8[tcp]", 6, 0, 65535),
        ("192.0.2.7[udp]", 17, 0, 65535),
        ("dynamic[udp/1701]", 17, 1701, 1701),
        ("dynamic[udp/l2tp]", 17, 1701, 1701),
        ("10.0.0.0/8[tcp/8000-8080]", 6, 8000, 8080),
        ("10.0.0.0/8[6/https]", 6, 443, 443),
        ("192.0.2.0/24[17/opaque]", 17, 65535, 0),
        ("2001:db8::/32[ipv6-icmp]", 58, 0, 65535),
        ("10.0.0.0/8[any/80]", 0, 80, 80),
        ("10.0.0.0/8[/80]", 0, 80, 80),
        ("10.0.0.0/8[gre]", 47, 0, 65535),
        ("10.0.0.0/8[any]", 0, 0, 65535),
    ];
    for (text, protocol, start, end) in cases {
        let selector = ts(text);
        assert_eq!(
            (selector.protocol, selector.ports.start, selector.ports.end),
            (protocol, start, end),
            "{text}"
        );
    }
}

#[test]
fn errors_say_what_is_wrong() {
    let cases = [
        (
            "10.1.0.0/33",
            "prefix length in \"10.1.0.0/33\" must be a number from 0 to 32",
        ),
        ("2001:db8::/129", "from 0 to 128"),
        ("10.1.0.20-10.1.0.1", "ends before it starts"),
        ("10.1.0.1-2001:db8::1", "mixes an IPv4 and an IPv6 address"),
        ("10.1.0.256/24", "is not an IPv4 or IPv6 address"),
        ("net.example/24", "is not an IPv4 or IPv6 address"),
        ("10.0.0.0/8[tcp/443", "must end with ']'"),
        ("10.0.0.0/8]", "']' without '['"),
        ("[udp]", "has no addresses"),
        ("10.0.0.0/8[foo]", "unknown protocol \"foo\""),
        ("10.0.0.0/8[256]", "unknown protocol \"256\""),
        ("10.0.0.0/8[tcp/99999]", "port \"99999\" is not a number"),
        ("10.0.0.0/8[tcp/gopher]", "port \"gopher\""),
        ("10.0.0.0/8[tcp/9000-8000]", "ends before it starts"),
        ("", "has no addresses"),
    ];
    for (text, reason) in cases {
        let message = TrafficSelector::parse(text).expect_err(text);
        assert!(message.contains(reason), "{text:?}: {message}");
        assert!(message.starts_with("traffic selector"), "{message}");
    }
}

#[test]
fn display_is_canonical_and_parses_back() {
    let cases = [
        ("10.1.0.0/24", "10.1.0.0/24"),
        ("10.1.0.5/24", "10.1.0.0/24"),
        ("192.0.2.7", "192.0.2.7/32"),
        ("10.1.0.0-10.1.0.255", "10.1.0.0/24"),
        ("10.1.0.1-10.1.0.20", "10.1.0.1-10.1.0.20"),
        ("dynamic[udp/1701]", "dynamic[udp/1701]"),
        ("10.0.0.0/8[6/8000-8080]", "10.0.0.0/8[tcp/8000-8080]"),
        ("0.0.0.0/0[17/opaque]", "0.0.0.0/0[udp/opaque]"),
        ("::/0[icmpv6]", "::/0[ipv6-icmp]"),
        ("10.0.0.0/8[/80]", "10.0.0.0/8[any/80]"),
        ("10.0.0.0/8[99]", "10.0.0.0/8[99]"),
        ("10.0.0.0/8[any]", "10.0.0.0/8"),
    ];
    for (text, canonical) in cases {
        let selector = ts(text);
        assert_eq!(selector.to_string(), canonical, "{text}");
        assert_eq!(ts(canonical), selector, "{canonical}");
    }
}

#[test]
fn to_wire_fills_dynamic() {
    let selector = ts("dynamic[tcp/443]");
    assert_eq!(selector.to_wire(None), None);
    assert_eq!(
        selector.to_wire(Some(ip("192.0.2.2"))),
        Some(wire::TrafficSelector::Ipv4 {
            ip_protocol: 6,
            start_port: 443,
            end_port: 443,
            start: "192.0.2.2".parse().unwrap(),
            end: "192.0.2.2".parse().unwrap(),
        })
    );
    assert_eq!(
        ts("2001:db8::/64").to_wire(None),
        Some(wire::TrafficSelector::ipv6_range(
            "2001:db8::".parse().unwrap(),
            "2001:db8::ffff:ffff:ffff:ffff".parse().unwrap()
        ))
    );
}

#[test]
fn selectors_in_toml_report_the_key() {
    let c = parse("[children.net]\nlocal_ts = [\"10.0.0.0/8[tcp/443]\", \"dynamic\"]\n");
    assert_eq!(c.children.get("net").unwrap().local_ts.len(), 2);
    let message = parse_error("[children.net]\nremote_ts = [\"10.1.0.0/24\", \"10.2.0.0/40\"]\n");
    assert!(
        message.contains("remote_ts") && message.contains("\"10.2.0.0/40\""),
        "{message}"
    );
}

#[test]
fn ip_ranges() {
    let r = IpRange::parse("10.3.0.0/24").unwrap();
    assert_eq!((r.len(), r.prefix_len()), (256, Some(24)));
    assert!(r.contains(ip("10.3.0.77")) && !r.contains(ip("10.4.0.1")) && !r.contains(ip("::1")));
    assert!(r.overlaps(&IpRange::parse("10.3.0.200-10.3.1.5").unwrap()));
    assert!(!r.overlaps(&IpRange::parse("10.3.1.0/24").unwrap()));
    assert!(!r.overlaps(&IpRange::parse("::/0").unwrap()));
    assert_eq!(
        IpRange::parse("10.3.0.1-10.3.0.20").unwrap().prefix_len(),
        None
    );
    assert_eq!(IpRange::parse("::/0").unwrap().len(), u128::MAX);
    assert_eq!(IpRange::all(false).to_string(), "0.0.0.0/0");
    assert_eq!(IpRange::all(true).to_string(), "::/0");
}

#[test]
fn addr_specs() {
    assert_eq!(AddrSpec::parse("%any"), Ok(AddrSpec::Any));
    assert_eq!(AddrSpec::parse("%any6"), Ok(AddrSpec::Any6));
    assert_eq!(
        AddrSpec::parse("192.0.2.1"),
        Ok(AddrSpec::Addr(ip("192.0.2.1")))
    );
    assert_eq!(AddrSpec::parse("192.0.2.0/24").unwrap().as_addr(), None);
    assert!(
        AddrSpec::parse("192.0.2.0/24")
            .unwrap()
            .matches(ip("192.0.2.9"))
    );
    assert!(AddrSpec::parse("%any4").unwrap().matches(ip("192.0.2.9")));
    assert!(!AddrSpec::parse("%any4").unwrap().matches(ip("::1")));
    let message = AddrSpec::parse("vpn-gw.example.org").unwrap_err();
    assert!(
        message.contains("is a DNS name") && message.contains("resolve it first"),
        "{message}"
    );
    let message = AddrSpec::parse("10.0.0.1-").unwrap_err();
    assert!(
        message.contains("is not an IPv4 or IPv6 address"),
        "{message}"
    );
    let message = AddrSpec::parse("not an address!").unwrap_err();
    assert!(message.contains("is not an address"), "{message}");
}

#[test]
fn a_responder_accepts_addresses_from_its_lists() {
    let c = parse(
        "local_addrs = [\"192.0.2.1\"]\nremote_addrs = [\"198.51.100.0/24\", \"2001:db8::/32\"]\n",
    );
    assert!(c.accepts_addresses(ip("198.51.100.7"), ip("192.0.2.1")));
    assert!(c.accepts_addresses(ip("2001:db8::7"), ip("192.0.2.1")));
    assert!(
        !c.accepts_addresses(ip("203.0.113.7"), ip("192.0.2.1")),
        "source not in remote_addrs"
    );
    assert!(
        !c.accepts_addresses(ip("198.51.100.7"), ip("192.0.2.2")),
        "destination not in local_addrs"
    );
    assert_eq!(
        c.initiator_remote_addr(),
        None,
        "subnets are not destinations"
    );
    let any = parse("");
    assert!(any.accepts_addresses(ip("203.0.113.7"), ip("::1")));
}
