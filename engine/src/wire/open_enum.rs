//! Open enums for IANA registries.
//!
//! A registry value on the wire may be one we have never heard of (a newer RFC, a
//! private-use number). It must survive a parse → emit round trip unchanged and show
//! in the dissection as a number. So each registry is a newtype over its wire integer
//! with one associated constant per assigned value, instead of a closed Rust `enum`
//! (the idea of rustls' `enum_builder!` and smoltcp's `enum_with_unknown!`).

/// Declares an open enum: `pub struct Name(pub u16)` plus named constants, each with
/// its IANA name, and `name()`, `Display` ("ENCR_AES_GCM_16 (20)", or "20" when
/// unassigned) and `Debug`.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident($ty:ty) {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal => $iana:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        $vis struct $name(pub $ty);

        #[allow(dead_code)]
        impl $name {
            $( $(#[$vmeta])* pub const $variant: Self = Self($value); )*

            /// Every assigned value, in registry order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// The IANA name of this value, or `None` if it is not one we know.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some($iana), )*
                    _ => None,
                }
            }

            /// Whether this value is one of the named constants.
            pub const fn is_known(self) -> bool {
                self.name().is_some()
            }
        }

        impl From<$ty> for $name {
            fn from(value: $ty) -> Self {
                Self(value)
            }
        }

        impl From<$name> for $ty {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(name) => write!(f, "{name} ({})", self.0),
                    None => write!(f, "{}", self.0),
                }
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(name) => f.write_str(name),
                    None => write!(f, "{}({})", stringify!($name), self.0),
                }
            }
        }
    };
}

pub(crate) use open_enum;
