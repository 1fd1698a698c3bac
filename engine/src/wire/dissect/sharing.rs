//! One copy of each dissection in a serialised trace.
//!
//! The same message is dissected by its sender and by its receiver (the same bytes,
//! the same plaintext, the same fields), and a retransmission shares its first
//! transmission's dissection. Inside a [`scope`] (what `Trace::to_json` and
//! `Trace::from_json` open), a message's `dissection` equal to one already written
//! is written as `{"same_as": n}`: the n-th dissection written in full (counting from
//! 0, in document order). Reading inside a scope resolves those references back to
//! the one shared dissection. Outside a scope (an event serialised on its own) every
//! dissection is written in full.

use std::cell::RefCell;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::field::Dissection;

thread_local! {
    /// The dissections written (or read) in full so far in the open scope.
    static SCOPE: RefCell<Option<Vec<Arc<Dissection>>>> = const { RefCell::new(None) };
}

/// Runs `f` (one serialisation or deserialisation of a whole document) with
/// repeated dissections shared; scopes do not nest (an inner one is the outer one).
pub fn scope<T>(f: impl FnOnce() -> T) -> T {
    /// Closes the scope it opened, even if `f` panics.
    struct Opened(bool);
    impl Drop for Opened {
        fn drop(&mut self) {
            if self.0 {
                SCOPE.with(|s| *s.borrow_mut() = None);
            }
        }
    }
    let _opened = Opened(SCOPE.with(|s| {
        let mut s = s.borrow_mut();
        if s.is_some() {
            false
        } else {
            *s = Some(Vec::new());
            true
        }
    }));
    f()
}

/// `#[serde(with = "...")]` for an `Option<Arc<Dissection>>` field.
pub(crate) mod shared {
    use super::*;

    #[derive(Serialize, Deserialize)]
    struct SameAs {
        same_as: usize,
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Slot {
        Same(SameAs),
        Full(Box<Dissection>),
    }

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<Arc<Dissection>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let Some(dissection) = value else {
            return s.serialize_none();
        };
        let seen = SCOPE.with(|scope| {
            let mut scope = scope.borrow_mut();
            let table = scope.as_mut()?;
            match table
                .iter()
                .position(|d| Arc::ptr_eq(d, dissection) || **d == **dissection)
            {
                Some(n) => Some(Some(n)),
                None => {
                    table.push(Arc::clone(dissection));
                    Some(None)
                }
            }
        });
        match seen {
            Some(Some(same_as)) => s.serialize_some(&SameAs { same_as }),
            _ => s.serialize_some(&**dissection),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Arc<Dissection>>, D::Error> {
        let Some(slot) = Option::<Slot>::deserialize(d)? else {
            return Ok(None);
        };
        match slot {
            Slot::Full(dissection) => {
                let dissection: Arc<Dissection> = Arc::from(dissection);
                SCOPE.with(|scope| {
                    if let Some(table) = scope.borrow_mut().as_mut() {
                        table.push(Arc::clone(&dissection));
                    }
                });
                Ok(Some(dissection))
            }
            Slot::Same(SameAs { same_as }) => SCOPE
                .with(|scope| {
                    scope
                        .borrow()
                        .as_ref()
                        .and_then(|table| table.get(same_as).cloned())
                })
                .map(Some)
                .ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "dissection same_as {same_as}: no such dissection before it"
                    ))
                }),
        }
    }
}
