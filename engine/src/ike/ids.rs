//! Handles for the SAs an [`Engine`](super::Engine) holds.
//!
//! Handles are numbers the engine hands out in order (1, 2, 3, ...), never reused
//! within one engine, so a seeded run names its SAs identically every time. They are
//! not the SPIs: the SPIs are on the wire, the handles are the driver's.

pub use crate::event::{ChildSaId, IkeSaId};

/// Hands out handles in order.
#[derive(Debug, Default)]
pub(crate) struct IdAllocator {
    last_ike: u64,
    last_child: u64,
}

impl IdAllocator {
    pub(crate) fn next_ike(&mut self) -> IkeSaId {
        self.last_ike += 1;
        IkeSaId(self.last_ike)
    }

    pub(crate) fn next_child(&mut self) -> ChildSaId {
        self.last_child += 1;
        ChildSaId(self.last_child)
    }
}
