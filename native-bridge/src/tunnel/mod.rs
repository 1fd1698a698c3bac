//! The host side of `ikelab connect`'s tunnel: a TUN device with the virtual IP,
//! routes for the remote traffic selectors, the gateway's DNS servers, and all of it
//! undone at the end (`Tunnel::close`, or on drop if the session ends another way).
//!
//! [`plan`] decides (pure, unit-tested); [`device`], [`routes`] and [`dns`] apply.

pub(crate) mod device;
mod dns;
pub(crate) mod leftovers;
pub(crate) mod plan;
mod routes;
mod tool;

use std::path::PathBuf;

use tun_rs::AsyncDevice;

use self::dns::DnsApplied;
use self::leftovers::UndoList;
use self::plan::{Block, TunnelPlan};
use self::routes::AddedRoute;

/// How `connect` was asked to build the tunnel.
#[derive(Debug, Clone)]
pub(crate) struct TunnelOptions {
    /// The device name (`--tun-name`; `%d` picks the first free number).
    pub(crate) name: String,
    /// The device's MTU (`--mtu`).
    pub(crate) mtu: u16,
    /// Apply the gateway's DNS servers (off with `--no-dns`).
    pub(crate) dns: bool,
    /// Where the backup of `/etc/resolv.conf` and the undo list go (the control
    /// socket's folder, owner-only): what a killed instance leaves is undone by the
    /// next one ([`leftovers`]).
    pub(crate) state_dir: PathBuf,
}

/// The tunnel while it is up.
pub(crate) struct Tunnel {
    device: AsyncDevice,
    name: String,
    plan: TunnelPlan,
    routes: Vec<AddedRoute>,
    dns: Option<DnsApplied>,
    /// The same changes on disk, for the next instance if this one is killed.
    undo_list: UndoList,
    undone: bool,
}

impl Tunnel {
    /// Creates the device and applies the plan. On an error, whatever was applied
    /// is undone before the error is returned.
    pub(crate) fn open(plan: TunnelPlan, options: &TunnelOptions) -> Result<Self, String> {
        let device = device::create(&options.name, options.mtu, &plan.addresses)?;
        let name = device
            .name()
            .map_err(|e| format!("cannot read the TUN device's name: {e}"))?;
        let mut tunnel = Self {
            device,
            name,
            plan,
            routes: Vec::new(),
            dns: None,
            undo_list: UndoList::at(&options.state_dir),
            undone: false,
        };
        // Dropping `tunnel` on an early return undoes what is done so far.
        tunnel.apply(options)?;
        Ok(tunnel)
    }

    fn apply(&mut self, options: &TunnelOptions) -> Result<(), String> {
        // First, while `ip route get` still shows the host's own path to it.
        if let Some(gateway) = self.plan.pin_gateway {
            self.routes.extend(routes::pin(gateway)?);
            self.note()?;
        }
        for block in self.plan.routes.clone() {
            self.routes.extend(routes::via_device(block, &self.name)?);
        }
        for block in self.plan.blocked.clone() {
            self.routes.extend(routes::unreachable(block)?);
            self.note()?;
        }
        if options.dns {
            self.dns = dns::apply(
                &self.plan.dns,
                &self.name,
                self.plan.is_full(),
                &options.state_dir,
            )?;
            self.note()?;
        }
        Ok(())
    }

    /// Writes the undo list as it stands (the device's own routes go with it, so
    /// they need no entry, but listing them does no harm).
    fn note(&self) -> Result<(), String> {
        self.undo_list.write(&self.routes, self.dns.as_ref())
    }

    /// Routes `block` into the device (a gateway's route to one client's virtual IP
    /// or subnet); true when we added it, false when it was there already (then it
    /// is not ours to remove).
    pub(crate) fn route(&mut self, block: Block) -> Result<bool, String> {
        let added = routes::via_device(block, &self.name)?;
        let ours = added.is_some();
        self.routes.extend(added);
        self.note()?;
        Ok(ours)
    }

    /// Removes a route [`route`](Self::route) added.
    pub(crate) fn unroute(&mut self, block: Block) -> Result<(), String> {
        let target = block.to_string();
        let Some(at) = self
            .routes
            .iter()
            .position(|r| r.is_into(&target, &self.name))
        else {
            return Ok(());
        };
        let route = self.routes.remove(at);
        let removed = routes::remove(&route);
        self.note()?;
        removed
    }

    /// The device, to read and write packets.
    pub(crate) fn device(&self) -> &AsyncDevice {
        &self.device
    }

    /// What the tunnel was built from.
    pub(crate) fn plan(&self) -> &TunnelPlan {
        &self.plan
    }

    /// The device's name as the kernel gave it.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// What the tunnel did to the host, a line each, for the log and `status`.
    pub(crate) fn describe(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let addresses: Vec<String> = self
            .plan
            .addresses
            .iter()
            .map(ToString::to_string)
            .collect();
        lines.push(format!(
            "device {}{}",
            self.name,
            if addresses.is_empty() {
                " (no virtual IP)".to_owned()
            } else {
                format!(", address {}", addresses.join(", "))
            }
        ));
        if !self.plan.routes.is_empty() {
            let routes: Vec<String> = self.plan.routes.iter().map(ToString::to_string).collect();
            lines.push(format!("routes {} into {}", routes.join(", "), self.name));
        }
        // A gateway's routes to its clients, added and removed as they come and go.
        let planned: Vec<String> = self.plan.routes.iter().map(ToString::to_string).collect();
        let clients: Vec<&str> = self
            .routes
            .iter()
            .filter_map(|r| r.block_into(&self.name))
            .filter(|block| !planned.iter().any(|p| p == block))
            .collect();
        if !clients.is_empty() {
            lines.push(format!(
                "routes to clients {} into {}",
                clients.join(", "),
                self.name
            ));
        }
        if let Some(gateway) = self.plan.pin_gateway {
            lines.push(format!(
                "the gateway {gateway} keeps its path outside the tunnel"
            ));
        }
        if !self.plan.blocked.is_empty() {
            let blocked: Vec<String> = self.plan.blocked.iter().map(ToString::to_string).collect();
            lines.push(format!(
                "blocked {} (the tunnel does not carry this family: nothing leaks beside it)",
                blocked.join(", ")
            ));
        }
        if let Some(dns) = &self.dns {
            let servers: Vec<String> = self.plan.dns.iter().map(ToString::to_string).collect();
            lines.push(format!(
                "DNS {} through {}",
                servers.join(", "),
                dns.describe()
            ));
        }
        lines
    }

    /// Removes the device, the routes and the DNS settings; returns what could not
    /// be undone, a sentence each.
    pub(crate) fn close(mut self) -> Vec<String> {
        self.undo()
    }

    fn undo(&mut self) -> Vec<String> {
        if self.undone {
            return Vec::new();
        }
        self.undone = true;
        let mut problems = Vec::new();
        if let Some(applied) = self.dns.take()
            && let Err(e) = dns::restore(applied)
        {
            problems.push(e);
        }
        for route in self.routes.drain(..).rev() {
            if let Err(e) = routes::remove(&route) {
                problems.push(format!("route {}: {e}", route.describe()));
            }
        }
        if problems.is_empty() {
            self.undo_list.remove();
        }
        problems
    }
}

impl std::fmt::Debug for Tunnel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tunnel")
            .field("name", &self.name)
            .field("plan", &self.plan)
            .field("routes", &self.routes)
            .field("dns", &self.dns)
            .finish_non_exhaustive()
    }
}

impl Drop for Tunnel {
    fn drop(&mut self) {
        for problem in self.undo() {
            tracing::warn!("{problem}");
        }
    }
}
