//! The answer to `status`: the engine's IKE and CHILD SAs in the shape of
//! `swanctl --list-sas` (strongSwan 5.9), from what the engine reports and nothing
//! else: `Engine::ike_sa` (state, SPIs, addresses, identities, proposal),
//! `Engine::deadlines` (rekey and expiry), `Engine::child_sa` (SPIs, mode, ESP
//! proposal, traffic selectors, the ESP data plane's counters), and when each SA
//! came up (the engine's `IkeSaUp` and `ChildSaUp` events, [`UpTimes`]).
//!
//! ```text
//! client: #1, ESTABLISHED, IKEv2, 8c2f0e6a1b3d5f70_i* 41d2c6e8a0b9f315_r
//!   local  'client.example' @ 127.0.0.1[41000] [10.0.0.1]
//!   remote 'gateway.example' @ 127.0.0.1[41002]
//!   AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519
//!   established 12s ago, rekeying in 13950s
//!   net: #1, INSTALLED, TUNNEL, ESP:AES_GCM_16-256
//!     installed 12s ago, rekeying in 3130s, expires in 3588s
//!     in  c1a2b3c4,      0 bytes,     0 packets
//!     out ca5b6c7d,      0 bytes,     0 packets
//!     local  10.0.0.1/32
//!     remote 10.1.0.0/16
//! ```
//!
//! The `*` marks our SPI, as in swanctl. There is no `reqid` (the engine keeps no
//! kernel policy).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use ikelab_engine::config::{Mode, Role};
use ikelab_engine::event::SaState;
use ikelab_engine::ike::{ChildSa, Deadlines, IkeSaInfo};
use ikelab_engine::wire::iana::ProtocolId;
use ikelab_engine::{ChildSaId, Engine, IkeSaId, Time};

use super::algorithms::swanctl_names;

/// When each SA came up, in the engine's time (from its events), and which IKE SAs
/// are down already.
#[derive(Debug, Default)]
pub(crate) struct UpTimes {
    pub(crate) ike: BTreeMap<IkeSaId, Time>,
    pub(crate) child: BTreeMap<ChildSaId, Time>,
    /// IKE SAs the engine reported down (`IkeSaDown`). It keeps a closed one for a
    /// while to answer retransmissions of the last exchange (RFC 7296 §2.1); as in
    /// swanctl, `status` no longer lists it.
    pub(crate) down: BTreeSet<IkeSaId>,
}

/// The whole answer: every IKE SA the engine holds, with its CHILD SAs, each named
/// by `name_of` (the connection it belongs to); a line saying there is none otherwise.
pub(crate) fn render(
    engine: &Engine,
    now: Time,
    name_of: &dyn Fn(&IkeSaInfo) -> String,
    up: &UpTimes,
) -> String {
    let mut text = String::new();
    for id in engine.ike_sa_ids() {
        if up.down.contains(&id) {
            continue;
        }
        if let Some(info) = engine.ike_sa(id) {
            ike_sa(&mut text, engine, &info, now, &name_of(&info), up);
        }
    }
    if text.is_empty() {
        text.push_str("no IKE SA\n");
    }
    text
}

fn ike_sa(
    text: &mut String,
    engine: &Engine,
    info: &IkeSaInfo,
    now: Time,
    name: &str,
    up: &UpTimes,
) {
    let (mark_i, mark_r) = match info.role {
        Role::Initiator => ("*", ""),
        Role::Responder => ("", "*"),
    };
    let _ = writeln!(
        text,
        "{name}: #{}, {}, IKEv2, {:016x}_i{mark_i} {:016x}_r{mark_r}",
        info.id.0,
        state_name(info.state),
        u64::from(info.spi_i),
        u64::from(info.spi_r),
    );
    let vips: Vec<String> = info.virtual_ips.iter().map(ToString::to_string).collect();
    let vips = if vips.is_empty() {
        String::new()
    } else {
        format!(" [{}]", vips.join(" "))
    };
    // The virtual IPs follow the side that holds them, as in swanctl: ours as a
    // client, the client's as a gateway.
    let (local_vips, remote_vips) = match info.role {
        Role::Initiator => (vips.as_str(), ""),
        Role::Responder => ("", vips.as_str()),
    };
    let _ = writeln!(
        text,
        "  local  '{}' @ {}[{}]{local_vips}",
        info.local_id.as_deref().unwrap_or("%any"),
        info.local.ip(),
        info.local.port()
    );
    let _ = writeln!(
        text,
        "  remote '{}' @ {}[{}]{remote_vips}",
        info.remote_id.as_deref().unwrap_or("%any"),
        info.remote.ip(),
        info.remote.port()
    );
    if let Some(proposal) = &info.proposal {
        let _ = writeln!(text, "  {}", swanctl_names(ProtocolId::IKE, proposal));
    }
    let deadlines = engine.deadlines(info.id).unwrap_or_default();
    let mut times = Vec::new();
    if let Some(since) = up.ike.get(&info.id) {
        times.push(format!(
            "established {}s ago",
            seconds(now.saturating_sub(*since))
        ));
    }
    times.extend(left("rekeying in", deadlines.ike.rekey_at, now));
    if !times.is_empty() {
        let _ = writeln!(text, "  {}", times.join(", "));
    }
    for child_id in &info.children {
        if let Some(child) = engine.child_sa(*child_id) {
            let life = deadlines.child(*child_id).unwrap_or_default();
            child_sa(text, child, life, now, up.child.get(child_id).copied());
        }
    }
}

fn child_sa(text: &mut String, child: &ChildSa, life: Deadlines, now: Time, since: Option<Time>) {
    let mode = match child.mode {
        Mode::Tunnel => "TUNNEL",
        Mode::Transport => "TRANSPORT",
    };
    let encap = if child.udp_encap { "-in-UDP" } else { "" };
    let _ = writeln!(
        text,
        "  {}: #{}, INSTALLED, {mode}, ESP{encap}:{}",
        child.name,
        child.id.0,
        swanctl_names(ProtocolId::ESP, &child.proposal)
    );
    let mut times = Vec::new();
    if let Some(since) = since {
        times.push(format!(
            "installed {}s ago",
            seconds(now.saturating_sub(since))
        ));
    }
    times.extend(left("rekeying in", life.rekey_at, now));
    times.extend(left("expires in", life.expire_at, now));
    if !times.is_empty() {
        let _ = writeln!(text, "    {}", times.join(", "));
    }
    let counters = child.esp().counters();
    for (direction, spi, count) in [
        ("in ", child.spi_in, counters.inbound),
        ("out", child.spi_out, counters.outbound),
    ] {
        let _ = writeln!(
            text,
            "    {direction} {spi:08x}, {:>6} bytes, {:>5} packets",
            count.bytes, count.packets
        );
    }
    for (side, selectors) in [("local ", &child.local_ts), ("remote", &child.remote_ts)] {
        let list: Vec<String> = selectors.iter().map(ToString::to_string).collect();
        let _ = writeln!(text, "    {side} {}", list.join(" "));
    }
}

/// swanctl's state names (strongSwan's `ike_sa_state_t`).
fn state_name(state: SaState) -> &'static str {
    match state {
        SaState::InitSent | SaState::AuthSent | SaState::HalfOpen => "CONNECTING",
        SaState::Established => "ESTABLISHED",
        SaState::Closing => "DELETING",
    }
}

/// "rekeying in Ns" for a deadline still ahead.
fn left(what: &str, at: Option<Time>, now: Time) -> Option<String> {
    at.map(|at| format!("{what} {}s", seconds(at.saturating_sub(now))))
}

fn seconds(t: Time) -> u64 {
    t.as_secs()
}
