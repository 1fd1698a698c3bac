//! One folder per area of the page.

pub(crate) mod controls;
pub(crate) mod events;
pub(crate) mod footer;
pub(crate) mod header;
pub(crate) mod inspector;
pub(crate) mod picker;
pub(crate) mod timeline;
pub(crate) mod why;
