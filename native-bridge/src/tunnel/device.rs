//! The TUN device (tun-rs): a layer-3 interface whose packets we read and write,
//! with the virtual IPs as host addresses.

use std::io;
use std::net::IpAddr;

use tun_rs::{AsyncDevice, DeviceBuilder};

/// The name asked of the kernel when none is given: it fills in the first free
/// number (`ikelab0`, `ikelab1`, …).
pub(crate) const DEFAULT_NAME: &str = "ikelab%d";

/// Creates the device `name` with `mtu`, up, with `addresses` as host addresses
/// (/32, /128). tun-rs sets one IPv4 address: a gateway assigns at most one per
/// family (RFC 7296 §3.15.1 asks for one INTERNAL_IP4_ADDRESS).
pub(crate) fn create(name: &str, mtu: u16, addresses: &[IpAddr]) -> Result<AsyncDevice, String> {
    let mut builder = DeviceBuilder::new().name(name).mtu(mtu);
    if let Some(IpAddr::V4(v4)) = addresses.iter().find(|a| a.is_ipv4()) {
        builder = builder.ipv4(*v4, 32u8, None);
    }
    let v6: Vec<_> = addresses
        .iter()
        .filter_map(|a| match a {
            IpAddr::V6(v6) => Some((*v6, 128u8)),
            IpAddr::V4(_) => None,
        })
        .collect();
    if !v6.is_empty() {
        builder = builder.ipv6_tuple(&v6);
    }
    builder.build_async().map_err(|e| explain(name, &e))
}

/// Checks a device name before anything is sent or changed, as the kernel would
/// (`dev_valid_name`: 1 to 15 octets, not `.` or `..`, no `/`, `:` or white space).
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    let problem = if name.is_empty() || name.len() > 15 {
        Some("an interface name has 1 to 15 characters")
    } else if name == "." || name == ".." {
        Some("`.` and `..` are not interface names")
    } else if name
        .chars()
        .any(|c| c == '/' || c == ':' || c.is_whitespace())
    {
        Some("an interface name has no '/', ':' or spaces")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(format!("--tun-name {name:?}: {problem}")),
        None => Ok(()),
    }
}

/// What went wrong, in words a person can act on.
fn explain(name: &str, error: &io::Error) -> String {
    let hint = match error.raw_os_error() {
        Some(1 | 13) => {
            " (creating a TUN device needs root or CAP_NET_ADMIN: run with sudo, or \
             `setcap cap_net_admin,cap_net_raw+ep` on the binary, or use --no-tun)"
        }
        Some(2 | 19) => {
            " (no /dev/net/tun: load the module with `modprobe tun`, or give the \
             container the device)"
        }
        Some(16) => " (a device of this name is in use: choose another --tun-name)",
        Some(22) => " (not a valid interface name: at most 15 characters, no '/' or spaces)",
        _ if error.kind() == io::ErrorKind::InvalidInput => {
            " (an interface name has at most 15 characters)"
        }
        _ => "",
    };
    format!("cannot create the TUN device {name}: {error}{hint}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_as_the_kernel_does() {
        for good in [DEFAULT_NAME, "ikelab0", "vpn-office", "a"] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "a-name-far-too-long",
            ".",
            "..",
            "tun/0",
            "tun:0",
            "my tun",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
