//! Certificate and Certificate Request payloads (RFC 7296 §3.6, §3.7).
//!
//! ```text
//! | Cert Encoding |                                               |
//! +-+-+-+-+-+-+-+-+   Certificate Data / Certification Authority  ~
//! ```

use crate::wire::dissect::catalogue;
use serde::{Deserialize, Serialize};

use crate::wire::cursor::{Doc, Reader, WireResult};
use crate::wire::hex;
use crate::wire::iana::CertEncoding;
use crate::wire::writer::{EmitResult, Writer};

/// A CERT payload: one certificate (or CRL, or hash and URL) in the given encoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertPayload {
    pub encoding: CertEncoding,
    #[serde(with = "crate::wire::hex::serde_hex")]
    pub data: Vec<u8>,
}

/// A CERTREQ payload: the trust anchors the sender accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertReqPayload {
    pub encoding: CertEncoding,
    /// For X.509 encodings, a concatenation of 20-octet SHA-1 hashes of trusted CAs'
    /// public keys (SubjectPublicKeyInfo); see `authority_hashes`.
    #[serde(with = "crate::wire::hex::serde_hex")]
    pub authorities: Vec<u8>,
}

/// Octets in one CERTREQ authority hash (SHA-1, RFC 7296 §3.7).
const SHA1_LEN: usize = 20;

const ENCODING: Doc = catalogue::CERT_ENCODING;
const CERT_DATA: Doc = catalogue::CERT_CERT_DATA;
const REQ_ENCODING: Doc = catalogue::CERT_REQ_ENCODING;
const AUTHORITY: Doc = catalogue::CERT_AUTHORITY;
const AUTHORITIES: Doc = catalogue::CERT_AUTHORITIES;

impl CertPayload {
    pub(crate) fn read(r: &mut Reader<'_>) -> WireResult<Self> {
        let encoding = CertEncoding(r.u8(&ENCODING, |v| CertEncoding(v).to_string())?);
        let data = r.rest(&CERT_DATA, hex::preview).to_vec();
        Ok(Self { encoding, data })
    }

    pub(crate) fn write(&self, w: &mut Writer) -> EmitResult {
        w.u8(self.encoding.0);
        w.bytes(&self.data);
        Ok(())
    }
}

impl CertReqPayload {
    /// The 20-octet CA key hashes, when the encoding is X.509 and the length fits.
    pub fn authority_hashes(&self) -> Option<impl Iterator<Item = &[u8]>> {
        let x509 = matches!(
            self.encoding,
            CertEncoding::X509_SIGNATURE | CertEncoding::PKCS7_X509
        );
        (x509 && self.authorities.len().is_multiple_of(SHA1_LEN))
            .then(|| self.authorities.chunks_exact(SHA1_LEN))
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> WireResult<Self> {
        let encoding = CertEncoding(r.u8(&REQ_ENCODING, |v| CertEncoding(v).to_string())?);
        let start = r.pos();
        let split = matches!(
            encoding,
            CertEncoding::X509_SIGNATURE | CertEncoding::PKCS7_X509
        ) && r.remaining().is_multiple_of(SHA1_LEN);
        if split {
            while r.remaining() > 0 {
                r.bytes(SHA1_LEN, &AUTHORITY, hex::encode)?;
            }
        } else {
            r.rest(&AUTHORITIES, hex::preview);
        }
        let authorities = r.slice(start..r.pos()).to_vec();
        Ok(Self {
            encoding,
            authorities,
        })
    }

    pub(crate) fn write(&self, w: &mut Writer) -> EmitResult {
        w.u8(self.encoding.0);
        w.bytes(&self.authorities);
        Ok(())
    }
}
