//! ESP packets as tshark sees them (RFC 4303; in UDP per RFC 3948).

use std::net::IpAddr;

use super::parse_u32;
use crate::interop::error::{InteropError, Result};

/// One ESP packet as tshark dissects it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TsharkEspPacket {
    /// Frame number.
    pub frame: u32,
    /// Outer source address.
    pub src: IpAddr,
    /// Outer destination address.
    pub dst: IpAddr,
    /// SPI (`esp.spi`).
    pub spi: u32,
    /// Sequence number (`esp.sequence`).
    pub sequence: u32,
    /// ICV check (`esp.icv_good`/`esp.icv_bad`); `None` when tshark did not check.
    pub icv_good: Option<bool>,
    /// Protocols tshark found inside the ESP payload (`frame.protocols` after `esp`), e.g.
    /// `["ip", "icmp"]` when it decrypted a ping; empty when it could not decrypt.
    pub inner_protocols: Vec<String>,
}

pub(super) fn esp_packet(row: &[Vec<String>]) -> Result<TsharkEspPacket> {
    let first = |i: usize| row.get(i).and_then(|c| c.first()).map(String::as_str);
    let bad = |what: &str| InteropError::parse("tshark esp fields", format!("{what} in {row:?}"));
    let frame = first(0)
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| bad("frame"))?;
    let (src, dst) = match (first(1), first(2)) {
        (Some(s), Some(d)) => (s, d),
        _ => (
            first(3).ok_or_else(|| bad("src"))?,
            first(4).ok_or_else(|| bad("dst"))?,
        ),
    };
    let flag = |i: usize| first(i).map(|v| v == "1" || v.eq_ignore_ascii_case("true"));
    let icv_good = match (flag(7), flag(8)) {
        (Some(true), _) => Some(true),
        (_, Some(true)) => Some(false),
        _ => None,
    };
    let protocols = first(9).unwrap_or("");
    let inner_protocols = protocols
        .split(':')
        .skip_while(|p| *p != "esp")
        .skip(1)
        .map(str::to_owned)
        .collect();
    Ok(TsharkEspPacket {
        frame,
        src: src.parse().map_err(|_| bad("src"))?,
        dst: dst.parse().map_err(|_| bad("dst"))?,
        spi: first(5).and_then(parse_u32).ok_or_else(|| bad("spi"))?,
        sequence: first(6)
            .and_then(parse_u32)
            .ok_or_else(|| bad("sequence"))?,
        icv_good,
        inner_protocols,
    })
}
