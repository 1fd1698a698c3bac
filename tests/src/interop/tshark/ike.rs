//! IKE messages as tshark dissects them: the reference `ikelab dissect --json` is compared with.

use std::net::IpAddr;
use std::path::Path;

use serde_json::Value;

use super::{Tshark, all, decode_hex, has_key, parse_u32, str_field};
use crate::interop::error::{InteropError, Result};

/// IKE header flag R (RFC 7296 §3.1): the message is a response.
pub const FLAG_RESPONSE: u32 = 0x20;
/// IKE header flag I: sent by the original initiator.
pub const FLAG_INITIATOR: u32 = 0x08;

/// One IKE message as tshark dissects it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TsharkIkeMessage {
    /// Frame number in the capture (1-based).
    pub frame: u32,
    /// Source address (outermost IP header).
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// UDP source port.
    pub sport: u16,
    /// UDP destination port.
    pub dport: u16,
    /// Carried after the non-ESP marker on UDP 4500 (RFC 3948 §2.2): tshark saw `udpencap`.
    pub udp_encapsulated: bool,
    /// IKE SA initiator's SPI (`isakmp.ispi`), wire order.
    pub ispi: [u8; 8],
    /// IKE SA responder's SPI (`isakmp.rspi`), zero in a first IKE_SA_INIT request.
    pub rspi: [u8; 8],
    /// Next Payload of the IKE header (`isakmp.nextpayload` of the header).
    pub next_payload: u8,
    /// Exchange type (`isakmp.exchangetype`): 34 IKE_SA_INIT, 35 IKE_AUTH, 36
    /// CREATE_CHILD_SA, 37 INFORMATIONAL.
    pub exchange_type: u8,
    /// Flags octet (`isakmp.flags`): 0x08 Initiator, 0x10 Version, 0x20 Response.
    pub flags: u8,
    /// Message ID (`isakmp.messageid`).
    pub message_id: u32,
    /// Length field of the IKE header (`isakmp.length`).
    pub length: u32,
    /// Top-level payload types in chain order (`isakmp.typepayload` under the header): for
    /// an encrypted message just `[46]` (SK) or `[53]` (SKF) unless tshark decrypted it.
    pub payload_types: Vec<u8>,
    /// For a message whose last payload is SK or SKF: that payload's Next Payload field, the
    /// type of the first inner payload (0 for an empty INFORMATIONAL; RFC 7296 §3.14,
    /// RFC 7383 §2.5: only fragment 1 carries it).
    pub encrypted_next_payload: Option<u8>,
    /// The inner payload types in chain order when tshark decrypted the SK payload (with a
    /// profile holding the IKE SA's keys); `None` when it did not.
    pub decrypted_payload_types: Option<Vec<u8>>,
    /// Whether the SK payload's ICV verified (`None` unless tshark decrypted it; `Some(false)`
    /// is Wireshark's "IKEv2 Integrity Checksum Data is incorrect").
    pub icv_correct: Option<bool>,
}

impl TsharkIkeMessage {
    /// The R flag is set.
    pub fn is_response(&self) -> bool {
        u32::from(self.flags) & FLAG_RESPONSE != 0
    }

    /// The I flag is set.
    pub fn from_initiator(&self) -> bool {
        u32::from(self.flags) & FLAG_INITIATOR != 0
    }
}

/// Every IKE message in `pcap`, dissected by tshark with default preferences.
pub fn ike_messages(pcap: &Path) -> Result<Vec<TsharkIkeMessage>> {
    Tshark::new().ike_messages(pcap)
}

pub(super) fn messages_of_packet(packet: &Value) -> Result<Vec<TsharkIkeMessage>> {
    let layers = packet
        .pointer("/_source/layers")
        .ok_or_else(|| InteropError::parse("tshark json", "packet without _source.layers"))?;
    let frame_layer = layers
        .get("frame")
        .ok_or_else(|| InteropError::parse("tshark json", "packet without frame layer"))?;
    let frame: u32 = str_field(frame_layer, "frame.number")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| InteropError::parse("tshark json", "frame without frame.number"))?;
    let bad =
        |detail: String| InteropError::parse("tshark json", format!("frame {frame}: {detail}"));
    let protocols = str_field(frame_layer, "frame.protocols").unwrap_or("");
    // Outermost IP header: the first ip/ipv6 layer (an array when IP is nested).
    let (src, dst) = if let Some(ip) = layers.get("ip") {
        let ip = all(ip)[0];
        (str_field(ip, "ip.src"), str_field(ip, "ip.dst"))
    } else if let Some(ip) = layers.get("ipv6") {
        let ip = all(ip)[0];
        (str_field(ip, "ipv6.src"), str_field(ip, "ipv6.dst"))
    } else {
        return Err(bad("no ip or ipv6 layer".to_owned()));
    };
    let addr = |a: Option<&str>| -> Result<IpAddr> {
        a.and_then(|a| a.parse().ok())
            .ok_or_else(|| bad(format!("bad address {a:?}")))
    };
    let (src, dst) = (addr(src)?, addr(dst)?);
    let udp = layers
        .get("udp")
        .map(|u| all(u)[0])
        .ok_or_else(|| bad("IKE not over UDP".to_owned()))?;
    let port = |key: &str| -> Result<u16> {
        str_field(udp, key)
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| bad(format!("no {key}")))
    };
    let (sport, dport) = (port("udp.srcport")?, port("udp.dstport")?);
    let isakmp = layers
        .get("isakmp")
        .ok_or_else(|| bad("no isakmp layer".to_owned()))?;
    let mut messages = Vec::new();
    for header in all(isakmp) {
        let number = |key: &str| -> Result<u32> {
            str_field(header, key)
                .and_then(parse_u32)
                .ok_or_else(|| bad(format!("no {key}")))
        };
        let byte = |key: &str| -> Result<u8> {
            u8::try_from(number(key)?).map_err(|_| bad(format!("{key} out of range")))
        };
        let spi = |key: &str| -> Result<[u8; 8]> {
            str_field(header, key)
                .and_then(decode_hex)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| bad(format!("no 8-byte {key}")))
        };
        let payload_types = header
            .get("isakmp.typepayload")
            .map(all)
            .unwrap_or_default()
            .into_iter()
            .map(|v| {
                v.as_str()
                    .and_then(|t| t.parse::<u8>().ok())
                    .ok_or_else(|| bad(format!("payload type {v}")))
            })
            .collect::<Result<Vec<u8>>>()?;
        let trees = header
            .get("isakmp.typepayload_tree")
            .map(all)
            .unwrap_or_default();
        let mut decrypted_payload_types = None;
        let mut icv_correct = None;
        let encrypted_next_payload = match (payload_types.last(), trees.last()) {
            (Some(46 | 53), Some(tree)) if trees.len() == payload_types.len() => {
                let next = str_field(tree, "isakmp.nextpayload")
                    .and_then(|n| n.parse::<u8>().ok())
                    .ok_or_else(|| bad("encrypted payload without Next Payload".to_owned()))?;
                if let Some(decrypted) = tree.get("isakmp.enc.decrypted") {
                    let inner = decrypted
                        .pointer("/isakmp.enc.contained/isakmp.typepayload")
                        .map(all)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|v| {
                            v.as_str()
                                .and_then(|t| t.parse::<u8>().ok())
                                .ok_or_else(|| bad(format!("inner payload type {v}")))
                        })
                        .collect::<Result<Vec<u8>>>()?;
                    decrypted_payload_types = Some(inner);
                    let flagged = tree
                        .get("isakmp.enc.icd_tree")
                        .is_some_and(|t| has_key(t, "isakmp.ikev2.integrity_checksum"));
                    icv_correct = Some(!flagged);
                }
                Some(next)
            }
            (Some(46 | 53), _) => {
                return Err(bad(
                    "payload trees do not line up with payload types".to_owned()
                ));
            }
            _ => None,
        };
        messages.push(TsharkIkeMessage {
            frame,
            src,
            dst,
            sport,
            dport,
            udp_encapsulated: protocols.split(':').any(|p| p == "udpencap"),
            ispi: spi("isakmp.ispi")?,
            rspi: spi("isakmp.rspi")?,
            next_payload: byte("isakmp.nextpayload")?,
            exchange_type: byte("isakmp.exchangetype")?,
            flags: byte("isakmp.flags")?,
            message_id: number("isakmp.messageid")?,
            length: number("isakmp.length")?,
            payload_types,
            encrypted_next_payload,
            decrypted_payload_types,
            icv_correct,
        });
    }
    Ok(messages)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape tshark 4.0.17 prints for an IKE_AUTH request on UDP 4500 (trimmed).
    const IKE_AUTH_JSON: &str = r#"[{"_source":{"layers":{
        "frame":{"frame.number":"5","frame.protocols":"sll:ethertype:ip:udp:udpencap:isakmp"},
        "ip":{"ip.src":"192.0.2.2","ip.dst":"192.0.2.1"},
        "udp":{"udp.srcport":"4500","udp.dstport":"4500"},
        "isakmp":{"isakmp.ispi":"cf:ac:23:9c:b0:68:ac:6d","isakmp.rspi":"a2:8f:01:bd:bf:19:60:82",
          "isakmp.nextpayload":"46","isakmp.exchangetype":"35","isakmp.flags":"0x08",
          "isakmp.messageid":"0x00000001","isakmp.length":"277",
          "isakmp.typepayload":"46",
          "isakmp.typepayload_tree":{"isakmp.nextpayload":"35","isakmp.payloadlength":"249"}}}}}]"#;

    #[test]
    fn an_encrypted_message_gives_header_fields_and_first_inner_payload() {
        let json: Value = serde_json::from_str(IKE_AUTH_JSON).unwrap();
        let messages = messages_of_packet(&json[0]).unwrap();
        assert_eq!(messages.len(), 1);
        let m = &messages[0];
        assert_eq!(m.frame, 5);
        assert_eq!(m.src, "192.0.2.2".parse::<IpAddr>().unwrap());
        assert_eq!((m.sport, m.dport), (4500, 4500));
        assert!(m.udp_encapsulated);
        assert_eq!(m.ispi, [0xcf, 0xac, 0x23, 0x9c, 0xb0, 0x68, 0xac, 0x6d]);
        assert_eq!(m.exchange_type, 35);
        assert_eq!(m.message_id, 1);
        assert!(m.from_initiator() && !m.is_response());
        assert_eq!(m.payload_types, vec![46]);
        assert_eq!(m.encrypted_next_payload, Some(35));
    }

    #[test]
    fn repeated_payload_keys_become_the_chain() {
        let json = IKE_AUTH_JSON
            .replace(r#""isakmp.typepayload":"46","#, r#""isakmp.typepayload":["33","34","40"],"#)
            .replace(
                r#""isakmp.typepayload_tree":{"isakmp.nextpayload":"35","isakmp.payloadlength":"249"}"#,
                r#""isakmp.typepayload_tree":[{},{},{}]"#,
            );
        let json: Value = serde_json::from_str(&json).unwrap();
        let m = &messages_of_packet(&json[0]).unwrap()[0];
        assert_eq!(m.payload_types, vec![33, 34, 40]);
        assert_eq!(m.encrypted_next_payload, None);
    }

    #[test]
    fn a_packet_without_ip_is_an_error() {
        let json = IKE_AUTH_JSON.replace(r#""ip":"#, r#""xx":"#);
        let json: Value = serde_json::from_str(&json).unwrap();
        assert!(messages_of_packet(&json[0]).is_err());
    }
}
