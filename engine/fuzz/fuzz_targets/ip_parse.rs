//! IPv4, IPv6 and UDP headers on arbitrary bytes: never panics; a header that
//! parses is emitted back to the same octets (lengths and checksums recomputed; an
//! IPv4 checksum received as 0xFFFF, the other zero, comes back as 0x0000).
#![no_main]

use ikelab_engine::wire::ip::{IpHeader, IpPacket, Ipv4Header, Ipv6Header, UdpHeader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(packet) = IpPacket::parse(data) else {
        return;
    };
    let mut out = Vec::new();
    match &packet.header {
        IpHeader::V4(header) => {
            // parse checked the checksum, so emitting recomputes the same one, except
            // that a received 0xFFFF (one's complement's other zero) is sent as 0x0000.
            let (_, payload) = Ipv4Header::parse(data).expect("parsed once");
            header
                .emit(payload, &mut out)
                .expect("a parsed header emits");
            let mut expected = data[..header.header_len() + payload.len()].to_vec();
            if expected[10..12] == [0xff, 0xff] && out[10..12] == [0, 0] {
                expected[10..12].copy_from_slice(&[0, 0]);
            }
            assert_eq!(out, expected);
        }
        IpHeader::V6(header) => {
            let (_, payload) = Ipv6Header::parse(data).expect("parsed once");
            header
                .emit(payload, &mut out)
                .expect("a parsed header emits");
            assert_eq!(out, data[..Ipv6Header::LEN + payload.len()]);
        }
    }
    assert!(packet.payload_offset + packet.payload.len() <= data.len());
    if let Ok((udp, body)) = UdpHeader::parse(packet.payload) {
        let mut again = Vec::new();
        udp.emit_header(&mut again);
        again.extend_from_slice(body);
        assert_eq!(again, packet.payload[..usize::from(udp.length)]);
        let _ = udp.checksum_status(&packet.header.pseudo_header(), body);
    }
});
