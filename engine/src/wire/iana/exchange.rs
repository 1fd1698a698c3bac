//! Exchange types and payload types (RFC 7296 §3.1, §3.2; IANA "IKEv2 Exchange Types",
//! "IKEv2 Payload Types").

use crate::wire::open_enum::open_enum;

open_enum! {
    /// Exchange Type (RFC 7296 §3.1): which exchange a message belongs to.
    pub struct ExchangeType(u8) {
        IKE_SA_INIT = 34 => "IKE_SA_INIT",
        IKE_AUTH = 35 => "IKE_AUTH",
        CREATE_CHILD_SA = 36 => "CREATE_CHILD_SA",
        INFORMATIONAL = 37 => "INFORMATIONAL",
        /// RFC 5723.
        IKE_SESSION_RESUME = 38 => "IKE_SESSION_RESUME",
        /// RFC 9838 (G-IKEv2).
        GSA_AUTH = 39 => "GSA_AUTH",
        GSA_REGISTRATION = 40 => "GSA_REGISTRATION",
        GSA_REKEY = 41 => "GSA_REKEY",
        GSA_INBAND_REKEY = 42 => "GSA_INBAND_REKEY",
        /// RFC 9242.
        IKE_INTERMEDIATE = 43 => "IKE_INTERMEDIATE",
        /// RFC 9370.
        IKE_FOLLOWUP_KE = 44 => "IKE_FOLLOWUP_KE",
    }
}

open_enum! {
    /// Payload Type, as carried in every Next Payload field (RFC 7296 §3.2).
    pub struct PayloadType(u8) {
        NONE = 0 => "No Next Payload",
        SA = 33 => "SA",
        KE = 34 => "KE",
        IDI = 35 => "IDi",
        IDR = 36 => "IDr",
        CERT = 37 => "CERT",
        CERTREQ = 38 => "CERTREQ",
        AUTH = 39 => "AUTH",
        NONCE = 40 => "Nonce",
        NOTIFY = 41 => "N",
        DELETE = 42 => "D",
        VENDOR_ID = 43 => "V",
        TSI = 44 => "TSi",
        TSR = 45 => "TSr",
        SK = 46 => "SK",
        CP = 47 => "CP",
        EAP = 48 => "EAP",
        /// RFC 6467.
        GSPM = 49 => "GSPM",
        /// RFC 9838 (G-IKEv2).
        IDG = 50 => "IDg",
        GSA = 51 => "GSA",
        KD = 52 => "KD",
        /// RFC 7383.
        SKF = 53 => "SKF",
        /// RFC 8019.
        PS = 54 => "PS",
    }
}

impl PayloadType {
    /// The payload's full name, e.g. "Security Association" for SA.
    pub const fn long_name(self) -> Option<&'static str> {
        match self.0 {
            0 => Some("No Next Payload"),
            33 => Some("Security Association"),
            34 => Some("Key Exchange"),
            35 => Some("Identification - Initiator"),
            36 => Some("Identification - Responder"),
            37 => Some("Certificate"),
            38 => Some("Certificate Request"),
            39 => Some("Authentication"),
            40 => Some("Nonce"),
            41 => Some("Notify"),
            42 => Some("Delete"),
            43 => Some("Vendor ID"),
            44 => Some("Traffic Selector - Initiator"),
            45 => Some("Traffic Selector - Responder"),
            46 => Some("Encrypted and Authenticated"),
            47 => Some("Configuration"),
            48 => Some("Extensible Authentication"),
            49 => Some("Generic Secure Password Method"),
            50 => Some("Group Identification"),
            51 => Some("Group Security Association"),
            52 => Some("Key Download"),
            53 => Some("Encrypted and Authenticated Fragment"),
            54 => Some("Puzzle Solution"),
            _ => None,
        }
    }
}
