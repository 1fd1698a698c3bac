//! The driver's commands on established SAs. Each queues an exchange behind the
//! window of one outstanding request (RFC 7296 §2.3) and returns at once; what
//! happens is reported in events (`ExchangeStarted`, `ExchangeDone`, SA up/down),
//! each with [`Cause::Command`].

use super::datagram::Time;
use super::engine::Engine;
use super::ids::{ChildSaId, IkeSaId};
use super::ops::{self, CommandError, Task};
use crate::child::VolumeLimit;
use crate::event::{Action, Cause};

impl Engine {
    /// A new CHILD SA of the configuration's `[children.NAME]` in a CREATE_CHILD_SA
    /// exchange (§1.3.1), with PFS if its `esp_proposals` name a group.
    pub fn create_child(
        &mut self,
        now: Time,
        ike: IkeSaId,
        child_name: &str,
    ) -> Result<(), CommandError> {
        let action = Action::CreateChild {
            name: child_name.to_owned(),
        };
        self.command(now, ike, action)
    }

    /// Rekeys a CHILD SA now (§1.3.3, §2.8): a new one with N(REKEY_SA), then the
    /// old one deleted.
    pub fn rekey_child(&mut self, now: Time, child: ChildSaId) -> Result<(), CommandError> {
        let ike = self.ike_of(child)?;
        self.command(now, ike, Action::RekeyChild { child })
    }

    /// Rekeys an IKE SA now (§1.3.2, §2.18): a new IKE SA inherits the CHILD SAs and
    /// the old one is deleted.
    pub fn rekey_ike(&mut self, now: Time, ike: IkeSaId) -> Result<(), CommandError> {
        self.command(now, ike, Action::RekeyIke)
    }

    /// Deletes a CHILD SA (§1.4.1); the peer answers with the Delete of its half.
    pub fn delete_child(&mut self, now: Time, child: ChildSaId) -> Result<(), CommandError> {
        let ike = self.ike_of(child)?;
        self.command(now, ike, Action::DeleteChild { child })
    }

    /// Deletes an IKE SA and with it its CHILD SAs (§1.4.1).
    pub fn delete_ike(&mut self, now: Time, ike: IkeSaId) -> Result<(), CommandError> {
        self.command(now, ike, Action::DeleteIke)
    }

    /// Sends a liveness check, an empty INFORMATIONAL request (§1.4, §2.4); if its
    /// retransmissions go unanswered the peer is declared dead.
    pub fn check_liveness(&mut self, now: Time, ike: IkeSaId) -> Result<(), CommandError> {
        self.command(now, ike, Action::Liveness)
    }

    /// The ESP data plane saw a CHILD SA cross a byte, packet or sequence-number
    /// limit: a soft one rekeys it, a hard one deletes it ([`ops::volume::on_limit`]).
    pub(crate) fn on_child_volume_limit(
        &mut self,
        now: Time,
        child: ChildSaId,
        limit: VolumeLimit,
    ) {
        if let Ok(ike) = self.ike_of(child) {
            self.with_sa(now, ike, |sa, cx| {
                ops::volume::on_limit(sa, cx, child, limit)
            });
        }
    }

    fn ike_of(&self, child: ChildSaId) -> Result<IkeSaId, CommandError> {
        self.child_sa(child)
            .map(|c| c.ike_sa)
            .ok_or(CommandError::UnknownChildSa(child))
    }

    fn command(&mut self, now: Time, ike: IkeSaId, action: Action) -> Result<(), CommandError> {
        if self.ike_sa(ike).is_none() {
            return Err(CommandError::UnknownIkeSa(ike));
        }
        let task = Task {
            action,
            cause: Cause::Command,
        };
        let mut result = Ok(());
        self.with_sa(now, ike, |sa, cx| result = ops::command(sa, cx, task));
        result
    }
}
