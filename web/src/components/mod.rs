//! One module per area of the page.

pub(crate) mod footer;
pub(crate) mod header;
pub(crate) mod timeline;
