//! EAP codes and method types carried in the EAP payload (RFC 7296 §3.16, RFC 3748 §4,
//! §5; IANA "Extensible Authentication Protocol (EAP) Registry").

use crate::wire::open_enum::open_enum;

open_enum! {
    /// EAP Code (RFC 3748 §4; 5 and 6 from RFC 6696).
    pub struct EapCode(u8) {
        REQUEST = 1 => "Request",
        RESPONSE = 2 => "Response",
        SUCCESS = 3 => "Success",
        FAILURE = 4 => "Failure",
        INITIATE = 5 => "Initiate",
        FINISH = 6 => "Finish",
    }
}

open_enum! {
    /// EAP method Type (RFC 3748 §5 and the methods' own RFCs).
    pub struct EapType(u8) {
        IDENTITY = 1 => "Identity",
        NOTIFICATION = 2 => "Notification",
        NAK = 3 => "Legacy Nak",
        MD5_CHALLENGE = 4 => "MD5-Challenge",
        OTP = 5 => "One-Time Password (OTP)",
        GTC = 6 => "Generic Token Card (GTC)",
        TLS = 13 => "EAP-TLS",
        SIM = 18 => "EAP-SIM",
        TTLS = 21 => "EAP-TTLS",
        AKA = 23 => "EAP-AKA",
        PEAP = 25 => "PEAP",
        MSCHAPV2 = 26 => "EAP-MSCHAP-V2",
        FAST = 43 => "EAP-FAST",
        IKEV2 = 49 => "EAP-IKEv2",
        AKA_PRIME = 50 => "EAP-AKA'",
        PWD = 52 => "EAP-pwd",
        TEAP = 55 => "TEAP",
        EXPANDED = 254 => "Expanded Type",
        EXPERIMENTAL = 255 => "Experimental",
    }
}
