//! `--pcap FILE`: every datagram our sockets send or receive (IKE on 500 and 4500,
//! ESP in UDP, NAT keep-alives, plain ESP), as it crossed them, in a classic pcap of raw IP
//! packets stamped with the wall clock; `ikelab dissect` and Wireshark read it, and
//! decrypt it with the `--keys` folder.
//!
//! Records are written as they happen and flushed after each turn of the loop, so
//! a killed instance leaves a readable file up to its last turn.

use std::fs::File;
use std::io::BufWriter;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use ikelab_engine::Datagram;
use ikelab_engine::capture::{DatagramContent, PcapWriter, TimestampResolution};
use ikelab_engine::trace::WireProtocol;

/// The capture file being written.
#[derive(Debug)]
pub(crate) struct CaptureFile {
    writer: PcapWriter<BufWriter<File>>,
    path: PathBuf,
    /// The first write error; nothing more is written after it.
    failed: Option<String>,
}

impl CaptureFile {
    pub(crate) fn create(path: &Path) -> Result<Self, String> {
        let file =
            File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        let writer = PcapWriter::new(BufWriter::new(file), TimestampResolution::Micro)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(Self {
            writer,
            path: path.to_path_buf(),
            failed: None,
        })
    }

    /// Appends `payload` as it was on the wire from `src` to `dst`: the data of a UDP
    /// datagram, or an ESP packet directly in IP (protocol 50, ports ignored).
    pub(crate) fn record(
        &mut self,
        src: SocketAddr,
        dst: SocketAddr,
        protocol: WireProtocol,
        payload: &[u8],
    ) {
        if self.failed.is_some() {
            return;
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let content = match protocol {
            WireProtocol::Udp => DatagramContent::Udp(payload),
            WireProtocol::Esp => DatagramContent::Esp(payload),
        };
        if let Err(e) = self.writer.write_datagram(now, src, dst, content) {
            self.fail(e.to_string());
        }
    }

    /// Appends a datagram as it crossed a socket (see [`record`](Self::record)).
    pub(crate) fn record_datagram(&mut self, datagram: &Datagram, protocol: WireProtocol) {
        self.record(datagram.src, datagram.dst, protocol, &datagram.payload);
    }

    /// Pushes what is buffered to the file.
    pub(crate) fn flush(&mut self) {
        if self.failed.is_none()
            && let Err(e) = self.writer.flush()
        {
            self.fail(e.to_string());
        }
    }

    fn fail(&mut self, error: String) {
        tracing::warn!("the capture {} stops here: {error}", self.path.display());
        self.failed = Some(error);
    }

    /// Flushes and closes the file; the first error, if any.
    pub(crate) fn finish(self) -> Result<(), String> {
        let path = self.path.display().to_string();
        if let Some(error) = self.failed {
            return Err(format!("the capture {path} is incomplete: {error}"));
        }
        self.writer
            .into_inner()
            .map(drop)
            .map_err(|e| format!("cannot finish {path}: {e}"))
    }
}
