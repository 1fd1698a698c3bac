//! Fixed IKE messages, as hex, field by field.
//!
//! Two sources:
//! - Real captures, quoted with their source. Octets are unchanged; only the Ethernet,
//!   IPv4 and UDP headers (and the 4-octet non-ESP marker) in front were cut off.
//! - Messages built by hand from the RFC 7296 diagrams, one line per field, so that
//!   every payload type appears in at least one fixed vector.
//!
//! `all()` lists every fixed message; the coverage test dissects each of them.

/// Joins hex fragments (whitespace ignored) into bytes.
pub(super) fn hex(parts: &[&str]) -> Vec<u8> {
    crate::wire::hex::decode(&parts.concat()).unwrap_or_else(|| panic!("bad hex in test vector"))
}

// ---------------------------------------------------------------------------------
// Captured: Wireshark's test capture `test/captures/ikev2-decrypt-aes128ccm12.pcap`,
// as quoted in scapy's `test/contrib/ikev2.uts` ("Dissect Initiator Request",
// "Dissect Responder Response", "Dissect Encrypted Inititor Request", "Dissect
// Encrypted Responder Response"). UDP 500 → 500, 192.168.1.2 ↔ 192.168.1.14.
// ---------------------------------------------------------------------------------

/// IKE_SA_INIT request: SA KE Ni N(NAT_DETECTION_SOURCE_IP)
/// N(NAT_DETECTION_DESTINATION_IP) N(SIGNATURE_HASH_ALGORITHMS).
pub(super) const CAPTURE_INIT_REQUEST: &[&str] = &[
    "ea684d21597afd36 0000000000000000", // SPIi, SPIr (zero: not chosen yet)
    "21 20 22 08 00000000 000000f8", // Next SA, version 2.0, IKE_SA_INIT, flags I, ID 0, length 248
    "22 00 0028",                    // SA: next KE, length 40
    "00 00 0024 01 01 00 03", //   proposal: last, length 36, #1, IKE, SPI size 0, 3 transforms
    "03 00 000c 01 00 000f 800e0080", //     ENCR_AES_CCM_12 (15), Key Length 128
    "03 00 0008 02 00 0005",  //     PRF_HMAC_SHA2_256
    "00 00 0008 04 00 0013",  //     D-H ECP_256 (19)
    "28 00 0048 0013 0000",   // KE: next Nonce, length 72, group 19, RESERVED
    "32c6dffe5c43b0d5811f7eaaa84c9f78bf99b9069c2b072e0b82f46bf6f66dd4",
    "5f97ef89ee285fd5df527a44776b529fc9d8a909d842a6fb59b96a0953956172",
    "29 00 0024", // Nonce: next N, length 36
    "b655462d6f4b66f872ccd7f0f4b4857732921339cbaa5237edba244f262b6823",
    "29 00 001c 00 00 4004", // N: NAT_DETECTION_SOURCE_IP
    "949c9db5739d75a974a49c184618369b34b7f942",
    "29 00 001c 00 00 4005", // N: NAT_DETECTION_DESTINATION_IP
    "3e721b46be07d53111425d7f80d2c6e220c6072e",
    "00 00 0010 00 00 402f", // N: SIGNATURE_HASH_ALGORITHMS (16431), last payload
    "0001 0002 0003 0004",   //   SHA1, SHA2_256, SHA2_384, SHA2_512
];

/// IKE_SA_INIT response: SA KE Nr N(NATD_S) N(NATD_D) N(MULTIPLE_AUTH_SUPPORTED).
pub(super) const CAPTURE_INIT_RESPONSE: &[&str] = &[
    "ea684d21597afd36 d9fe2ab22dac23ac", // SPIi, SPIr
    "21 20 22 20 00000000 000000f0",     // Next SA, 2.0, IKE_SA_INIT, flags R, ID 0, length 240
    "22 00 0028",
    "00 00 0024 01 01 00 03",
    "03 00 000c 01 00 000f 800e0080",
    "03 00 0008 02 00 0005",
    "00 00 0008 04 00 0013",
    "28 00 0048 0013 0000",
    "2c66beadb6ce8535d6218cb401aa5a1eb4035b97caddaf36374a979c0446b880",
    "0506bf9d6f950952326bf3011913da93bb8e40f815376be1a06801c0a63e3b54",
    "29 00 0024",
    "9e5d267379e681e7d38d81c710d383401de7e3607b926d90a9958adcb52831aa",
    "29 00 001c 00 00 4004",
    "7a0785273d59203829a697550f31cbb94eb72b43",
    "29 00 001c 00 00 4005",
    "c3e58a8cc9933ce0b78f2a50e8de80134e12ce31",
    "00 00 0008 00 00 4014", // N: MULTIPLE_AUTH_SUPPORTED (16404), no data
];

/// INFORMATIONAL request protected by SK (AES-CCM-12): the plaintext starts with a
/// Delete payload (the SK header's Next Payload is 42).
pub(super) const CAPTURE_INFO_REQUEST: &[&str] = &[
    "ea684d21597afd36 d9fe2ab22dac23ac",
    "2e 20 25 08 00000002 0000003d", // Next SK, 2.0, INFORMATIONAL, flags I, ID 2, length 61
    "2a 00 0021",                    // SK: first inner payload D (42), length 33
    "cca0b35de5abc51c9987cbf1f5ecff210eb767cdb85179383b964d78e2",
];

/// INFORMATIONAL response protected by SK: empty plaintext chain (Next Payload 0).
pub(super) const CAPTURE_INFO_RESPONSE: &[&str] = &[
    "ea684d21597afd36 d9fe2ab22dac23ac",
    "2e 20 25 20 00000002 00000035", // Next SK, INFORMATIONAL, flags R, ID 2, length 53
    "00 00 0019",                    // SK: no inner payload, length 25
    "a80c957bac15c3f8afdf315a81cc4b7c40e8660d44",
];

// ---------------------------------------------------------------------------------
// Captured: `rusticata/ipsec-parser`, tests/ikev2.rs, `IKEV2_MSG` (an IKE_SA_INIT
// request sent to UDP 4500; the 4-octet non-ESP marker that preceded it is cut off).
// ---------------------------------------------------------------------------------

/// IKE_SA_INIT request with four proposals: SA KE Ni.
pub(super) const IPSEC_PARSER_INIT_REQUEST: &[&str] = &[
    "bca1937a7c2ff5b9 0000000000000000",
    "21 20 22 08 00000000 0000012c",  // length 300
    "22 00 00a4",                     // SA: next KE, length 164
    "02 00 0024 01 01 00 03",         //   proposal #1 (more follow), IKE, 3 transforms
    "03 00 000c 01 00 0014 800e0080", //    ENCR_AES_GCM_16, 128 bits
    "03 00 0008 02 00 0005",          //     PRF_HMAC_SHA2_256
    "00 00 0008 04 00 001c",          //     BRAINPOOLP256R1 (28)
    "02 00 0024 02 01 00 03",         //   proposal #2
    "03 00 000c 01 00 0014 800e0080",
    "03 00 0008 02 00 0005",
    "00 00 0008 04 00 0013",          //     ECP_256
    "02 00 002c 03 01 00 04",         //   proposal #3, 4 transforms
    "03 00 000c 01 00 000d 800e0080", //    ENCR_AES_CTR, 128 bits
    "03 00 0008 03 00 000c",          //     AUTH_HMAC_SHA2_256_128
    "03 00 0008 02 00 0005",
    "00 00 0008 04 00 001c",
    "00 00 002c 04 01 00 04", //   proposal #4 (last)
    "03 00 000c 01 00 000d 800e0080",
    "03 00 0008 03 00 000c",
    "03 00 0008 02 00 0005",
    "00 00 0008 04 00 0013",
    "28 00 0048 001c 0000", // KE: next Nonce, length 72, group 28
    "4d23b8f22c03ae3ab40af9fa76c23c7ba6c56981e13c32fbc36954c87a96cbfa",
    "34637c6f31b650ce5d8717005ce793c2eeaff1c566280811d942d1b8e80268bb",
    "00 00 0024", // Nonce: last payload, length 36
    "99e2a373cc44ad10fb78dda25206a4a9b7558e0d8269799c6800362c46a0bf7b",
];

// ---------------------------------------------------------------------------------
// Built by hand from RFC 7296 §3 (and RFC 7383, RFC 7427, RFC 5685, RFC 4555).
// Documentation addresses (RFC 5737, RFC 3849) and made-up keys and nonces.
// ---------------------------------------------------------------------------------

/// IKE_AUTH request payloads sent unencrypted (as in the SK plaintext):
/// IDi CERT CERTREQ AUTH N(INITIAL_CONTACT) IDr CP(CFG_REQUEST) SA TSi TSr.
pub(super) const AUTH_PLAIN: &[&str] = &[
    "0102030405060708 1112131415161718",
    "23 20 23 08 00000001 0000011c", // Next IDi, 2.0, IKE_AUTH, flags I, ID 1, length 284
    "25 00 0012",                    // IDi: next CERT, length 18
    "02 000000",                     //   ID_FQDN, RESERVED
    "636c2e6578616d706c65",          //   "cl.example"
    "26 00 000d",                    // CERT: next CERTREQ, length 13
    "04",                            //   X.509 Certificate - Signature
    "3006020101020102",              //   certificate data (8 octets of DER)
    "27 00 0019",                    // CERTREQ: next AUTH, length 25
    "04",                            //   X.509 Certificate - Signature
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3", // one SHA-1 CA key hash
    "29 00 0028",                    // AUTH: next N, length 40
    "02 000000",                     //   Shared Key Message Integrity Code, RESERVED
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
    "24 00 0008 00 00 4000",                  // N: INITIAL_CONTACT; next IDr
    "2f 00 000c",                             // IDr: next CP, length 12
    "01 000000 c0000201",                     //   ID_IPV4_ADDR 192.0.2.1
    "21 00 0010",                             // CP: next SA, length 16
    "01 000000",                              //   CFG_REQUEST, RESERVED
    "0001 0000",                              //   INTERNAL_IP4_ADDRESS, empty (asks for one)
    "0003 0000",                              //   INTERNAL_IP4_DNS, empty
    "2c 00 0024",                             // SA: next TSi, length 36
    "00 00 0020 01 03 04 02", //   proposal: last, length 32, #1, ESP, SPI size 4, 2 transforms
    "c0ffee01",               //   SPI
    "03 00 000c 01 00 0014 800e0100", //    ENCR_AES_GCM_16, Key Length 256
    "00 00 0008 05 00 0000",  //     ESN: NO_ESN
    "2d 00 0018",             // TSi: next TSr, length 24
    "01 000000",              //   1 selector, RESERVED
    "07 00 0010 0000 ffff 00000000 ffffffff", // IPv4 0.0.0.0/0, any protocol, any port
    "00 00 0040",             // TSr: last payload, length 64
    "02 000000",              //   2 selectors
    "07 00 0010 0000 ffff 0a010000 0a0100ff", // IPv4 10.1.0.0/24
    "08 06 0028 0050 0050",   //   IPv6, TCP, port 80
    "20010db8000000000000000000000000", //   2001:db8::
    "20010db800000000ffffffffffffffff", //   2001:db8::ffff:ffff:ffff:ffff (so 2001:db8::/64)
];

/// INFORMATIONAL request: D(ESP, 2 SPIs) D(IKE) V N(REKEY_SA) N(USE_TRANSPORT_MODE).
pub(super) const INFORMATIONAL_PLAIN: &[&str] = &[
    "0102030405060708 1112131415161718",
    "2a 20 25 00 00000002 00000057", // Next D, INFORMATIONAL, flags 0 (responder's request), ID 2, length 87
    "2a 00 0010",                    // D: next D, length 16
    "03 04 0002",                    //   ESP, SPI size 4, 2 SPIs
    "c0ffee01 c0ffee02",
    "2b 00 0008 01 00 0000",  // D: next V; IKE, SPI size 0, no SPI
    "29 00 000f",             // V: next N, length 15
    "696b656c61622074657374", //   "ikelab test"
    "29 00 000c 03 04 4009",  // N: next N, length 12, ESP, SPI size 4, REKEY_SA
    "c0ffee03",               //   SPI of the Child SA being rekeyed
    "00 00 0008 00 00 4007",  // N: USE_TRANSPORT_MODE, last payload
];

/// IKE_AUTH response with EAP: IDr(IPv6) AUTH(Digital Signature) EAP(Request
/// Identity) EAP(Success).
pub(super) const EAP_AND_SIGNATURE: &[&str] = &[
    "0102030405060708 1112131415161718",
    "24 20 23 20 00000001 0000006d", // Next IDr, IKE_AUTH, flags R, ID 1, length 109
    "27 00 0018",                    // IDr: next AUTH, length 24
    "05 000000",                     //   ID_IPV6_ADDR
    "20010db8000000000000000000000001", // 2001:db8::1
    "30 00 0028",                    // AUTH: next EAP, length 40
    "0e 000000",                     //   Digital Signature (RFC 7427), RESERVED
    "0f",                            //   ASN.1 Length 15
    "300d06092a864886f70d01010b0500", // AlgorithmIdentifier sha256WithRSAEncryption (RFC 7427 A.1)
    "505152535455565758595a5b5c5d5e5f", // signature value (16 octets, made up)
    "30 00 0009",                    // EAP: next EAP, length 9
    "01 01 0005 01",                 //   Request, Identifier 1, Length 5, Type Identity
    "00 00 0008",                    // EAP: last payload, length 8
    "03 01 0004",                    //   Success, Identifier 1, Length 4
];

/// IKE_AUTH request, first of two SKF fragments (RFC 7383 §2.5).
pub(super) const FRAGMENT: &[&str] = &[
    "0102030405060708 1112131415161718",
    "35 20 23 08 00000001 0000003c", // Next SKF (53), IKE_AUTH, flags I, ID 1, length 60
    "23 00 0020",                    // SKF: first inner payload IDi, length 32
    "0001 0002",                     //   Fragment Number 1, Total Fragments 2
    "0001020304050607",              //   IV (8 octets)
    "a0a1a201", //   ciphertext (the test decryptor's plaintext: 2 octets, 1 of padding, Pad Length 1)
    "0c0d0e0f1011121314151617", //   ICV (12 octets)
];

/// INFORMATIONAL response with a payload type nobody defines (200, not critical), a
/// private-use status notify and UNSUPPORTED_CRITICAL_PAYLOAD naming type 200.
pub(super) const UNKNOWN_PAYLOADS: &[&str] = &[
    "0102030405060708 1112131415161718",
    "c8 20 25 28 00000005 00000038", // Next 200, INFORMATIONAL, flags I+R, ID 5, length 56
    "29 00 0008 deadbeef",           // unknown payload 200: next N, C clear, 4 octets
    "29 00 000b 00 00 a001 010203",  // N: private-use status type 40961, 3 octets of data
    "00 00 0009 00 00 0001 c8",      // N: UNSUPPORTED_CRITICAL_PAYLOAD, type 200
];

/// IKE_SA_INIT response carrying notify types whose data has a layout:
/// INVALID_KE_PAYLOAD REDIRECT IPCOMP_SUPPORTED ADDITIONAL_IP4_ADDRESS SET_WINDOW_SIZE
/// AUTH_LIFETIME COOKIE ADDITIONAL_IP6_ADDRESS.
pub(super) const NOTIFY_DATA: &[&str] = &[
    "0102030405060708 0000000000000000",
    "29 20 22 20 00000000 000000a1", // Next N, IKE_SA_INIT, flags R, ID 0, length 161
    "29 00 000a 00 00 0011 0013",    // INVALID_KE_PAYLOAD: wants ECP_256 (19)
    "29 00 0024 00 00 4017",         // REDIRECT (RFC 5685), length 36
    "03 0a 67772e6578616d706c65",    //   FQDN, 10 octets, "gw.example"
    "000102030405060708090a0b0c0d0e0f", // Nonce Data (the initiator's Ni)
    "29 00 000b 00 00 4003 1234 02", // IPCOMP_SUPPORTED: CPI 0x1234, IPCOMP_DEFLATE
    "29 00 000c 00 00 400d c6336407", // ADDITIONAL_IP4_ADDRESS 198.51.100.7
    "29 00 000c 00 00 4001 00000004", // SET_WINDOW_SIZE 4
    "29 00 000c 00 00 4013 00000e10", // AUTH_LIFETIME 3600 s
    "29 00 0010 00 00 4006 0123456789abcdef", // COOKIE, 8 octets
    "00 00 0018 00 00 400e",         // ADDITIONAL_IP6_ADDRESS, last payload
    "20010db8000000000000000000000002",
];

/// INFORMATIONAL request whose SK payload a test decryptor opens: IV (8 octets), then
/// the "ciphertext" (here the plaintext itself: D(IKE), 3 octets of padding, Pad
/// Length 3), then a 12-octet ICV.
pub(super) const SK_FOR_TEST_DECRYPTOR: &[&str] = &[
    "0102030405060708 1112131415161718",
    "2e 20 25 08 00000003 00000040", // Next SK, INFORMATIONAL, flags I, ID 3, length 64
    "2a 00 0024",                    // SK: first inner payload D, length 36
    "a0a1a2a3a4a5a6a7",              //   IV
    "00 00 0008 01 00 0000",         //   D(IKE), last inner payload
    "000000 03",                     //   Padding, Pad Length 3
    "b0b1b2b3b4b5b6b7b8b9babb",      //   ICV
];

/// Every fixed message, by name.
pub(super) fn all() -> Vec<(&'static str, Vec<u8>)> {
    [
        ("capture: IKE_SA_INIT request", CAPTURE_INIT_REQUEST),
        ("capture: IKE_SA_INIT response", CAPTURE_INIT_RESPONSE),
        ("capture: INFORMATIONAL request (SK)", CAPTURE_INFO_REQUEST),
        (
            "capture: INFORMATIONAL response (SK)",
            CAPTURE_INFO_RESPONSE,
        ),
        (
            "capture: IKE_SA_INIT, four proposals",
            IPSEC_PARSER_INIT_REQUEST,
        ),
        ("hand: IKE_AUTH payloads in clear", AUTH_PLAIN),
        ("hand: INFORMATIONAL D V N", INFORMATIONAL_PLAIN),
        ("hand: EAP and digital signature", EAP_AND_SIGNATURE),
        ("hand: SKF fragment", FRAGMENT),
        ("hand: unknown payload", UNKNOWN_PAYLOADS),
        ("hand: notify data layouts", NOTIFY_DATA),
        ("hand: SK for the test decryptor", SK_FOR_TEST_DECRYPTOR),
    ]
    .into_iter()
    .map(|(name, parts)| (name, hex(parts)))
    .collect()
}
