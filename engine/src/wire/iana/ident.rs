//! Identification, authentication and certificate registries (RFC 7296 §3.5, §3.6,
//! §3.8; RFC 7427 for hash algorithms).

use crate::wire::open_enum::open_enum;

open_enum! {
    /// ID Type of an IDi/IDr payload (RFC 7296 §3.5).
    pub struct IdType(u8) {
        IPV4_ADDR = 1 => "ID_IPV4_ADDR",
        FQDN = 2 => "ID_FQDN",
        RFC822_ADDR = 3 => "ID_RFC822_ADDR",
        IPV6_ADDR = 5 => "ID_IPV6_ADDR",
        DER_ASN1_DN = 9 => "ID_DER_ASN1_DN",
        DER_ASN1_GN = 10 => "ID_DER_ASN1_GN",
        KEY_ID = 11 => "ID_KEY_ID",
        /// RFC 4595.
        FC_NAME = 12 => "ID_FC_NAME",
        /// RFC 7619.
        NULL = 13 => "ID_NULL",
    }
}

open_enum! {
    /// Auth Method of an AUTH payload (RFC 7296 §3.8).
    pub struct AuthMethod(u8) {
        RSA_SIG = 1 => "RSA Digital Signature",
        SHARED_KEY_MIC = 2 => "Shared Key Message Integrity Code",
        DSS_SIG = 3 => "DSS Digital Signature",
        /// RFC 4754.
        ECDSA_SHA256_P256 = 9 => "ECDSA with SHA-256 on the P-256 curve",
        ECDSA_SHA384_P384 = 10 => "ECDSA with SHA-384 on the P-384 curve",
        ECDSA_SHA512_P521 = 11 => "ECDSA with SHA-512 on the P-521 curve",
        /// RFC 6467.
        GENERIC_SECURE_PASSWORD = 12 => "Generic Secure Password Authentication Method",
        /// RFC 7619.
        NULL = 13 => "NULL Authentication",
        /// RFC 7427.
        DIGITAL_SIGNATURE = 14 => "Digital Signature",
    }
}

open_enum! {
    /// Cert Encoding of CERT and CERTREQ payloads (RFC 7296 §3.6).
    pub struct CertEncoding(u8) {
        PKCS7_X509 = 1 => "PKCS #7 wrapped X.509 certificate",
        PGP = 2 => "PGP Certificate",
        DNS_SIGNED_KEY = 3 => "DNS Signed Key",
        X509_SIGNATURE = 4 => "X.509 Certificate - Signature",
        KERBEROS_TOKEN = 6 => "Kerberos Token",
        CRL = 7 => "Certificate Revocation List (CRL)",
        ARL = 8 => "Authority Revocation List (ARL)",
        SPKI = 9 => "SPKI Certificate",
        X509_ATTRIBUTE = 10 => "X.509 Certificate - Attribute",
        RAW_RSA_KEY = 11 => "Raw RSA Key",
        HASH_URL_X509_CERT = 12 => "Hash and URL of X.509 certificate",
        HASH_URL_X509_BUNDLE = 13 => "Hash and URL of X.509 bundle",
        /// RFC 4806.
        OCSP_CONTENT = 14 => "OCSP Content",
        /// RFC 7670.
        RAW_PUBLIC_KEY = 15 => "Raw Public Key",
    }
}

open_enum! {
    /// Hash algorithms announced in SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4, RFC 8420,
    /// RFC 9385; IANA "IKEv2 Hash Algorithms").
    pub struct HashAlgorithm(u16) {
        SHA1 = 1 => "SHA1",
        SHA2_256 = 2 => "SHA2_256",
        SHA2_384 = 3 => "SHA2_384",
        SHA2_512 = 4 => "SHA2_512",
        /// RFC 8420 (Ed25519 / Ed448 sign the data itself).
        IDENTITY = 5 => "Identity",
        /// RFC 9385.
        STREEBOG_256 = 6 => "STREEBOG_256",
        STREEBOG_512 = 7 => "STREEBOG_512",
    }
}
