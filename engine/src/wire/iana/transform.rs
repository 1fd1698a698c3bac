//! Security protocol identifiers and transform registries (RFC 7296 §3.3.2, §3.3.3,
//! §3.3.5; IANA "IKEv2 Parameters", Transform Type Values and the per-type registries).

use crate::wire::open_enum::open_enum;

open_enum! {
    /// Protocol ID of a proposal (RFC 7296 §3.3.1): which protocol the SA is for.
    pub struct ProtocolId(u8) {
        IKE = 1 => "IKE",
        AH = 2 => "AH",
        ESP = 3 => "ESP",
        FC_ESP_HEADER = 4 => "FC_ESP_HEADER",
        FC_CT_AUTHENTICATION = 5 => "FC_CT_AUTHENTICATION",
    }
}

open_enum! {
    /// Transform Type (RFC 7296 §3.3.2): which kind of algorithm a transform names.
    pub struct TransformType(u8) {
        ENCR = 1 => "ENCR",
        PRF = 2 => "PRF",
        INTEG = 3 => "INTEG",
        /// Called "Key Exchange Method (KE)" since RFC 9370.
        DH = 4 => "D-H",
        ESN = 5 => "ESN",
        /// RFC 9370: additional key exchanges; their IDs use the D-H registry.
        ADDKE1 = 6 => "ADDKE1",
        ADDKE2 = 7 => "ADDKE2",
        ADDKE3 = 8 => "ADDKE3",
        ADDKE4 = 9 => "ADDKE4",
        ADDKE5 = 10 => "ADDKE5",
        ADDKE6 = 11 => "ADDKE6",
        ADDKE7 = 12 => "ADDKE7",
    }
}

open_enum! {
    /// Transform Type 1, encryption algorithm IDs (RFC 7296 §3.3.2 and later RFCs).
    pub struct EncrId(u16) {
        DES_IV64 = 1 => "ENCR_DES_IV64",
        DES = 2 => "ENCR_DES",
        TRIPLE_DES = 3 => "ENCR_3DES",
        RC5 = 4 => "ENCR_RC5",
        IDEA = 5 => "ENCR_IDEA",
        CAST = 6 => "ENCR_CAST",
        BLOWFISH = 7 => "ENCR_BLOWFISH",
        TRIPLE_IDEA = 8 => "ENCR_3IDEA",
        DES_IV32 = 9 => "ENCR_DES_IV32",
        NULL = 11 => "ENCR_NULL",
        /// RFC 3602.
        AES_CBC = 12 => "ENCR_AES_CBC",
        /// RFC 3686.
        AES_CTR = 13 => "ENCR_AES_CTR",
        /// RFC 4309 / RFC 5282.
        AES_CCM_8 = 14 => "ENCR_AES_CCM_8",
        AES_CCM_12 = 15 => "ENCR_AES_CCM_12",
        AES_CCM_16 = 16 => "ENCR_AES_CCM_16",
        /// RFC 4106 / RFC 5282.
        AES_GCM_8 = 18 => "ENCR_AES_GCM_8",
        AES_GCM_12 = 19 => "ENCR_AES_GCM_12",
        AES_GCM_16 = 20 => "ENCR_AES_GCM_16",
        /// RFC 4543.
        NULL_AUTH_AES_GMAC = 21 => "ENCR_NULL_AUTH_AES_GMAC",
        /// RFC 5529.
        CAMELLIA_CBC = 23 => "ENCR_CAMELLIA_CBC",
        CAMELLIA_CTR = 24 => "ENCR_CAMELLIA_CTR",
        CAMELLIA_CCM_8 = 25 => "ENCR_CAMELLIA_CCM_8",
        CAMELLIA_CCM_12 = 26 => "ENCR_CAMELLIA_CCM_12",
        CAMELLIA_CCM_16 = 27 => "ENCR_CAMELLIA_CCM_16",
        /// RFC 7634.
        CHACHA20_POLY1305 = 28 => "ENCR_CHACHA20_POLY1305",
    }
}

open_enum! {
    /// Transform Type 2, pseudorandom function IDs (RFC 7296 §3.3.2, RFC 4868).
    pub struct PrfId(u16) {
        HMAC_MD5 = 1 => "PRF_HMAC_MD5",
        HMAC_SHA1 = 2 => "PRF_HMAC_SHA1",
        HMAC_TIGER = 3 => "PRF_HMAC_TIGER",
        AES128_XCBC = 4 => "PRF_AES128_XCBC",
        HMAC_SHA2_256 = 5 => "PRF_HMAC_SHA2_256",
        HMAC_SHA2_384 = 6 => "PRF_HMAC_SHA2_384",
        HMAC_SHA2_512 = 7 => "PRF_HMAC_SHA2_512",
        AES128_CMAC = 8 => "PRF_AES128_CMAC",
    }
}

open_enum! {
    /// Transform Type 3, integrity algorithm IDs (RFC 7296 §3.3.2, RFC 4868).
    pub struct IntegId(u16) {
        NONE = 0 => "NONE",
        HMAC_MD5_96 = 1 => "AUTH_HMAC_MD5_96",
        HMAC_SHA1_96 = 2 => "AUTH_HMAC_SHA1_96",
        DES_MAC = 3 => "AUTH_DES_MAC",
        KPDK_MD5 = 4 => "AUTH_KPDK_MD5",
        AES_XCBC_96 = 5 => "AUTH_AES_XCBC_96",
        HMAC_MD5_128 = 6 => "AUTH_HMAC_MD5_128",
        HMAC_SHA1_160 = 7 => "AUTH_HMAC_SHA1_160",
        AES_CMAC_96 = 8 => "AUTH_AES_CMAC_96",
        AES_128_GMAC = 9 => "AUTH_AES_128_GMAC",
        AES_192_GMAC = 10 => "AUTH_AES_192_GMAC",
        AES_256_GMAC = 11 => "AUTH_AES_256_GMAC",
        HMAC_SHA2_256_128 = 12 => "AUTH_HMAC_SHA2_256_128",
        HMAC_SHA2_384_192 = 13 => "AUTH_HMAC_SHA2_384_192",
        HMAC_SHA2_512_256 = 14 => "AUTH_HMAC_SHA2_512_256",
    }
}

open_enum! {
    /// Transform Type 4, Diffie-Hellman group (key exchange method) IDs
    /// (RFC 7296 §3.3.2, RFC 3526, RFC 5903, RFC 8031, RFC 9370).
    pub struct DhId(u16) {
        NONE = 0 => "NONE",
        MODP_768 = 1 => "MODP_768",
        MODP_1024 = 2 => "MODP_1024",
        MODP_1536 = 5 => "MODP_1536",
        MODP_2048 = 14 => "MODP_2048",
        MODP_3072 = 15 => "MODP_3072",
        MODP_4096 = 16 => "MODP_4096",
        MODP_6144 = 17 => "MODP_6144",
        MODP_8192 = 18 => "MODP_8192",
        ECP_256 = 19 => "ECP_256",
        ECP_384 = 20 => "ECP_384",
        ECP_521 = 21 => "ECP_521",
        MODP_1024_160 = 22 => "MODP_1024_160",
        MODP_2048_224 = 23 => "MODP_2048_224",
        MODP_2048_256 = 24 => "MODP_2048_256",
        ECP_192 = 25 => "ECP_192",
        ECP_224 = 26 => "ECP_224",
        BRAINPOOL_P224R1 = 27 => "BRAINPOOLP224R1",
        BRAINPOOL_P256R1 = 28 => "BRAINPOOLP256R1",
        BRAINPOOL_P384R1 = 29 => "BRAINPOOLP384R1",
        BRAINPOOL_P512R1 = 30 => "BRAINPOOLP512R1",
        CURVE25519 = 31 => "CURVE_25519",
        CURVE448 = 32 => "CURVE_448",
        GOST3410_2012_256 = 33 => "GOST3410_2012_256",
        GOST3410_2012_512 = 34 => "GOST3410_2012_512",
        ML_KEM_512 = 35 => "ML_KEM_512",
        ML_KEM_768 = 36 => "ML_KEM_768",
        ML_KEM_1024 = 37 => "ML_KEM_1024",
    }
}

open_enum! {
    /// Transform Type 5, extended sequence numbers (RFC 7296 §3.3.2).
    pub struct EsnId(u16) {
        NO_ESN = 0 => "NO_ESN",
        ESN = 1 => "ESN",
    }
}

open_enum! {
    /// Transform attribute types (RFC 7296 §3.3.5).
    pub struct TransformAttrType(u16) {
        /// The only attribute IKEv2 defines; always sent in TV format (AF = 1).
        KEY_LENGTH = 14 => "Key Length",
    }
}
