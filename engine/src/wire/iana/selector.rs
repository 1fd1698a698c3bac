//! Traffic selector types (RFC 7296 §3.13.1; IANA "IKEv2 Traffic Selector Types").

use crate::wire::open_enum::open_enum;

open_enum! {
    /// TS Type of one traffic selector (RFC 7296 §3.13.1).
    pub struct TsType(u8) {
        IPV4_ADDR_RANGE = 7 => "TS_IPV4_ADDR_RANGE",
        IPV6_ADDR_RANGE = 8 => "TS_IPV6_ADDR_RANGE",
        /// RFC 4595.
        FC_ADDR_RANGE = 9 => "TS_FC_ADDR_RANGE",
        /// RFC 9478.
        SECLABEL = 10 => "TS_SECLABEL",
    }
}
