//! The example client and gateway configurations that the engine's tests, the
//! engine tests, the benches and the test crate share: one place
//! (`assets/fixtures/*.toml`), bundled at build time like the scenario library.
//! A test that needs a variant parses one and changes the fields it is about.

/// The client: from 192.0.2.2 to 192.0.2.1, `aes256gcm16-prfsha256-x25519`, asks for
/// a virtual IP, one child `net` to 10.1.0.0/24 (`aes256gcm16`), PSK, retransmission
/// in 100 ms steps.
pub const CLIENT: &str = include_str!("../../../assets/fixtures/client.toml");

/// The gateway: on 192.0.2.1 for any peer, also `aes128-sha256-modp2048`; child `net`
/// for 10.1.0.0/24 (`aes256gcm16`, `aes128-sha256`), virtual IPs from 10.3.0.0/24.
pub const GATEWAY: &str = include_str!("../../../assets/fixtures/gateway.toml");
