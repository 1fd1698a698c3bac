//! Packet capture with tcpdump inside a test namespace.
//!
//! `tcpdump -i any` on Debian 12 writes Linux cooked v2 (SLL2) captures (TOOLCHAIN.md). The
//! harness runs it with `--immediate-mode -U` (each packet written as it arrives), `-Z root`
//! (Debian's tcpdump would otherwise drop to the `tcpdump` user and could not write into the
//! root-only work directory), waits for "listening on" before returning, and stops it with
//! SIGINT so it writes its statistics and closes the file.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::cmd::stop_child;
use super::error::{InteropError, Result};
use super::netns::Netns;

const START_TIMEOUT: Duration = Duration::from_secs(10);
const STOP_GRACE: Duration = Duration::from_secs(5);

/// A running tcpdump. Dropping it stops the capture.
#[derive(Debug)]
pub struct Capture {
    netns: String,
    pcap: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

/// What a stopped capture produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureSummary {
    /// The pcap file.
    pub pcap: PathBuf,
    /// Records in the file (counted from the file itself).
    pub packets_in_file: usize,
    /// tcpdump's "N packets captured".
    pub packets_captured: Option<u64>,
    /// tcpdump's "N packets dropped by kernel".
    pub dropped_by_kernel: Option<u64>,
}

impl Capture {
    /// Starts `tcpdump -i <interface>` (`any` for all) in `netns`, writing `pcap`, with an
    /// optional BPF `filter` (e.g. `udp port 500 or udp port 4500`). Returns once tcpdump
    /// listens.
    pub fn start(
        netns: &Netns,
        interface: &str,
        pcap: &Path,
        filter: Option<&str>,
    ) -> Result<Self> {
        let log = pcap.with_extension("tcpdump.log");
        let out = File::create(&log).map_err(|e| InteropError::io(&log, e))?;
        let err = out.try_clone().map_err(|e| InteropError::io(&log, e))?;
        let mut cmd = netns
            .cmd("tcpdump")
            .args([
                "-i",
                interface,
                "-n",
                "-U",
                "--immediate-mode",
                "-Z",
                "root",
                "-w",
            ])
            .arg(pcap);
        if let Some(filter) = filter {
            cmd = cmd.arg(filter);
        }
        let child = cmd.spawn_with(Stdio::from(out), Stdio::from(err))?;
        let mut capture = Self {
            netns: netns.name().to_owned(),
            pcap: pcap.to_owned(),
            log,
            child: Some(child),
        };
        capture.wait_listening()?;
        Ok(capture)
    }

    fn wait_listening(&mut self) -> Result<()> {
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(InteropError::ExitedEarly {
                    what: format!("tcpdump in {}", self.netns),
                    status: status.to_string(),
                    detail: self.output(),
                });
            }
            if self.output().contains("listening on") {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(10));
        }
        Err(InteropError::Timeout {
            what: format!("tcpdump to listen in {}", self.netns),
            waited: START_TIMEOUT,
            detail: self.output(),
        })
    }

    /// What tcpdump printed so far.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// tcpdump's process id (while running).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The pcap file being written.
    pub fn pcap(&self) -> &Path {
        &self.pcap
    }

    /// Waits until the file holds at least `count` packets (or `timeout` passes); returns
    /// how many it holds.
    pub fn wait_for_packets(&self, count: usize, timeout: Duration) -> usize {
        let started = Instant::now();
        loop {
            let n = std::fs::read(&self.pcap)
                .ok()
                .and_then(|bytes| count_pcap_records(&bytes).ok())
                .unwrap_or(0);
            if n >= count || started.elapsed() >= timeout {
                return n;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stops tcpdump with SIGINT and returns what it captured.
    pub fn stop(mut self) -> Result<CaptureSummary> {
        let Some(mut child) = self.child.take() else {
            return Err(InteropError::InvalidInput {
                detail: "capture already stopped".to_owned(),
            });
        };
        let status = stop_child(&mut child, "INT", STOP_GRACE);
        let output = self.output();
        if status.is_none() {
            return Err(InteropError::Timeout {
                what: format!("tcpdump in {} to exit after SIGINT (killed)", self.netns),
                waited: STOP_GRACE,
                detail: output,
            });
        }
        let bytes = std::fs::read(&self.pcap).map_err(|e| InteropError::io(&self.pcap, e))?;
        let packets_in_file = count_pcap_records(&bytes)?;
        Ok(CaptureSummary {
            pcap: self.pcap.clone(),
            packets_in_file,
            packets_captured: stat(&output, "packets captured"),
            dropped_by_kernel: stat(&output, "packets dropped by kernel"),
        })
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = stop_child(&mut child, "INT", STOP_GRACE);
        }
    }
}

/// The number before `what` in tcpdump's closing statistics (`13 packets captured`).
fn stat(output: &str, what: &str) -> Option<u64> {
    output
        .lines()
        .find(|l| l.ends_with(what))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// Counts the records of a classic pcap file (either byte order); a record cut short at the
/// end (tcpdump still writing) is not counted.
pub fn count_pcap_records(bytes: &[u8]) -> Result<usize> {
    let magic = bytes
        .get(..4)
        .ok_or_else(|| InteropError::parse("pcap", "shorter than its magic number"))?;
    let little = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => true,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => false,
        _ => {
            return Err(InteropError::parse(
                "pcap",
                format!("unknown magic {magic:02x?}"),
            ));
        }
    };
    let mut offset = 24; // global header
    let mut count = 0;
    while let Some(header) = bytes.get(offset..offset + 16) {
        let len_bytes = [header[8], header[9], header[10], header[11]];
        let captured = if little {
            u32::from_le_bytes(len_bytes)
        } else {
            u32::from_be_bytes(len_bytes)
        };
        let end = offset + 16 + captured as usize;
        if end > bytes.len() {
            break;
        }
        count += 1;
        offset = end;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_counted_and_a_partial_tail_ignored() {
        let mut file = vec![0xd4, 0xc3, 0xb2, 0xa1];
        file.resize(24, 0);
        for len in [3u32, 5] {
            let mut header = [0u8; 16];
            header[8..12].copy_from_slice(&len.to_le_bytes());
            file.extend_from_slice(&header);
            file.extend(std::iter::repeat_n(0xaa, len as usize));
        }
        assert_eq!(count_pcap_records(&file).unwrap(), 2);
        file.extend_from_slice(&[0u8; 10]);
        assert_eq!(count_pcap_records(&file).unwrap(), 2);
        assert!(count_pcap_records(b"nope").is_err());
    }

    #[test]
    fn tcpdump_statistics_are_read() {
        let out = "listening on any\n13 packets captured\n13 packets received by filter\n0 packets dropped by kernel\n";
        assert_eq!(stat(out, "packets captured"), Some(13));
        assert_eq!(stat(out, "packets dropped by kernel"), Some(0));
    }
}
