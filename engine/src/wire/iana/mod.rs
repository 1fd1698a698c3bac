//! IANA registries used in IKEv2 messages ("Internet Key Exchange Version 2 (IKEv2)
//! Parameters"), each an open enum (see `open_enum`): unknown values round-trip and
//! display as numbers.

mod transform;

pub use transform::{
    DhId, EncrId, EsnId, IntegId, PrfId, ProtocolId, TransformAttrType, TransformType,
};
