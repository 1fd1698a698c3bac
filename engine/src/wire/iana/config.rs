//! Configuration payload registries (RFC 7296 §3.15.1; IANA "IKEv2 Configuration Payload
//! CFG Types" and "... Attribute Types").

use crate::wire::open_enum::open_enum;

open_enum! {
    /// CFG Type of a CP payload (RFC 7296 §3.15).
    pub struct CfgType(u8) {
        REQUEST = 1 => "CFG_REQUEST",
        REPLY = 2 => "CFG_REPLY",
        SET = 3 => "CFG_SET",
        ACK = 4 => "CFG_ACK",
    }
}

open_enum! {
    /// Configuration attribute types (RFC 7296 §3.15.1 and later RFCs).
    pub struct CfgAttrType(u16) {
        INTERNAL_IP4_ADDRESS = 1 => "INTERNAL_IP4_ADDRESS",
        INTERNAL_IP4_NETMASK = 2 => "INTERNAL_IP4_NETMASK",
        INTERNAL_IP4_DNS = 3 => "INTERNAL_IP4_DNS",
        INTERNAL_IP4_NBNS = 4 => "INTERNAL_IP4_NBNS",
        INTERNAL_IP4_DHCP = 6 => "INTERNAL_IP4_DHCP",
        APPLICATION_VERSION = 7 => "APPLICATION_VERSION",
        INTERNAL_IP6_ADDRESS = 8 => "INTERNAL_IP6_ADDRESS",
        INTERNAL_IP6_DNS = 10 => "INTERNAL_IP6_DNS",
        INTERNAL_IP6_DHCP = 12 => "INTERNAL_IP6_DHCP",
        INTERNAL_IP4_SUBNET = 13 => "INTERNAL_IP4_SUBNET",
        SUPPORTED_ATTRIBUTES = 14 => "SUPPORTED_ATTRIBUTES",
        INTERNAL_IP6_SUBNET = 15 => "INTERNAL_IP6_SUBNET",
        /// RFC 5026.
        MIP6_HOME_PREFIX = 16 => "MIP6_HOME_PREFIX",
        /// RFC 5739.
        INTERNAL_IP6_LINK = 17 => "INTERNAL_IP6_LINK",
        INTERNAL_IP6_PREFIX = 18 => "INTERNAL_IP6_PREFIX",
        /// RFC 5555.
        HOME_AGENT_ADDRESS = 19 => "HOME_AGENT_ADDRESS",
        /// RFC 7651.
        P_CSCF_IP4_ADDRESS = 20 => "P_CSCF_IP4_ADDRESS",
        P_CSCF_IP6_ADDRESS = 21 => "P_CSCF_IP6_ADDRESS",
        /// 3GPP TS 24.302.
        FTT_KAT = 22 => "FTT_KAT",
        EXTERNAL_SOURCE_IP4_NAT_INFO = 23 => "EXTERNAL_SOURCE_IP4_NAT_INFO",
        TIMEOUT_PERIOD_FOR_LIVENESS_CHECK = 24 => "TIMEOUT_PERIOD_FOR_LIVENESS_CHECK",
        /// RFC 8598.
        INTERNAL_DNS_DOMAIN = 25 => "INTERNAL_DNS_DOMAIN",
        INTERNAL_DNSSEC_TA = 26 => "INTERNAL_DNSSEC_TA",
        /// RFC 9464.
        ENCDNS_IP4 = 27 => "ENCDNS_IP4",
        ENCDNS_IP6 = 28 => "ENCDNS_IP6",
        ENCDNS_DIGEST_INFO = 29 => "ENCDNS_DIGEST_INFO",
    }
}
