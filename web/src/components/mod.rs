//! One folder per area of the page.

#[cfg(feature = "tools")]
pub(crate) mod compare;
pub(crate) mod controls;
pub(crate) mod detail;
#[cfg(feature = "tools")]
pub(crate) mod downloads;
#[cfg(feature = "tools")]
pub(crate) mod editor;
pub(crate) mod events;
pub(crate) mod footer;
pub(crate) mod header;
pub(crate) mod inspector;
#[cfg(feature = "tools")]
pub(crate) mod keys;
#[cfg(feature = "tools")]
pub(crate) mod peers;
pub(crate) mod picker;
pub(crate) mod timeline;
#[cfg(feature = "tools")]
pub(crate) mod traffic;
pub(crate) mod why;

use yew::prelude::*;

use crate::state::{LabRef, LabState};

/// What every panel of the detail area gets: the run, the step played, the selected
/// record and the reducer (panels select records and steps with `Action::SelectRecord`
/// and `Action::Seek`, and light up records with `Action::Highlight`).
#[derive(Properties, PartialEq, Clone)]
#[cfg_attr(not(feature = "tools"), allow(dead_code))]
pub(crate) struct PanelProps {
    pub(crate) lab: LabRef,
    /// Lines played (see `LabState::step`).
    pub(crate) step: usize,
    pub(crate) selected: Option<usize>,
    pub(crate) dispatch: UseReducerDispatcher<LabState>,
}
