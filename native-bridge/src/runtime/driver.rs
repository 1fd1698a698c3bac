//! The task that owns the engine: feeds it datagrams, time and signals, sends what
//! it queues and reads what it reports (quinn-proto's loop; see the module above).

use std::path::Path;
use std::sync::Arc;

use ikelab_engine::config::PeerConfig;
use ikelab_engine::event::{Event, EventKind};
use ikelab_engine::ike::IkeSaInfo;
use ikelab_engine::keylog::{KeyLog, KeyLogs, KeyRecorder, poll_events};
use ikelab_engine::trace::WireProtocol;
use ikelab_engine::{Engine, EngineConfig, IkeSaId, Time};

use super::capture::CaptureFile;
use super::data_path::{DataCounts, DataPath, from_a_client};
use super::node::{Input, Node};
use super::raw_esp::RawEspSocket;
use super::recording::Recording;
use super::signals::{Asked, StopSignals};
use super::sockets::IkeSockets;
use crate::control::listener::{ControlListener, Incoming};
use crate::control::status_text::{self, UpTimes};
use crate::key_folder::ProfileFolder;
use crate::tunnel::plan::TunnelPlan;
use crate::tunnel::{Tunnel, TunnelOptions};

/// What woke the loop.
#[derive(Debug)]
pub(crate) enum Wake {
    /// The engine's deadline (or the caller's) passed; the engine has been told.
    Time,
    /// A datagram arrived; the engine has handled it.
    Datagram,
    /// SIGINT or SIGTERM.
    Signal(&'static str),
    /// SIGHUP (a gateway only): re-read the configuration.
    Reload,
    /// A socket reported an error (logged; the loop goes on).
    SocketError(String),
    /// A request on the control socket, to answer.
    Control(Incoming),
    /// The TUN device gave a packet; it has been sealed and sent, or dropped.
    Packet,
    /// The TUN device failed (logged; the tunnel is unusable).
    DeviceError(String),
}

/// What `select!` saw, before the engine is told.
enum Woken {
    Input(Input),
    Signal(Asked),
    Control(Incoming),
    Packet(std::io::Result<usize>),
}

/// Where secrets go, if anywhere: the `--keys` folder and the trace's key records.
#[derive(Debug, Default)]
pub(crate) struct KeySinks {
    /// The key log that writes the Wireshark profile folder.
    pub(crate) folder: Option<Arc<dyn KeyLog>>,
    /// The recorder whose records go into the trace among the events.
    pub(crate) recorder: Option<Arc<KeyRecorder>>,
}

impl KeySinks {
    /// The sinks of a run with `--keys DIR` (the Wireshark profile folder, created
    /// now) and, with `--trace` too, the trace's key records; without `--keys`
    /// none, so no secret leaves the engine. Also returns the folder, to finish at
    /// the end.
    pub(crate) fn for_run(
        keys: Option<&Path>,
        trace: bool,
    ) -> Result<(Self, Option<Arc<ProfileFolder>>), String> {
        let folder = keys.map(ProfileFolder::create).transpose()?.map(Arc::new);
        let sinks = Self {
            folder: folder.clone().map(|f| f as Arc<dyn KeyLog>),
            recorder: (folder.is_some() && trace).then(|| Arc::new(KeyRecorder::new())),
        };
        Ok((sinks, folder))
    }
}

/// The engine and everything it is fed from.
#[derive(Debug)]
pub(crate) struct Driver {
    node: Node,
    signals: StopSignals,
    recording: Recording,
    recorder: Option<Arc<KeyRecorder>>,
    control: ControlListener,
    /// When each SA came up, for `status`.
    up: UpTimes,
    /// The TUN device and its packets, once the tunnel is open.
    data: Option<DataPath>,
    /// `--pcap`: every datagram our sockets carry.
    capture: Option<CaptureFile>,
}

impl Driver {
    /// An initiator-only engine (no responder configurations) on `sockets` (and on
    /// `esp` for plain ESP), drawing its randomness from the OS and its calendar
    /// time from the wall clock.
    pub(crate) fn new(
        sockets: IkeSockets,
        esp: Option<RawEspSocket>,
        signals: StopSignals,
        control: ControlListener,
        keys: KeySinks,
        recording: Recording,
    ) -> Result<Self, String> {
        let mut logs: Vec<Arc<dyn KeyLog>> = Vec::new();
        logs.extend(keys.folder);
        if let Some(recorder) = &keys.recorder {
            logs.push(recorder.clone());
        }
        // Without --keys no key log is installed: then no secret leaves the engine.
        let key_log = (!logs.is_empty()).then(|| Arc::new(KeyLogs(logs)) as Arc<dyn KeyLog>);
        let config = EngineConfig {
            key_log,
            ..EngineConfig::default()
        };
        Ok(Self {
            node: Node::new(sockets, esp, config)?,
            signals,
            recording,
            recorder: keys.recorder,
            control,
            up: UpTimes::default(),
            data: None,
            capture: None,
        })
    }

    /// The engine's `now`.
    pub(crate) fn now(&self) -> Time {
        self.node.now()
    }

    pub(crate) fn engine(&mut self) -> &mut Engine {
        self.node.engine()
    }

    pub(crate) fn node(&self) -> &Node {
        &self.node
    }

    /// The SAs in the shape of `swanctl --list-sas`, each IKE SA named by `name_of`.
    pub(crate) fn status_text(&self, name_of: &dyn Fn(&IkeSaInfo) -> String) -> String {
        let mut text = status_text::render(self.node.engine_ref(), self.now(), name_of, &self.up);
        if let Some(data) = &self.data {
            text.push_str(&data.status());
        }
        text
    }

    /// Starts an IKE SA from our IKE socket to `remote` (RFC 7296 §1.2).
    pub(crate) fn initiate(
        &mut self,
        config: &PeerConfig,
        remote: std::net::SocketAddr,
    ) -> Result<IkeSaId, String> {
        let local = self.node.sockets().ike_addr();
        let now = self.now();
        self.node
            .engine()
            .initiate_from(now, config, local, remote)
            .map_err(|e| e.to_string())
    }

    /// Records every datagram from now on in `capture` (`--pcap`).
    pub(crate) fn set_capture(&mut self, capture: CaptureFile) {
        self.capture = Some(capture);
    }

    /// Closes the capture file, if any; its error, if it has one.
    pub(crate) fn finish_capture(&mut self) -> Result<(), String> {
        self.capture.take().map_or(Ok(()), CaptureFile::finish)
    }

    /// Opens the tunnel (device, routes, DNS) by `plan`; returns what it did, a line
    /// each. Packets flow from now on.
    pub(crate) fn open_tunnel(
        &mut self,
        plan: TunnelPlan,
        options: &TunnelOptions,
    ) -> Result<Vec<String>, String> {
        let tunnel = Tunnel::open(plan, options)?;
        let lines = tunnel.describe();
        self.data = Some(DataPath::new(tunnel));
        Ok(lines)
    }

    /// The open tunnel's data path, if any (a gateway routes clients into it and
    /// keeps them apart).
    pub(crate) fn data_path(&mut self) -> Option<&mut DataPath> {
        self.data.as_mut()
    }

    /// The plan of the open tunnel.
    pub(crate) fn tunnel_plan(&self) -> Option<&TunnelPlan> {
        self.data.as_ref().map(|d| d.tunnel.plan())
    }

    /// Closes the tunnel (if open) and returns its packet counts and what could not
    /// be undone.
    pub(crate) fn close_tunnel(&mut self) -> Option<(DataCounts, Vec<String>)> {
        let data = self.data.take()?;
        Some((data.counts, data.tunnel.close()))
    }

    /// Ends a run's outputs: closes the tunnel (logging its packet counts and what
    /// could not be undone), the capture, writes the trace to `trace` and finishes
    /// the key folder. Returns what failed, a sentence each.
    pub(crate) fn wrap_up(
        &mut self,
        trace: Option<&Path>,
        folder: Option<&ProfileFolder>,
    ) -> Vec<String> {
        let mut failed = Vec::new();
        if let Some((counts, problems)) = self.close_tunnel() {
            tracing::info!(
                "tunnel closed: {} packets sent, {} received, {} dropped as covered by no \
                 CHILD SA, {} device or socket errors",
                counts.sent,
                counts.received,
                counts.unprotected,
                counts.io_errors
            );
            for problem in problems {
                tracing::warn!("{problem}");
            }
        }
        if let Err(message) = self.finish_capture() {
            failed.push(message);
        }
        if let Some(path) = trace {
            let left_out = self.recording.esp_left_out();
            if left_out > 0 {
                tracing::info!(
                    "the trace keeps the first {} ESP packets; {left_out} more were left out",
                    super::recording::ESP_KEPT
                );
            }
            let written = self
                .recording
                .trace()
                .to_json()
                .map_err(|e| format!("cannot write the trace: {e}"))
                .and_then(|json| {
                    std::fs::write(path, json + "\n")
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))
                });
            if let Err(message) = written {
                failed.push(message);
            }
        }
        if let Some(folder) = folder {
            match folder.finish() {
                Ok(notes) => {
                    for note in notes {
                        tracing::warn!("key table: {note}");
                    }
                }
                Err(message) => failed.push(message),
            }
        }
        failed
    }

    /// Sends every queued datagram, writes every opened packet to the TUN device
    /// and returns every queued event, each recorded and logged.
    pub(crate) async fn flush(&mut self) -> Vec<Event> {
        let mut datagrams = Vec::new();
        while let Some(datagram) = self.node.engine().poll_transmit() {
            datagrams.push(self.recording.number(datagram));
        }
        let mut events = Vec::new();
        poll_events(self.node.engine(), self.recorder.as_deref(), &mut events);
        for event in &events {
            self.note_up(event);
            self.recording.event(event.clone());
        }
        self.recording.end_flush();
        for datagram in &datagrams {
            self.recording
                .sent(self.node.now(), datagram, WireProtocol::Udp);
            if let Some(capture) = &mut self.capture {
                capture.record_datagram(datagram, WireProtocol::Udp);
            }
            if let Err(detail) = self.node.send(datagram).await {
                tracing::warn!("{detail}");
            }
        }
        while let Some(packet) = self.node.engine().poll_packet() {
            match &mut self.data {
                Some(data) => data.deliver(&packet.bytes).await,
                None => tracing::debug!("an ESP packet opened before the tunnel: dropped"),
            }
        }
        events
    }

    /// Seals the packet the device gave (`len` octets) for the CHILD SA that covers
    /// it and sends it, in UDP (RFC 3948) or as IP protocol 50 (RFC 4303 §3.3).
    async fn send_packet(&mut self, len: usize) {
        let Some(data) = &mut self.data else {
            return;
        };
        let now = self.node.now();
        let Some(packet) = data.packet.get(..len) else {
            return;
        };
        if data.isolate_clients && from_a_client(self.node.engine_ref(), packet) {
            data.counts.between_clients += 1;
            tracing::debug!("a packet from one client to another: dropped");
            return;
        }
        match self
            .node
            .engine()
            .seal_packet(now, packet, &mut data.sealed)
        {
            Ok(sealed) => {
                let esp = data
                    .sealed
                    .get(sealed.offset..sealed.offset + sealed.len)
                    .unwrap_or_default();
                let protocol = wire_protocol(sealed.udp_encap);
                if let Some(capture) = &mut self.capture {
                    capture.record(sealed.src, sealed.dst, protocol, esp);
                }
                if self.recording.keeps() {
                    let datagram =
                        ikelab_engine::Datagram::new(sealed.src, sealed.dst, esp.to_vec());
                    self.recording.sent_esp(now, datagram, protocol);
                }
                match self.node.send_esp(&sealed, esp).await {
                    Ok(()) => data.counts.sent += 1,
                    Err(detail) => {
                        data.counts.io_errors += 1;
                        tracing::debug!("{detail}");
                    }
                }
            }
            Err(e) => {
                data.counts.unprotected += 1;
                tracing::debug!("not sent: {e}");
            }
        }
    }

    /// Sleeps until a datagram, a signal, the engine's next deadline or `until`,
    /// whichever comes first, and hands the engine what came.
    pub(crate) async fn wait(&mut self, until: Option<Time>) -> Wake {
        let woken = tokio::select! {
            input = self.node.next(until) => Woken::Input(input),
            packet = next_packet(&mut self.data) => Woken::Packet(packet),
            name = self.signals.next() => Woken::Signal(name),
            incoming = self.control.next() => Woken::Control(incoming),
        };
        let wake = match woken {
            Woken::Input(Input::Udp(datagram)) => {
                if let Some(capture) = &mut self.capture {
                    capture.record_datagram(&datagram, WireProtocol::Udp);
                }
                let now = self.node.now();
                // ESP counts against the trace's limit (`recording::ESP_KEPT`); without
                // a trace every datagram is only logged, so nothing is classified.
                let esp = self.recording.keeps() && self.node.is_esp_in_udp(&datagram);
                let datagram = if esp {
                    self.recording
                        .received_esp(now, datagram, WireProtocol::Udp)
                } else {
                    self.recording.received(now, datagram, WireProtocol::Udp)
                };
                self.node.deliver(Input::Udp(datagram));
                Wake::Datagram
            }
            Woken::Input(Input::Esp(datagram)) => {
                if let Some(capture) = &mut self.capture {
                    capture.record_datagram(&datagram, WireProtocol::Esp);
                }
                let now = self.node.now();
                let datagram = self
                    .recording
                    .received_esp(now, datagram, WireProtocol::Esp);
                self.node.deliver(Input::Esp(datagram));
                Wake::Datagram
            }
            Woken::Input(Input::Error(detail)) => Wake::SocketError(detail),
            Woken::Input(Input::Time) => Wake::Time,
            Woken::Signal(Asked::Stop(name)) => Wake::Signal(name),
            Woken::Signal(Asked::Reload) => Wake::Reload,
            Woken::Control(incoming) => Wake::Control(incoming),
            Woken::Packet(Ok(len)) => {
                self.send_packet(len).await;
                Wake::Packet
            }
            Woken::Packet(Err(e)) => Wake::DeviceError(e.to_string()),
        };
        self.node.handle_due();
        if let Some(capture) = &mut self.capture {
            capture.flush();
        }
        wake
    }

    /// Keeps when an IKE SA or a CHILD SA came up (the event's engine time), and
    /// which IKE SAs went down.
    fn note_up(&mut self, event: &Event) {
        let at = Time::from_micros(event.time_us);
        match &event.kind {
            EventKind::IkeSaUp(_) => {
                if let Some(id) = event.ike_sa {
                    self.up.ike.insert(id, at);
                }
            }
            EventKind::ChildSaUp(up) => {
                self.up.child.insert(up.child, at);
            }
            EventKind::IkeSaDown { .. } => {
                if let Some(id) = event.ike_sa {
                    self.up.down.insert(id);
                    self.up.ike.remove(&id);
                }
            }
            _ => {}
        }
    }
}

/// The trace's and the capture's name for how an ESP packet travels.
fn wire_protocol(udp_encap: bool) -> WireProtocol {
    if udp_encap {
        WireProtocol::Udp
    } else {
        WireProtocol::Esp
    }
}

/// The next packet of the TUN device, or never without one.
async fn next_packet(data: &mut Option<DataPath>) -> std::io::Result<usize> {
    match data {
        Some(data) => data.recv().await,
        None => std::future::pending().await,
    }
}
