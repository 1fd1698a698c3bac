//! Link-layer headers in front of the IP packet, per capture link type
//! (tcpdump.org "LINK-LAYER HEADER TYPES").

use super::datagram::NotADatagram;
use crate::wire::open_enum::open_enum;

open_enum! {
    /// A capture's link type: what header precedes each packet (tcpdump.org
    /// LINKTYPE_* values, used by pcap and pcapng alike).
    pub struct LinkType(u16) {
        /// BSD loopback: a 4-octet address family in the capturing host's byte order.
        NULL = 0 => "LINKTYPE_NULL",
        /// Ethernet II (IEEE 802.3) with a 14-octet header.
        ETHERNET = 1 => "LINKTYPE_ETHERNET",
        /// Raw IP: the packet starts with the IPv4 or IPv6 header.
        RAW = 101 => "LINKTYPE_RAW",
        /// OpenBSD loopback: a 4-octet address family in network byte order.
        LOOP = 108 => "LINKTYPE_LOOP",
        /// Linux "cooked" capture v1: a 16-octet pseudo-header (`tcpdump -i any`, old).
        LINUX_SLL = 113 => "LINKTYPE_LINUX_SLL",
        IPV4 = 228 => "LINKTYPE_IPV4",
        IPV6 = 229 => "LINKTYPE_IPV6",
        /// Linux "cooked" capture v2: a 20-octet pseudo-header (`tcpdump -i any` today).
        LINUX_SLL2 = 276 => "LINKTYPE_LINUX_SLL2",
    }
}

/// EtherTypes the link layers name (IEEE 802 numbers).
const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86DD;
/// IEEE 802.1Q customer VLAN tag, 802.1ad service tag, and the pre-standard QinQ tag.
const ETHERTYPE_VLAN: [u16; 3] = [0x8100, 0x88A8, 0x9100];

/// Which IP version a link layer announced, when it announces one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Announced {
    V4,
    V6,
    /// The link layer does not say (raw IP): the Version nibble decides.
    Either,
}

/// Finds the IP packet in a captured frame: returns its offset in `frame` and which
/// version the link layer announced.
pub(super) fn ip_offset(link: LinkType, frame: &[u8]) -> Result<(usize, Announced), NotADatagram> {
    let need = |needed: usize| -> Result<(), NotADatagram> {
        if frame.len() < needed {
            Err(NotADatagram::LinkTruncated {
                link,
                needed,
                available: frame.len(),
            })
        } else {
            Ok(())
        }
    };
    let be16 = |at: usize| u16::from_be_bytes([frame[at], frame[at + 1]]);
    match link {
        LinkType::RAW => Ok((0, Announced::Either)),
        LinkType::IPV4 => Ok((0, Announced::V4)),
        LinkType::IPV6 => Ok((0, Announced::V6)),
        // Ethernet II: destination MAC, source MAC, EtherType; each 802.1Q/802.1ad tag
        // inserts a 2-octet TCI and another EtherType.
        LinkType::ETHERNET => {
            need(14)?;
            ethertype_chain(link, frame, 12)
        }
        // SLL: packet type, ARPHRD type, address length, 8 address octets, protocol.
        LinkType::LINUX_SLL => {
            need(16)?;
            ethertype_chain(link, frame, 14)
        }
        // SLL2: protocol, reserved, interface index, ARPHRD type, packet type,
        // address length, 8 address octets.
        LinkType::LINUX_SLL2 => {
            need(20)?;
            match be16(0) {
                ETHERTYPE_IPV4 => Ok((20, Announced::V4)),
                ETHERTYPE_IPV6 => Ok((20, Announced::V6)),
                ethertype => Err(NotADatagram::NotIp { ethertype }),
            }
        }
        LinkType::NULL | LinkType::LOOP => {
            need(4)?;
            let family = [frame[0], frame[1], frame[2], frame[3]];
            // NULL is in the capturing host's byte order, which the file does not
            // record: accept either. 2 is AF_INET everywhere; AF_INET6 is 24 (NetBSD,
            // OpenBSD), 28 (FreeBSD), 30 (macOS).
            let candidates = [u32::from_be_bytes(family), u32::from_le_bytes(family)];
            if candidates.contains(&2) {
                Ok((4, Announced::V4))
            } else if candidates.iter().any(|f| matches!(f, 24 | 28 | 30)) {
                Ok((4, Announced::V6))
            } else {
                Err(NotADatagram::NotIpFamily {
                    family: candidates[0],
                })
            }
        }
        other => Err(NotADatagram::UnsupportedLinkType(other)),
    }
}

/// Follows an EtherType at `at`, skipping VLAN tags, to IPv4 or IPv6.
fn ethertype_chain(
    link: LinkType,
    frame: &[u8],
    mut at: usize,
) -> Result<(usize, Announced), NotADatagram> {
    loop {
        let ethertype = frame
            .get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or(NotADatagram::LinkTruncated {
                link,
                needed: at + 2,
                available: frame.len(),
            })?;
        match ethertype {
            ETHERTYPE_IPV4 => return Ok((at + 2, Announced::V4)),
            ETHERTYPE_IPV6 => return Ok((at + 2, Announced::V6)),
            // Skip the tag's TCI; the next EtherType follows it.
            tag if ETHERTYPE_VLAN.contains(&tag) => at += 4,
            ethertype => return Err(NotADatagram::NotIp { ethertype }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const MACS: [u8; 12] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];

    #[test]
    fn ethernet_with_and_without_vlan_tags() {
        let mut frame = MACS.to_vec();
        frame.extend_from_slice(&[0x08, 0x00, 0x45]);
        assert_eq!(
            ip_offset(LinkType::ETHERNET, &frame),
            Ok((14, Announced::V4))
        );
        // 802.1ad outer tag (VLAN 100), 802.1Q inner tag (VLAN 200), then IPv6.
        let mut qinq = MACS.to_vec();
        qinq.extend_from_slice(&[0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0xc8, 0x86, 0xdd]);
        assert_eq!(
            ip_offset(LinkType::ETHERNET, &qinq),
            Ok((22, Announced::V6))
        );
        // ARP is not IP.
        let mut arp = MACS.to_vec();
        arp.extend_from_slice(&[0x08, 0x06]);
        assert_eq!(
            ip_offset(LinkType::ETHERNET, &arp),
            Err(NotADatagram::NotIp { ethertype: 0x0806 })
        );
        // A tag with nothing after it.
        let mut cut = MACS.to_vec();
        cut.extend_from_slice(&[0x81, 0x00, 0x00, 0x01]);
        assert!(matches!(
            ip_offset(LinkType::ETHERNET, &cut),
            Err(NotADatagram::LinkTruncated { needed: 18, .. })
        ));
        assert!(matches!(
            ip_offset(LinkType::ETHERNET, &MACS),
            Err(NotADatagram::LinkTruncated { needed: 14, .. })
        ));
    }

    #[test]
    fn linux_cooked_headers() {
        // SLL: outgoing (4), ARPHRD_ETHER (1), 6 address octets, IPv4.
        let sll = [0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00];
        assert_eq!(
            ip_offset(LinkType::LINUX_SLL, &sll),
            Ok((16, Announced::V4))
        );
        // SLL2: IPv6, reserved, ifindex 3, ARPHRD_ETHER, incoming (0), 6 address octets.
        let sll2 = [
            0x86, 0xdd, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0,
        ];
        assert_eq!(
            ip_offset(LinkType::LINUX_SLL2, &sll2),
            Ok((20, Announced::V6))
        );
        assert!(matches!(
            ip_offset(LinkType::LINUX_SLL2, &sll2[..19]),
            Err(NotADatagram::LinkTruncated { .. })
        ));
    }

    #[test]
    fn loopback_families_and_unknown_link_types() {
        assert_eq!(
            ip_offset(LinkType::NULL, &[2, 0, 0, 0]),
            Ok((4, Announced::V4))
        );
        assert_eq!(
            ip_offset(LinkType::LOOP, &[0, 0, 0, 24]),
            Ok((4, Announced::V6))
        );
        assert_eq!(
            ip_offset(LinkType::NULL, &[0, 0, 0, 7]),
            Err(NotADatagram::NotIpFamily { family: 7 })
        );
        assert_eq!(
            ip_offset(LinkType(147), &[0; 40]),
            Err(NotADatagram::UnsupportedLinkType(LinkType(147)))
        );
    }
}
