//! The engine's installed CHILD SAs, by id and by inbound SPI (the ESP data plane
//! picks the SA of a received packet by its SPI alone, RFC 4303 §2.1; the lookup
//! is a map search, no allocation). The map methods mirror `BTreeMap`'s, so IKE
//! code inserting and removing CHILD SAs keeps both indexes in step.

use std::collections::BTreeMap;

use super::child::ChildSa;
use super::ids::ChildSaId;

#[derive(Debug, Default)]
pub(crate) struct ChildTable {
    by_id: BTreeMap<ChildSaId, ChildSa>,
    by_spi_in: BTreeMap<u32, ChildSaId>,
}

impl ChildTable {
    pub(crate) fn insert(&mut self, id: ChildSaId, child: ChildSa) -> Option<ChildSa> {
        self.by_spi_in.insert(child.spi_in, id);
        let old = self.by_id.insert(id, child);
        if let Some(old) = &old
            && self.by_spi_in.get(&old.spi_in) == Some(&id)
            && self.by_id.get(&id).is_some_and(|c| c.spi_in != old.spi_in)
        {
            self.by_spi_in.remove(&old.spi_in);
        }
        old
    }

    pub(crate) fn remove(&mut self, id: &ChildSaId) -> Option<ChildSa> {
        let child = self.by_id.remove(id)?;
        if self.by_spi_in.get(&child.spi_in) == Some(id) {
            self.by_spi_in.remove(&child.spi_in);
        }
        Some(child)
    }

    pub(crate) fn get(&self, id: &ChildSaId) -> Option<&ChildSa> {
        self.by_id.get(id)
    }

    pub(crate) fn get_mut(&mut self, id: &ChildSaId) -> Option<&mut ChildSa> {
        self.by_id.get_mut(id)
    }

    /// The CHILD SA whose inbound ESP SA has `spi`.
    pub(crate) fn by_spi_in_mut(&mut self, spi: u32) -> Option<&mut ChildSa> {
        let id = self.by_spi_in.get(&spi)?;
        self.by_id.get_mut(id).filter(|c| c.spi_in == spi)
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &ChildSa> {
        self.by_id.values()
    }

    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }
}
