//! A snapshot of one IKE SA for drivers, tests and status displays.

use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};

use super::ids::{ChildSaId, IkeSaId};
use super::payloads::id_text;
use super::responders::ResponderId;
use super::sa::IkeSa;
use super::state::SaState;
use crate::config::Role;
use crate::wire::IkeSpi;

/// What an IKE SA is and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IkeSaInfo {
    pub id: IkeSaId,
    pub role: Role,
    /// The responder configuration the SA was made with (the one IKE_AUTH settled
    /// on, `Engine::add_responder`); `None` for an SA we initiated.
    pub responder: Option<ResponderId>,
    pub state: SaState,
    pub spi_i: IkeSpi,
    pub spi_r: IkeSpi,
    pub local: SocketAddr,
    pub remote: SocketAddr,
    /// The chosen proposal, once IKE_SA_INIT is done.
    pub proposal: Option<String>,
    pub local_id: Option<String>,
    pub remote_id: Option<String>,
    /// IKE on the NAT-T port, ESP in UDP.
    pub udp_encap: bool,
    /// We are behind a NAT and send keep-alives.
    pub behind_nat: bool,
    pub virtual_ips: Vec<IpAddr>,
    /// DNS servers of the configuration reply (RFC 7296 §3.15.1).
    pub dns: Vec<IpAddr>,
    pub children: Vec<ChildSaId>,
    /// Message ID of our next request and of the peer's next request.
    pub next_request_id: u32,
    pub expected_request_id: u32,
}

impl IkeSaInfo {
    pub(crate) fn of(sa: &IkeSa) -> Self {
        let core = &sa.core;
        Self {
            id: core.id,
            role: core.role,
            responder: (core.role == Role::Responder).then_some(ResponderId(core.policy.index)),
            state: sa.state.name(),
            spi_i: core.spi_i,
            spi_r: core.spi_r,
            local: core.local,
            remote: core.remote,
            proposal: core.proposal.clone(),
            local_id: core.local_id.as_ref().map(id_text),
            remote_id: core.peer_id.as_ref().map(id_text),
            udp_encap: core.nat.udp_encap,
            behind_nat: core.nat.keepalives,
            virtual_ips: core.virtual_ips.clone(),
            dns: core.dns.clone(),
            children: core.children.clone(),
            next_request_id: core.window.next_request_id,
            expected_request_id: core.window.expected_request_id,
        }
    }
}
