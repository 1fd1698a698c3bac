//! The pre-shared key: decoding, redaction, and the file the caller resolves.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
use zeroize::ZeroizeOnDrop;

use super::{DESIGN_EXAMPLE, parse, problems, to_toml};
use crate::config::{PskText, Secrets};

const SECRET: &str = "not-a-real-secret";

#[test]
fn debug_never_shows_the_key() {
    let config = parse(DESIGN_EXAMPLE);
    for shown in [
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{:?}", config.secrets),
        format!("{:?}", config.secrets.psk),
        format!("{:?}", config.psk().unwrap()),
    ] {
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(!shown.contains("not-a-real"), "{shown}");
    }
    assert!(format!("{:?}", config.secrets).contains("<redacted>"));
}

#[test]
fn psk_text_is_wiped_on_drop() {
    fn wiped_on_drop<T: ZeroizeOnDrop>() {}
    wiped_on_drop::<PskText>();
}

/// swanctl.conf(5), `secrets.ike<suffix>.secret`: "either an ASCII string, a hex
/// encoded string if it has a 0x prefix or a Base64 encoded string if it has a 0s
/// prefix".
#[test]
fn psk_encodings() {
    let decode = |text: &str| PskText::new(text).decode().map(|s| s.as_bytes().to_vec());
    assert_eq!(decode("secret"), Ok(b"secret".to_vec()));
    assert_eq!(decode("0x736563726574"), Ok(b"secret".to_vec()));
    assert_eq!(decode("0sc2VjcmV0"), Ok(b"secret".to_vec()));
    for (bad, reason) in [
        ("0x7365637", "hex"),
        ("0xzz", "hex"),
        ("0x", "hex"),
        ("0s$$$$", "Base64"),
        ("0s c2VjcmV0", "Base64"),
        ("", "empty"),
    ] {
        let message = decode(bad).unwrap_err();
        assert!(message.contains(reason), "{bad:?}: {message}");
    }
}

#[test]
fn psk_errors_never_contain_the_key() {
    let config = parse("[secrets]\npsk = \"0xnot-hex-but-secret\"\n");
    let error = config.psk().unwrap_err();
    assert_eq!(error.path, "secrets.psk");
    assert!(!error.to_string().contains("not-hex-but-secret"), "{error}");
    let errors = problems(&config, None);
    assert!(errors.has_path("secrets.psk"), "{errors}");
    assert!(
        !errors.to_string().contains("not-hex-but-secret"),
        "{errors}"
    );
}

#[test]
fn psk_file_must_be_resolved_by_the_caller() {
    let mut config = parse("[local]\nauth = \"psk\"\n[secrets]\npsk_file = \"/etc/ikelab/psk\"\n");
    let error = config.psk().unwrap_err();
    assert_eq!(error.path, "secrets.psk_file");
    assert!(
        error
            .message
            .contains("psk_file must be resolved by the caller"),
        "{error}"
    );
    assert_eq!(
        problems(&config, None).0,
        vec![],
        "a psk_file alone is a valid configuration"
    );
    config.secrets.resolve_psk_file("from-the-file\n");
    assert_eq!(config.psk().unwrap().as_bytes(), b"from-the-file");
    assert_eq!(config.secrets.psk_file, None);
}

#[test]
fn no_psk_at_all() {
    let error = parse("").psk().unwrap_err();
    assert_eq!(
        (error.path.as_str(), error.message.as_str()),
        ("secrets.psk", "no pre-shared key is configured")
    );
}

#[test]
fn serialising_writes_the_key_because_the_file_holds_it() {
    let text = to_toml(&parse(DESIGN_EXAMPLE));
    assert!(text.contains(&format!("psk = \"{SECRET}\"")), "{text}");
    let empty = Secrets::default();
    assert_eq!(toml::to_string(&empty).unwrap(), "");
}
