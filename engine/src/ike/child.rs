//! CHILD SA records: what the ESP data plane needs to protect traffic (RFC 7296
//! §2.17), kept by the engine and looked up with [`Engine::child_sa`].
//!
//! [`Engine::child_sa`]: super::Engine::child_sa

use std::net::SocketAddr;

use crate::child::{ChildEsp, EspError, EspParams, VolumeLimits};
use crate::config::Mode;
use crate::crypto::keys::{ChildKeys, ChildSuite};
use crate::crypto::{CryptoError, CryptoProvider, Secret};
use crate::event::ChildSaUp;
use crate::proposal::ProposalSpec;
use crate::wire::TrafficSelector;
use crate::wire::iana::{EncrId, EsnId, IntegId, TransformType};
use crate::wire::sa::{Proposal, Transform};

use super::ids::{ChildSaId, IkeSaId};

/// An installed CHILD SA: a pair of ESP SAs with their keys.
#[derive(Clone, PartialEq, Eq)]
pub struct ChildSa {
    pub id: ChildSaId,
    /// The IKE SA that created it.
    pub ike_sa: IkeSaId,
    /// The child configuration's name (`[children.NAME]`).
    pub name: String,
    /// Whether we were the initiator of the exchange that created it (which side's
    /// keys are "initiator to responder", RFC 7296 §2.17).
    pub initiator: bool,
    /// SPI of ESP packets we receive (chosen by us).
    pub spi_in: u32,
    /// SPI of ESP packets we send (chosen by the peer).
    pub spi_out: u32,
    pub encr: EncrId,
    pub encr_key_bits: Option<u16>,
    /// `None` with an AEAD cipher.
    pub integ: Option<IntegId>,
    /// 64-bit extended sequence numbers (RFC 4303 §2.2.1).
    pub esn: bool,
    pub mode: Mode,
    /// The chosen ESP proposal in strongSwan syntax.
    pub proposal: String,
    pub local_ts: Vec<TrafficSelector>,
    pub remote_ts: Vec<TrafficSelector>,
    /// Our outer address and port (the NAT-T port when encapsulated).
    pub local: SocketAddr,
    /// The peer's outer address and port.
    pub remote: SocketAddr,
    /// ESP in UDP (RFC 3948) on the NAT-T port, because of NAT or `encap`.
    pub udp_encap: bool,
    /// The configured anti-replay window (swanctl.conf `replay_window`).
    pub replay_window: u32,
    keys: ChildKeys,
    /// The ESP data plane's state: keyed transforms, sequence number, replay window,
    /// counters (`crate::child`).
    pub(crate) esp: ChildEsp,
    /// When the last authenticated ESP packet arrived: traffic from the peer proves
    /// it alive, so liveness checks wait (`ike::ops::liveness`, as charon does with
    /// the kernel's last-use time).
    pub(crate) last_inbound: Option<super::datagram::Time>,
    /// When we last sealed an ESP packet for the peer: a keep-alive is due only after
    /// a keep-alive interval without any (RFC 3948 §4, `SaCore::keepalive_due`).
    pub(crate) last_outbound: Option<super::datagram::Time>,
}

impl core::fmt::Debug for ChildSa {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ChildSa")
            .field("id", &self.id)
            .field("ike_sa", &self.ike_sa)
            .field("name", &self.name)
            .field("spi_in", &format_args!("{:08x}", self.spi_in))
            .field("spi_out", &format_args!("{:08x}", self.spi_out))
            .field("proposal", &self.proposal)
            .finish_non_exhaustive()
    }
}

/// The parts of a CHILD SA decided during the exchange, besides its algorithms.
#[derive(Debug, Clone)]
pub(crate) struct ChildParams {
    pub(crate) name: String,
    pub(crate) initiator: bool,
    pub(crate) spi_in: u32,
    pub(crate) spi_out: u32,
    pub(crate) mode: Mode,
    pub(crate) local_ts: Vec<TrafficSelector>,
    pub(crate) remote_ts: Vec<TrafficSelector>,
    pub(crate) replay_window: u32,
}

/// Where the CHILD SA's ESP packets go.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outer {
    pub(crate) local: SocketAddr,
    pub(crate) remote: SocketAddr,
    pub(crate) udp_encap: bool,
}

impl ChildSa {
    /// Fails if the provider cannot key the ESP transforms (the suite was checked
    /// when the keys were derived, so only a provider mismatch gets here).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        id: ChildSaId,
        ike_sa: IkeSaId,
        params: ChildParams,
        chosen: &Proposal,
        keys: ChildKeys,
        outer: Outer,
        provider: &CryptoProvider,
        limits: VolumeLimits,
    ) -> Result<Self, EspError> {
        let find = |kind: TransformType| chosen.transforms.iter().find(|t| t.kind == kind);
        let encr = find(TransformType::ENCR);
        let encr_id = encr.map_or(EncrId(0), |t| EncrId(t.id));
        let encr_key_bits = encr.and_then(Transform::key_length);
        let integ = find(TransformType::INTEG)
            .map(|t| IntegId(t.id))
            .filter(|i| *i != IntegId::NONE);
        let esn = find(TransformType::ESN).is_some_and(|t| t.id == EsnId::ESN.0);
        let (out_keys, in_keys) = if params.initiator {
            (
                (keys.encr_i(), keys.integ_i()),
                (keys.encr_r(), keys.integ_r()),
            )
        } else {
            (
                (keys.encr_r(), keys.integ_r()),
                (keys.encr_i(), keys.integ_i()),
            )
        };
        let esp = ChildEsp::new(
            provider,
            &EspParams {
                spi_in: params.spi_in,
                spi_out: params.spi_out,
                encr: encr_id,
                encr_key_bits,
                integ,
                esn,
                outbound_keys: (out_keys.0.as_bytes(), out_keys.1.as_bytes()),
                inbound_keys: (in_keys.0.as_bytes(), in_keys.1.as_bytes()),
                replay_window: params.replay_window,
                limits,
            },
        )?;
        Ok(Self {
            id,
            ike_sa,
            name: params.name,
            initiator: params.initiator,
            spi_in: params.spi_in,
            spi_out: params.spi_out,
            encr: encr_id,
            encr_key_bits,
            integ,
            esn,
            mode: params.mode,
            proposal: ProposalSpec::from_wire(chosen).to_string(),
            local_ts: params.local_ts,
            remote_ts: params.remote_ts,
            local: outer.local,
            remote: outer.remote,
            udp_encap: outer.udp_encap,
            replay_window: params.replay_window,
            keys,
            esp,
            last_inbound: None,
            last_outbound: None,
        })
    }

    /// The ESP data plane's state (counters, replay window).
    pub fn esp(&self) -> &ChildEsp {
        &self.esp
    }

    /// Mutable ESP state (tests and drivers that restore or age an SA).
    pub fn esp_mut(&mut self) -> &mut ChildEsp {
        &mut self.esp
    }

    /// The KEYMAT split (RFC 7296 §2.17), initiator-to-responder and back.
    pub fn keys(&self) -> &ChildKeys {
        &self.keys
    }

    /// (encryption key, integrity key) for what we send: for an AEAD the encryption
    /// key is key | salt (RFC 4106 §8.1) and the integrity key is empty.
    pub fn outbound_keys(&self) -> (&Secret, &Secret) {
        if self.initiator {
            (self.keys.encr_i(), self.keys.integ_i())
        } else {
            (self.keys.encr_r(), self.keys.integ_r())
        }
    }

    /// (encryption key, integrity key) for what we receive.
    pub fn inbound_keys(&self) -> (&Secret, &Secret) {
        if self.initiator {
            (self.keys.encr_r(), self.keys.integ_r())
        } else {
            (self.keys.encr_i(), self.keys.integ_i())
        }
    }

    /// The algorithms resolved in a crypto provider.
    pub fn suite(&self, provider: &CryptoProvider) -> Result<ChildSuite, CryptoError> {
        ChildSuite::new(provider, self.encr, self.encr_key_bits, self.integ)
    }

    /// The record the `ChildSaUp` event carries (no keys).
    pub(crate) fn up_event(&self) -> ChildSaUp {
        ChildSaUp {
            child: self.id,
            name: self.name.clone(),
            spi_in: self.spi_in,
            spi_out: self.spi_out,
            proposal: self.proposal.clone(),
            encr: self.encr,
            encr_key_bits: self.encr_key_bits,
            integ: self.integ,
            esn: self.esn,
            mode: self.mode,
            udp_encap: self.udp_encap,
            local_ts: self.local_ts.clone(),
            remote_ts: self.remote_ts.clone(),
        }
    }
}
