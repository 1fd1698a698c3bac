//! The connection to make: the PeerConfig file, with `--local` and `--remote` in
//! place of its addresses, checked as an initiator's (`PeerConfig::validate_for`).

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::path::Path;

use ikelab_engine::config::{PeerConfig, Role};

use crate::cli::ConnectArgs;
use crate::exit::Exit;

/// Why the configuration cannot be used: the exit code and what to print.
#[derive(Debug)]
pub(crate) struct ConfigProblem {
    pub(crate) exit: Exit,
    pub(crate) message: String,
}

/// What `connect` runs with.
#[derive(Debug)]
pub(crate) struct Connection {
    pub(crate) peer: PeerConfig,
    /// Where our IKE socket binds (port 0: ephemeral).
    pub(crate) local: SocketAddr,
    /// The gateway's IKE address and port.
    pub(crate) remote: SocketAddr,
    /// Where our NAT-T socket binds (port 0: ephemeral).
    pub(crate) nat_t: SocketAddr,
}

/// The IKE port (RFC 7296 §2) and the NAT-T port (RFC 3948 §2.1) a tunnel binds.
const IKE_PORT: u16 = 500;
const NAT_T_PORT: u16 = 4500;

/// Reads `args.config`, applies the address flags and checks the result.
pub(crate) fn load(args: &ConnectArgs) -> Result<Connection, ConfigProblem> {
    let path = &args.config;
    let text = std::fs::read_to_string(path).map_err(|e| ConfigProblem {
        exit: Exit::Input,
        message: format!("cannot read {}: {e}", path.display()),
    })?;
    let mut peer: PeerConfig = toml::from_str(&text).map_err(|e| invalid(path, &e.to_string()))?;
    let local_flag = args
        .local
        .as_deref()
        .map(|text| parse_addr(text, "--local"))
        .transpose()
        .map_err(|message| usage(&message))?;
    let remote_flag = args
        .remote
        .as_deref()
        .map(|text| parse_addr(text, "--remote"))
        .transpose()
        .map_err(|message| usage(&message))?;
    if let Some((ip, port)) = remote_flag {
        peer.remote_addrs = vec![ip.to_string()];
        if let Some(port) = port {
            peer.remote_port = port;
        }
    }
    let remote_ip = peer.initiator_remote_addr().ok_or_else(|| {
        invalid(
            path,
            "remote_addrs: holds no single address to connect to (give one, or use --remote)",
        )
    })?;
    let remote = SocketAddr::new(remote_ip, peer.remote_port);
    // A tunnel uses the standard ports, as gateways expect; IKE alone needs no root
    // and takes ephemeral ones.
    let tunnel = !args.no_tun;
    let default_port = if tunnel { IKE_PORT } else { 0 };
    let (local_ip, local_port) = match local_flag {
        Some((ip, port)) => (ip, port.unwrap_or(default_port)),
        None => match peer.initiator_local_addr() {
            Some(ip) => (ip, default_port),
            None => (
                route_source(remote).map_err(|e| invalid(path, &e))?,
                default_port,
            ),
        },
    };
    // The engine puts the addresses it sends from into NAT detection (RFC 7296
    // §2.23): the configuration names the address the socket binds.
    peer.local_addrs = vec![local_ip.to_string()];
    peer.validate_for(Role::Initiator).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        invalid(path, &lines.join("\n"))
    })?;
    Ok(Connection {
        peer,
        local: SocketAddr::new(local_ip, local_port),
        remote,
        // `--local ADDR:0` asks for ephemeral ports: both of them.
        nat_t: SocketAddr::new(
            local_ip,
            if tunnel && local_port != 0 {
                NAT_T_PORT
            } else {
                0
            },
        ),
    })
}

fn invalid(path: &Path, detail: &str) -> ConfigProblem {
    ConfigProblem {
        exit: Exit::Config,
        message: format!(
            "{}: invalid configuration:\n{}",
            path.display(),
            indented(detail)
        ),
    }
}

/// Each line of `text` two spaces in, without trailing blank lines.
pub(crate) fn indented(text: &str) -> String {
    let lines: Vec<String> = text.trim_end().lines().map(|l| format!("  {l}")).collect();
    lines.join("\n")
}

fn usage(message: &str) -> ConfigProblem {
    ConfigProblem {
        exit: Exit::Usage,
        message: message.to_owned(),
    }
}

/// `ADDR` or `ADDR:PORT` (an IPv6 address with a port in brackets: `[::1]:500`).
pub(crate) fn parse_addr(text: &str, flag: &str) -> Result<(IpAddr, Option<u16>), String> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok((ip, None));
    }
    text.parse::<SocketAddr>()
        .map(|addr| (addr.ip(), Some(addr.port())))
        .map_err(|_| format!("{flag} {text}: not an IP address or ADDRESS:PORT"))
}

/// The address this host sends to `remote` from (a UDP `connect` sends nothing; it
/// only asks the routing table).
fn route_source(remote: SocketAddr) -> Result<IpAddr, String> {
    let any: SocketAddr = if remote.is_ipv4() {
        (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = UdpSocket::bind(any).map_err(|e| format!("local_addrs: {e}"))?;
    socket
        .connect(remote)
        .and_then(|()| socket.local_addr())
        .map(|addr| addr.ip())
        .map_err(|e| format!("local_addrs: empty, and no route to {remote}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_may_carry_a_port() {
        let v4 = "192.0.2.1".parse::<IpAddr>().unwrap();
        assert_eq!(parse_addr("192.0.2.1", "--remote"), Ok((v4, None)));
        assert_eq!(
            parse_addr("192.0.2.1:4500", "--remote"),
            Ok((v4, Some(4500)))
        );
        let v6 = "2001:db8::1".parse::<IpAddr>().unwrap();
        assert_eq!(parse_addr("2001:db8::1", "--local"), Ok((v6, None)));
        assert_eq!(
            parse_addr("[2001:db8::1]:500", "--local"),
            Ok((v6, Some(500)))
        );
    }

    #[test]
    fn a_name_is_no_address_and_the_error_names_the_flag() {
        let error = parse_addr("vpn.example", "--remote").unwrap_err();
        assert!(error.starts_with("--remote vpn.example"), "{error}");
    }
}
