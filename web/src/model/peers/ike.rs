//! The facts about an IKE SA itself (RFC 7296 §1.2, §2.18), folded into its state:
//! made by `IkeSaCreated` (or when the trace first names it), its state from
//! `StateChanged`, established by `IkeSaUp`, replaced by `IkeSaRekeyed` (the new
//! IKE SA between the same peers), ended by `IkeSaDown`; its SPIs and Message IDs
//! (§2.2) from the messages sent and received, its addresses from
//! `PeerAddressChanged`, and the exchange in progress from `ExchangeStarted` and
//! `ExchangeDone`.

use ikelab_engine::config::Role;
use ikelab_engine::event::SaState;
use ikelab_engine::wire::IkeSpi;

use super::facts::{Fact, What};
use super::fold::PeerFold;
use super::state::{Ending, IkeSaState, Phase};

impl PeerFold {
    /// The IKE SA `id`, made if the trace names it before its creation.
    fn ike(&mut self, id: u64, fact: &Fact) -> &mut IkeSaState {
        let index = match self.ike_sas.iter().position(|s| s.id == id) {
            Some(index) => index,
            None => {
                self.ike_sas.push(new_ike_sa(id, fact.record, fact.t_us));
                self.ike_sas.len() - 1
            }
        };
        &mut self.ike_sas[index]
    }

    /// The facts about an IKE SA itself.
    pub(super) fn apply_ike(&mut self, fact: &Fact) {
        let Some(id) = fact.ike_sa else {
            return;
        };
        let ending = |text: String| Ending {
            text,
            record: fact.record,
            t_us: fact.t_us,
        };
        if let What::IkeRekeyed {
            new_sa,
            spi_i,
            spi_r,
            proposal,
            initiator,
            cause,
        } = &fact.what
        {
            let old = self.ike(id, fact);
            old.replaced_by = Some(ending(format!("replaced by IKE SA #{new_sa} ({cause})")));
            old.exchange = None;
            let (local, remote, local_id, remote_id, udp_encap, virtual_ips) = (
                old.local.clone(),
                old.remote.clone(),
                old.local_id.clone(),
                old.remote_id.clone(),
                old.udp_encap,
                old.virtual_ips.clone(),
            );
            let new = self.ike(*new_sa, fact);
            new.initiator = Some(*initiator);
            new.spi_i.clone_from(spi_i);
            new.spi_r.clone_from(spi_r);
            new.proposal = Some(proposal.clone());
            new.state = state_words(SaState::Established).to_owned();
            new.phase = Phase::Up;
            new.up_us = Some(fact.t_us);
            new.replaces = Some(id);
            // The new IKE SA is between the same peers and identities (RFC 7296
            // §2.18); its Message IDs start at 0 again.
            (
                new.local,
                new.remote,
                new.local_id,
                new.remote_id,
                new.udp_encap,
                new.virtual_ips,
            ) = (local, remote, local_id, remote_id, udp_encap, virtual_ips);
            return;
        }
        let sa = self.ike(id, fact);
        match &fact.what {
            What::IkeCreated {
                initiator,
                local,
                remote,
            } => {
                sa.initiator = Some(*initiator);
                sa.local = Some(local.to_string());
                sa.remote = Some(remote.to_string());
                sa.record = fact.record;
                sa.created_us = fact.t_us;
                let first = if *initiator {
                    SaState::InitSent
                } else {
                    SaState::HalfOpen
                };
                sa.state = state_words(first).to_owned();
            }
            What::Message {
                sent,
                response,
                message_id,
                spi_i,
                spi_r,
            } => {
                sa.spi_i = spi_i.to_string();
                // Zero until the responder chose its SPI (RFC 7296 §3.1).
                if !spi_r.is_zero() {
                    sa.spi_r = spi_r.to_string();
                }
                // RFC 7296 §2.2: each side numbers its own requests; a response
                // carries the request's ID.
                let next = message_id.saturating_add(1);
                match (sent, response) {
                    (true, false) => {
                        sa.next_request_id = Some(sa.next_request_id.map_or(next, |n| n.max(next)));
                    }
                    (false, false) => {
                        sa.peer_next_request_id =
                            Some(sa.peer_next_request_id.map_or(next, |n| n.max(next)));
                    }
                    _ => {}
                }
            }
            What::State(to) => {
                sa.state = state_words(*to).to_owned();
                match to {
                    SaState::Established if sa.phase == Phase::Opening => sa.phase = Phase::Up,
                    SaState::Closing => sa.phase = Phase::Ended,
                    _ => {}
                }
            }
            What::IkeUp(up) => {
                sa.initiator = Some(up.role == Role::Initiator);
                sa.spi_i = up.spi_i.to_string();
                sa.spi_r = up.spi_r.to_string();
                sa.proposal = Some(up.proposal.clone());
                sa.local = Some(up.local.to_string());
                sa.remote = Some(up.remote.to_string());
                sa.local_id = Some(up.local_id.clone());
                sa.remote_id = Some(up.remote_id.clone());
                sa.udp_encap = up.udp_encap;
                sa.virtual_ips = up.virtual_ips.iter().map(ToString::to_string).collect();
                sa.up_us = Some(fact.t_us);
                if sa.phase == Phase::Opening {
                    sa.phase = Phase::Up;
                }
            }
            What::IkeDown(reason) => {
                sa.ended = Some(ending(reason.clone()));
                sa.phase = Phase::Ended;
                sa.exchange = None;
            }
            What::AddressChanged { local, remote } => {
                sa.local = Some(local.to_string());
                sa.remote = Some(remote.to_string());
            }
            What::ExchangeStarted(text) => sa.exchange = Some(text.clone()),
            What::ExchangeDone => sa.exchange = None,
            _ => {}
        }
    }
}

fn new_ike_sa(id: u64, record: usize, created_us: u64) -> IkeSaState {
    let zero = IkeSpi::ZERO.to_string();
    IkeSaState {
        id,
        initiator: None,
        spi_i: zero.clone(),
        spi_r: zero,
        state: "being set up".to_owned(),
        phase: Phase::Opening,
        proposal: None,
        local: None,
        remote: None,
        local_id: None,
        remote_id: None,
        udp_encap: false,
        virtual_ips: Vec::new(),
        created_us,
        up_us: None,
        rekey: None,
        expire: None,
        next_request_id: None,
        peer_next_request_id: None,
        exchange: None,
        replaces: None,
        replaced_by: None,
        ended: None,
        children: Vec::new(),
        record,
    }
}

/// The engine's state in words.
fn state_words(state: SaState) -> &'static str {
    match state {
        SaState::InitSent => "IKE_SA_INIT sent, waiting for the answer",
        SaState::AuthSent => "IKE_AUTH sent, waiting for the answer",
        SaState::HalfOpen => "half-open: IKE_SA_INIT answered, waiting for IKE_AUTH",
        SaState::Established => "established",
        SaState::Closing => "closed (kept a while to answer retransmissions)",
    }
}
