//! Simultaneous rekeys (RFC 7296 §2.8.1, §2.8.2): both peers rekeyed the same SA and
//! each answered the other, so two new SAs exist. "The SA created with the lowest of
//! the four nonces used in the two exchanges SHOULD be closed by the endpoint that
//! created it": both sides see the same four nonces, so both reach the same verdict
//! and no SA is lost.

use crate::event::{CollisionKind, CollisionReport, EventKind};
use crate::ike::context::Cx;
use crate::ike::sa::SaCore;
use crate::wire::hex;

/// Decides and reports a collision; true if the lowest nonce is in our exchange
/// (`ours` = [our Ni, the peer's Nr], `peers` = [the peer's Ni, our Nr]).
pub(super) fn report(
    core: &SaCore,
    cx: &mut Cx<'_>,
    kind: CollisionKind,
    ours: [&[u8]; 2],
    peers: [&[u8]; 2],
) -> bool {
    let all = [ours[0], ours[1], peers[0], peers[1]];
    let lowest_is_ours = super::lowest(&all) < 2;
    cx.emit(
        Some(core.id),
        EventKind::RekeyCollision(CollisionReport {
            kind,
            our_nonces: ours.map(hex::encode),
            peer_nonces: peers.map(hex::encode),
            lowest_is_ours,
        }),
    );
    lowest_is_ours
}
