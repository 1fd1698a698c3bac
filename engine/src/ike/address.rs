//! Following the peer's address (RFC 7296 §2.23): "if the other end is behind a NAT
//! ... the IP address and port of the other end [are] taken from the last
//! authenticated message received", so a NAT mapping that changes does not strand
//! the IKE SA or its CHILD SAs. Only authenticated messages get here.

use std::net::SocketAddr;

use super::context::Cx;
use super::sa::SaCore;
use crate::event::EventKind;

/// Answers to `src` from `dst` from now on. With `report` (an established SA) a
/// change is an event and the CHILD SAs follow too; before that (the NAT-T float
/// during IKE_AUTH) the IKE SA just takes the addresses.
pub(crate) fn follow(
    core: &mut SaCore,
    cx: &mut Cx<'_>,
    report: bool,
    src: SocketAddr,
    dst: SocketAddr,
) {
    if core.remote == src && core.local == dst {
        return;
    }
    let (old_remote, old_local) = (core.remote, core.local);
    core.remote = src;
    core.local = dst;
    if !report {
        return;
    }
    cx.emit(
        Some(core.id),
        EventKind::PeerAddressChanged {
            old_remote,
            new_remote: src,
            old_local,
            new_local: dst,
        },
    );
    for id in &core.children {
        if let Some(child) = cx.children.get_mut(id) {
            // Plain ESP has no ports: only the address moves (RFC 4303); in UDP
            // (RFC 3948) the port does too.
            if child.udp_encap {
                child.remote = src;
                child.local = dst;
            } else {
                child.remote = SocketAddr::new(src.ip(), child.remote.port());
                child.local = SocketAddr::new(dst.ip(), child.local.port());
            }
        }
    }
}
