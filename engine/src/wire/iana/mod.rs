//! IANA registries used in IKEv2 messages ("Internet Key Exchange Version 2 (IKEv2)
//! Parameters"), each an open enum (see `open_enum`): unknown values round-trip and
//! display as numbers.

mod config;
mod eap;
mod exchange;
mod ident;
mod notify;
mod selector;
mod transform;

pub use config::{CfgAttrType, CfgType};
pub use eap::{EapCode, EapType};
pub use exchange::{ExchangeType, PayloadType};
pub use ident::{AuthMethod, CertEncoding, HashAlgorithm, IdType};
pub use notify::{GatewayIdType, IpcompId, NotifyType};
pub use selector::{PROTOCOL_NAMES, TsType, write_protocol_ports};
pub use transform::{
    DhId, EncrId, EsnId, IntegId, PrfId, ProtocolId, TransformAttrType, TransformType,
};
