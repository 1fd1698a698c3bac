//! Identities of every type, with the ID Type and Identification Data RFC 7296 §3.5
//! prescribes, and identity matching.

use super::{parse, parse_error};
use crate::config::Identity;
use crate::config::dn::{dn_matches, encode_dn};
use crate::wire::IdPayload;
use crate::wire::iana::IdType;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn id(text: &str) -> Identity {
    Identity::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

fn wire(text: &str) -> (IdType, Vec<u8>) {
    let identity = id(text);
    (
        identity.id_type().expect("not %any"),
        identity.data().unwrap().to_vec(),
    )
}

/// RFC 7296 §3.5: ID_IPV4_ADDR (1) "A single four (4) octet IPv4 address";
/// ID_IPV6_ADDR (5) "A single sixteen (16) octet IPv6 address".
#[test]
fn addresses_are_binary() {
    assert_eq!(wire("192.0.2.1"), (IdType(1), vec![192, 0, 2, 1]));
    assert_eq!(
        wire("2001:db8::1"),
        (IdType(5), unhex("20010db8000000000000000000000001"))
    );
    // A typed prefix with hex gives the same octets.
    assert_eq!(wire("ipv4:#c0000201"), (IdType(1), vec![192, 0, 2, 1]));
}

/// RFC 7296 §3.5: ID_FQDN (2) "A fully-qualified domain name string ... does not
/// contain any terminators"; ID_RFC822_ADDR (3) "A fully-qualified RFC 822 email
/// address string".
#[test]
fn names_are_their_text() {
    assert_eq!(wire("gw.example"), (IdType(2), b"gw.example".to_vec()));
    assert_eq!(wire("@gw.example"), (IdType(2), b"gw.example".to_vec()));
    // "@" forces an FQDN even for what looks like an address.
    assert_eq!(wire("@192.0.2.1"), (IdType(2), b"192.0.2.1".to_vec()));
    assert_eq!(wire("fqdn:gw.example"), (IdType(2), b"gw.example".to_vec()));
    assert_eq!(wire("DNS:gw.example"), (IdType(2), b"gw.example".to_vec()));
    assert_eq!(
        wire("user@example.org"),
        (IdType(3), b"user@example.org".to_vec())
    );
    assert_eq!(
        wire("@@user@example.org"),
        (IdType(3), b"user@example.org".to_vec())
    );
    assert_eq!(
        wire("email:user@example.org"),
        (IdType(3), b"user@example.org".to_vec())
    );
    assert_eq!(
        wire("rfc822:user@example.org"),
        (IdType(3), b"user@example.org".to_vec())
    );
}

/// RFC 7296 §3.5: ID_KEY_ID (11) "An opaque octet stream".
#[test]
fn key_ids_are_hex_decoded() {
    assert_eq!(wire("@#0123ab"), (IdType(11), vec![0x01, 0x23, 0xab]));
    assert_eq!(wire("keyid:#0123AB"), (IdType(11), vec![0x01, 0x23, 0xab]));
    assert_eq!(wire("keyid:opaque"), (IdType(11), b"opaque".to_vec()));
    assert_eq!(wire("{11}:#ff00"), (IdType(11), vec![0xff, 0x00]));
    assert_eq!(wire("{2}:gw.example"), (IdType(2), b"gw.example".to_vec()));
}

/// RFC 7296 §3.5: ID_DER_ASN1_DN (9) "The binary Distinguished Encoding Rules (DER)
/// encoding of an ASN.1 X.500 Distinguished Name". The expected octets are what
/// strongSwan 5.9.8 itself encodes for the same text: the subject field of
/// `pki --self --in key.pem --dn "<text>" --outform der` (Debian 12
/// strongswan-pki 5.9.8-5+deb12u6), extracted with `openssl asn1parse`.
#[test]
fn distinguished_names_match_strongswan_5_9_8_der() {
    let cases = [
        (
            "C=CH, O=strongSwan, CN=gw",
            "302f310b300906035504061302434831133011060355040a130a7374726f6e675377616e310b3009060355040313026777",
        ),
        (
            "C=CH,O=strongSwan,CN=gw",
            "302f310b300906035504061302434831133011060355040a130a7374726f6e675377616e310b3009060355040313026777",
        ),
        (
            "C=CH, ST=Zurich, L=Rapperswil, O=strongSwan Project, OU=Lab, CN=gw.example, E=admin@example.org",
            "308195310b3009060355040613024348310f300d060355040813065a7572696368311330110603550407130a5261707065727377\
             696c311b3019060355040a13127374726f6e675377616e2050726f6a656374310c300a060355040b13034c616231133011060355\
             0403130a67772e6578616d706c653120301e06092a864886f70d010901161161646d696e406578616d706c652e6f7267",
        ),
        (
            "DC=org, DC=example, CN=Zoë",
            "303d31133011060a0992268993f22c64011913036f726731173015060a0992268993f22c64011913076578616d706c65310d300b\
             06035504030c045a6fc3ab",
        ),
        (
            "UID=alice, serialNumber=1234, CN=x",
            "303231153013060a0992268993f22c6401011305616c696365310d300b0603550405130431323334310a30080603550403130178",
        ),
    ];
    for (text, der) in cases {
        assert_eq!(wire(text), (IdType(9), unhex(der)), "{text}");
    }
    // The OpenSSL-style form with slashes is the same name.
    assert_eq!(
        wire("/C=CH/O=strongSwan/CN=gw"),
        wire("C=CH, O=strongSwan, CN=gw")
    );
}

#[test]
fn long_dn_uses_long_form_lengths() {
    let long = "x".repeat(200);
    let der = encode_dn(&format!("CN={long}")).unwrap();
    // X.690 §8.1.3.5: lengths of 128 and more take the long form 0x81 <length>.
    // Name SEQUENCE (214), RDN SET (211), AttributeTypeAndValue SEQUENCE (208),
    // OID 2.5.4.3, PrintableString (200).
    assert_eq!(&der[..3], &[0x30, 0x81, 214]);
    assert_eq!(&der[3..6], &[0x31, 0x81, 211]);
    assert_eq!(&der[6..9], &[0x30, 0x81, 208]);
    assert_eq!(&der[9..14], &[0x06, 0x03, 0x55, 0x04, 0x03]);
    assert_eq!(&der[14..17], &[0x13, 0x81, 200]);
    assert_eq!(der.len(), 17 + 200);
}

#[test]
fn any_identities() {
    for text in ["%any", "%any6", "*", "0.0.0.0", "::", "0::0", ""] {
        let identity = id(text);
        assert!(identity.is_any(), "{text:?}");
        assert_eq!(identity.payload(), None);
        assert!(identity.matches(&IdPayload::fqdn("anyone.example")));
    }
}

#[test]
fn bad_identities_are_explained() {
    let cases = [
        ("ipv4:10.0.0.1", "is 4 octets, but this gives 8"),
        ("ipv6:2001:db8::1", "is 16 octets"),
        ("@#0123a", "odd number of digits"),
        ("@#zz", "is not hexadecimal"),
        ("keyid:#", "is empty"),
        ("{300}:x", "from 0 to 255"),
        ("C=CH, X=unknown", "unknown attribute \"X\""),
        ("C=CH,, CN=gw", "empty part"),
        ("CN=", "has no value"),
        ("E=zoë@example.org", "must be ASCII"),
        ("gw.example:500", "not an IPv6 address"),
        ("fqdn:", "nothing follows the type prefix"),
        ("@", "no name after the '@'"),
        ("@@", "no name after the '@'"),
    ];
    for (text, reason) in cases {
        let message = Identity::parse(text).expect_err(text).to_string();
        assert!(message.contains(reason), "{text:?}: {message}");
        assert!(
            message.contains(&format!("{text:?}")),
            "the message quotes the identity: {message}"
        );
    }
}

#[test]
fn identities_in_toml() {
    let c =
        parse("[local]\nid = \"C=CH, O=strongSwan, CN=cl\"\n[remote]\nid = \"*.example.org\"\n");
    assert_eq!(
        c.local.id.as_ref().and_then(|i| i.id_type()),
        Some(IdType::DER_ASN1_DN)
    );
    assert_eq!(c.remote.id.as_str(), "*.example.org");
    let message = parse_error("[remote]\nid = \"ipv4:10.0.0.1\"\n");
    assert!(message.contains("ipv4:#0a000001"), "{message}");
}

#[test]
fn matching_follows_charon() {
    // FQDN / RFC 822: case-insensitive, leading-* wildcard.
    assert!(id("gw.example").matches(&IdPayload::fqdn("GW.Example")));
    assert!(!id("gw.example").matches(&IdPayload::fqdn("gw2.example")));
    assert!(id("*.example.org").matches(&IdPayload::fqdn("gw.example.org")));
    assert!(!id("*.example.org").matches(&IdPayload::fqdn("example.com")));
    assert!(
        !id("*.example.org").matches(&IdPayload::rfc822("a@gw.example.org")),
        "types must agree"
    );
    assert!(id("*@example.org").matches(&IdPayload::rfc822("alice@example.org")));
    // Binary types compare octets.
    assert!(id("192.0.2.1").matches(&IdPayload::ipv4("192.0.2.1".parse().unwrap())));
    assert!(!id("192.0.2.1").matches(&IdPayload::ipv4("192.0.2.2".parse().unwrap())));
    assert!(!id("192.0.2.1").matches(&IdPayload::fqdn("192.0.2.1")));
    assert!(id("@#0123").matches(&IdPayload::key_id(&[0x01, 0x23])));
}

#[test]
fn dn_matching_is_rdn_wise_with_wildcards() {
    let received = encode_dn("C=CH, O=strongSwan, CN=gw").unwrap();
    let payload = IdPayload {
        id_type: IdType::DER_ASN1_DN,
        data: received.clone(),
    };
    assert!(id("C=CH, O=strongSwan, CN=gw").matches(&payload));
    assert!(
        id("c=ch, o=STRONGSWAN, cn=GW").matches(&payload),
        "PrintableString compares without case"
    );
    assert!(id("C=CH, O=strongSwan, CN=*").matches(&payload));
    assert!(!id("C=CH, O=strongSwan, CN=other").matches(&payload));
    assert!(
        !id("C=CH, CN=gw").matches(&payload),
        "attribute count differs"
    );
    assert!(
        !id("O=strongSwan, C=CH, CN=gw").matches(&payload),
        "order matters"
    );
    // A UTF8String value compares octet for octet.
    assert!(!id("CN=Zoë").matches(&IdPayload {
        id_type: IdType::DER_ASN1_DN,
        data: encode_dn("CN=ZOË").unwrap()
    }));
    // Malformed DER from a peer never matches and never panics.
    for cut in 0..received.len() {
        assert!(!dn_matches(&encode_dn("CN=*").unwrap(), &received[..cut]));
    }
    assert!(!dn_matches(
        &received,
        &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]
    ));
}

#[test]
fn wildcards_and_any_cannot_be_sent() {
    assert!(id("*.example.org").has_wildcard());
    assert!(id("CN=*").has_wildcard());
    assert!(id("%any").has_wildcard());
    assert!(!id("gw.example").has_wildcard());
    assert!(!id("C=CH, CN=gw").has_wildcard());
}

#[test]
fn from_ip_is_what_strongswan_sends_without_local_id() {
    let identity = Identity::from_ip("192.0.2.2".parse().unwrap());
    assert_eq!(
        identity.payload(),
        Some(&IdPayload::ipv4("192.0.2.2".parse().unwrap()))
    );
    assert_eq!(identity, id("192.0.2.2"));
}

#[test]
fn debug_shows_type_and_octets() {
    assert_eq!(
        format!("{:?}", id("@#0123")),
        "Identity(\"@#0123\": ID_KEY_ID 0123)"
    );
    assert_eq!(format!("{:?}", id("%any")), "Identity(\"%any\": any)");
}
