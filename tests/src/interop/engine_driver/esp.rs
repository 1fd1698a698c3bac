//! The driver's ESP traffic: ESP that arrives, in UDP on the NAT-T port (RFC 3948)
//! or directly in IP (protocol 50, `--plain-esp`), goes to `Engine::open`; with
//! `--ping` ICMP echo requests (RFC 792) from our virtual IP are sealed with
//! `Engine::seal` and sent to the gateway; with `--answer-pings` echo requests that
//! arrive are answered through the CHILD SA that covers the reply.
//!
//! The loop classifies what arrives on port 4500 (`Udp4500Payload`, RFC 3948 §2.2: a
//! zero Non-ESP Marker means IKE, anything else with a non-zero SPI is ESP) and hands
//! ESP to [`EspTraffic::on_esp`], so the first reply can be kept for the replay check.
//!
//! The ping plan starts when the first CHILD SA is up and our virtual IP is known
//! (CP reply, RFC 7296 §2.19): `count` requests, `interval` apart. Once every reply
//! has arrived (or [`REPLY_WAIT`] after the last request), a copy of the first reply's
//! ESP packet, kept before it was opened, is opened again: the anti-replay window
//! (RFC 4303 §3.4.3) must refuse it. Then `pings_done` with the SA's counters.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use ikelab_engine::child::{EspError, SEAL_OVERHEAD_MAX};
use ikelab_engine::event::{Event, EventKind};
use ikelab_engine::ike::{EspDatagram, SealedPacket};
use ikelab_engine::{ChildSaId, Datagram, Engine, Time};

use super::icmp::{ECHO_REPLY, ECHO_REQUEST, InnerEcho, echo_packet, inner_echo};
use super::options::PingOptions;
use super::record::DriverRecord;

/// How long to wait for missing replies after the last request.
pub const REPLY_WAIT: Duration = Duration::from_secs(3);
/// The echo data: what `ping` would carry, 56 octets.
const ECHO_DATA: &[u8; 56] = b"IKElab engine-peer: an ICMP echo through an ESP tunnel..";

/// A received ESP packet, as sent.
#[derive(Debug, Clone)]
struct KeptPacket {
    src: SocketAddr,
    dst: SocketAddr,
    bytes: Vec<u8>,
    sequence: u64,
}

/// The `--ping` plan's progress.
#[derive(Debug)]
struct PingPlan {
    options: PingOptions,
    /// ICMP identifier of our requests.
    id: u16,
    vip: Option<Ipv4Addr>,
    child: Option<ChildSaId>,
    sent: u16,
    next_send: Option<Time>,
    last_sent: Option<Time>,
    replies: BTreeSet<u16>,
    first_reply: Option<KeptPacket>,
    done: bool,
}

/// The driver's ESP side.
#[derive(Debug)]
pub struct EspTraffic {
    plan: Option<PingPlan>,
    /// `--answer-pings`.
    answer_pings: bool,
}

/// A sealed ESP packet to send as its CHILD SA says (in UDP or as IP protocol 50).
#[derive(Debug, Clone)]
pub struct OutboundEsp {
    /// Where it goes and how.
    pub sealed: SealedPacket,
    /// The ESP packet, from its SPI on.
    pub esp: Vec<u8>,
}

impl OutboundEsp {
    /// The packet as a datagram from its source to its destination (ports 0 for
    /// plain ESP).
    pub fn datagram(&self) -> Datagram {
        Datagram::new(self.sealed.src, self.sealed.dst, self.esp.clone())
    }
}

/// What the loop must do after a call: packets to send and records to write.
#[derive(Debug, Default)]
pub struct EspOutput {
    /// ESP packets to send.
    pub packets: Vec<OutboundEsp>,
    /// Records to write, in order.
    pub records: Vec<DriverRecord>,
}

impl EspTraffic {
    /// Opens whatever ESP arrives; pings as `ping` says; answers echo requests if
    /// `answer_pings`.
    pub fn new(ping: Option<PingOptions>, answer_pings: bool) -> Self {
        Self {
            answer_pings,
            plan: ping.map(|options| PingPlan {
                options,
                // ping(8) uses its process id; so do we (kept to 16 bits).
                id: (std::process::id() & 0xFFFF) as u16,
                vip: None,
                child: None,
                sent: 0,
                next_send: None,
                last_sent: None,
                replies: BTreeSet::new(),
                first_reply: None,
                done: false,
            }),
        }
    }

    /// Learns our virtual IP and the first CHILD SA from the engine's events.
    pub fn observe(&mut self, now: Time, event: &Event) {
        let Some(plan) = self.plan.as_mut() else {
            return;
        };
        match &event.kind {
            EventKind::IkeSaUp(up) if plan.vip.is_none() => {
                plan.vip = up.virtual_ips.iter().find_map(|ip| match ip {
                    IpAddr::V4(v4) => Some(*v4),
                    IpAddr::V6(_) => None,
                });
            }
            EventKind::ChildSaUp(up) if plan.child.is_none() => plan.child = Some(up.child),
            _ => {}
        }
        if plan.vip.is_some() && plan.child.is_some() && plan.next_send.is_none() && !plan.done {
            plan.next_send = Some(now);
        }
    }

    /// When [`Self::tick`] has something to do next.
    pub fn deadline(&self) -> Option<Time> {
        let plan = self.plan.as_ref().filter(|p| !p.done)?;
        if plan.sent < plan.options.count {
            plan.next_send
        } else {
            plan.last_sent.map(|t| t + REPLY_WAIT)
        }
    }

    /// Sends the requests that are due; ends the plan when it is over.
    pub fn tick(&mut self, now: Time, engine: &mut Engine) -> EspOutput {
        let mut output = EspOutput::default();
        let Some(plan) = self.plan.as_mut().filter(|p| !p.done) else {
            return output;
        };
        let (Some(vip), Some(child)) = (plan.vip, plan.child) else {
            return output;
        };
        while plan.sent < plan.options.count && plan.next_send.is_some_and(|t| t <= now) {
            plan.sent += 1;
            plan.last_sent = Some(now);
            plan.next_send = Some(now + plan.options.interval);
            match seal_request(now, engine, child, vip, plan) {
                Ok((packet, record)) => {
                    output.packets.push(packet);
                    output.records.push(record);
                }
                Err(detail) => output.records.push(DriverRecord::IoError { detail }),
            }
        }
        let all_answered = plan.replies.len() == usize::from(plan.options.count);
        let waited_enough = plan.last_sent.is_some_and(|t| now >= t + REPLY_WAIT);
        if plan.sent == plan.options.count && (all_answered || waited_enough) {
            plan.done = true;
            if let Some(kept) = plan.first_reply.take() {
                output.records.push(replay_check(now, engine, kept));
            }
            output.records.push(DriverRecord::PingsDone {
                sent: plan.sent,
                replies: u16::try_from(plan.replies.len()).unwrap_or(u16::MAX),
                counters: engine.child_sa_counters(child),
            });
        }
        output
    }

    /// Opens an ESP packet that arrived, in UDP on the NAT-T port or as IP protocol
    /// 50 (`datagram.payload` starts with the SPI either way), and answers it if it
    /// is an echo request and `--answer-pings` is on.
    pub fn on_esp(&mut self, now: Time, engine: &mut Engine, datagram: Datagram) -> EspOutput {
        let Datagram {
            src, dst, payload, ..
        } = datagram;
        let header = |range: core::ops::Range<usize>| {
            payload
                .get(range)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map(u32::from_be_bytes)
        };
        let (spi, esp_sequence) = (header(0..4), header(4..8));
        let mut buf = payload.clone();
        let opened = engine.open(
            now,
            EspDatagram {
                src,
                dst,
                buf: &mut buf,
                esp_offset: 0,
            },
        );
        let opened = match opened {
            Ok(opened) => opened,
            Err(error) => {
                return EspOutput {
                    packets: Vec::new(),
                    records: vec![DriverRecord::EspRejected {
                        spi,
                        esp_sequence,
                        replay: matches!(error, EspError::Replay(_)),
                        detail: error.to_string(),
                    }],
                };
            }
        };
        let echo = inner_echo(opened.packet);
        let (inner_src, inner_dst, protocol) = inner_addresses(opened.packet);
        if let (Some(plan), Some(inner)) = (self.plan.as_mut(), &echo) {
            let ours = inner.echo.kind == ECHO_REPLY
                && inner.echo.id == plan.id
                && (1..=plan.sent).contains(&inner.echo.seq);
            if ours && plan.replies.insert(inner.echo.seq) && plan.first_reply.is_none() {
                plan.first_reply = Some(KeptPacket {
                    src,
                    dst,
                    bytes: payload,
                    sequence: opened.sequence,
                });
            }
        }
        let opened_record = DriverRecord::EspOpened {
            spi: spi.unwrap_or_default(),
            esp_sequence: opened.sequence,
            inner_src,
            inner_dst,
            protocol,
            echo: echo.as_ref().map(|e| e.echo),
            octets: opened.packet.len(),
        };
        let data = echo_data(opened.packet);
        let mut output = EspOutput {
            packets: Vec::new(),
            records: vec![opened_record],
        };
        if let Some(request) = echo.filter(|e| self.answer_pings && e.echo.kind == ECHO_REQUEST) {
            match seal_answer(now, engine, &request, &data) {
                Ok((packet, record)) => {
                    output.packets.push(packet);
                    output.records.push(record);
                }
                Err(detail) => output.records.push(DriverRecord::IoError { detail }),
            }
        }
        output
    }
}

/// The data of the ICMP message in `packet` (after its 8-octet header), if any.
fn echo_data(packet: &[u8]) -> Vec<u8> {
    ikelab_engine::wire::ip::IpPacket::parse(packet)
        .ok()
        .and_then(|ip| ip.payload.get(8..).map(<[u8]>::to_vec))
        .unwrap_or_default()
}

/// The echo reply to `request` (RFC 792: addresses swapped, same identifier,
/// sequence number and data), sealed for the CHILD SA whose selectors cover it.
fn seal_answer(
    now: Time,
    engine: &mut Engine,
    request: &InnerEcho,
    data: &[u8],
) -> Result<(OutboundEsp, DriverRecord), String> {
    let (IpAddr::V4(src), IpAddr::V4(dst)) = (request.dst, request.src) else {
        return Err("an IPv6 echo request: only IPv4 is answered".to_owned());
    };
    let seq = request.echo.seq;
    let packet = echo_packet(ECHO_REPLY, src, dst, request.echo.id, seq, data)?;
    let outbound = seal_with(&packet, &format!("the echo reply {seq}"), |packet, out| {
        engine.seal_packet(now, packet, out)
    })?;
    let record = DriverRecord::PingAnswered {
        seq,
        id: request.echo.id,
        src: src.into(),
        dst: dst.into(),
        esp_sequence: outbound.sealed.sequence,
    };
    Ok((outbound, record))
}

/// Seals `packet` with `seal` into a buffer of its own and keeps the ESP packet
/// (`what` names it in an error).
fn seal_with(
    packet: &[u8],
    what: &str,
    seal: impl FnOnce(&[u8], &mut [u8]) -> Result<SealedPacket, EspError>,
) -> Result<OutboundEsp, String> {
    let mut out = vec![0_u8; packet.len() + SEAL_OVERHEAD_MAX];
    let sealed = seal(packet, &mut out).map_err(|e| format!("sealing {what}: {e}"))?;
    let esp = out
        .get(sealed.offset..sealed.offset + sealed.len)
        .ok_or_else(|| format!("{what}: sealed packet outside the buffer"))?
        .to_vec();
    Ok(OutboundEsp { sealed, esp })
}

/// The inner packet's addresses and protocol (the engine checked it is an IP packet
/// inside the selectors; unparsable here means unspecified addresses).
fn inner_addresses(packet: &[u8]) -> (IpAddr, IpAddr, u8) {
    match ikelab_engine::wire::ip::IpPacket::parse(packet) {
        Ok(ip) => (ip.header.src(), ip.header.dst(), u8::from(ip.protocol)),
        Err(_) => (
            Ipv4Addr::UNSPECIFIED.into(),
            Ipv4Addr::UNSPECIFIED.into(),
            0,
        ),
    }
}

/// Builds request number `plan.sent`, seals it for `child` and returns the packet.
fn seal_request(
    now: Time,
    engine: &mut Engine,
    child: ChildSaId,
    vip: Ipv4Addr,
    plan: &PingPlan,
) -> Result<(OutboundEsp, DriverRecord), String> {
    let seq = plan.sent;
    let packet = echo_packet(ECHO_REQUEST, vip, plan.options.dst, plan.id, seq, ECHO_DATA)?;
    let outbound = seal_with(&packet, &format!("echo request {seq}"), |packet, out| {
        engine.seal(now, child, packet, out)
    })?;
    let record = DriverRecord::PingSent {
        seq,
        id: plan.id,
        src: vip.into(),
        dst: plan.options.dst.into(),
        esp_sequence: outbound.sealed.sequence,
        octets: packet.len(),
    };
    Ok((outbound, record))
}

/// Opens `kept` a second time: RFC 4303 §3.4.3 wants it refused as a duplicate.
fn replay_check(now: Time, engine: &mut Engine, kept: KeptPacket) -> DriverRecord {
    let KeptPacket {
        src,
        dst,
        mut bytes,
        sequence,
    } = kept;
    let result = engine.open(
        now,
        EspDatagram {
            src,
            dst,
            buf: &mut bytes,
            esp_offset: 0,
        },
    );
    match result {
        Ok(_) => DriverRecord::ReplayCheck {
            esp_sequence: sequence,
            replay: false,
            detail: "accepted".to_owned(),
        },
        Err(error) => DriverRecord::ReplayCheck {
            esp_sequence: sequence,
            replay: matches!(error, EspError::Replay(_)),
            detail: error.to_string(),
        },
    }
}
