//! The selected message, as the inspector shows it: its byte buffers (the message and
//! each decrypted SK block) and its dissection flattened into one list of fields, so
//! a field is a number and highlighting a field is a range of one buffer.

use std::ops::Range;

use ikelab_engine::event::{Event, EventKind};
use ikelab_engine::trace::{Entry, NetworkEvent, Record, Trace};
use ikelab_engine::wire::Field;

/// A run of octets the hex view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Buffer {
    /// "IKE message (UDP payload)", "SK plaintext (decrypted)".
    pub(crate) label: String,
    pub(crate) bytes: Vec<u8>,
}

/// One field of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldView {
    pub(crate) parent: Option<usize>,
    pub(crate) depth: usize,
    /// Which buffer its range indexes.
    pub(crate) buffer: usize,
    pub(crate) range: Range<usize>,
    pub(crate) name: String,
    pub(crate) value: String,
    pub(crate) meaning: String,
    pub(crate) rfc: String,
    pub(crate) has_children: bool,
    /// The first field of a decrypted block: the inspector puts a heading before it.
    pub(crate) starts_block: Option<String>,
}

/// What the inspector shows for one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MessageView {
    /// The record it comes from.
    pub(crate) record: usize,
    pub(crate) title: String,
    pub(crate) buffers: Vec<Buffer>,
    pub(crate) fields: Vec<FieldView>,
    /// Set when the message does not parse: the engine's error.
    pub(crate) error: Option<String>,
}

impl MessageView {
    /// The first field (depth first) whose value mentions `text`, and the payload
    /// (the top-level field of its buffer) that holds it.
    pub(crate) fn find_value(&self, text: &str) -> Option<usize> {
        let hit = self.fields.iter().position(|f| f.value.contains(text))?;
        let mut at = hit;
        while let Some(parent) = self.fields[at].parent {
            if self.fields[parent].buffer != self.fields[at].buffer {
                break;
            }
            at = parent;
        }
        Some(at)
    }
}

/// The innermost field of `buffer` that covers `offset`.
pub(crate) fn innermost(fields: &[FieldView], buffer: usize, offset: usize) -> Option<usize> {
    fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.buffer == buffer && f.range.contains(&offset))
        .max_by_key(|(_, f)| f.depth)
        .map(|(i, _)| i)
}

/// The inspector's view of a record, if it is a message (or an ESP packet).
pub(crate) fn message_view(trace: &Trace, record: usize) -> Option<MessageView> {
    let r = trace.records.get(record)?;
    match &r.entry {
        Entry::Event(event) if event.kind.is_esp() => esp_view(trace, record, r, event),
        Entry::Event(event) => {
            let (verb, m) = match &event.kind {
                EventKind::MessageSent(m) => ("sent by", m),
                EventKind::MessageReceived(m) => ("received by", m),
                _ => return None,
            };
            let mut view = MessageView {
                record,
                title: format!("{} — {verb} {}", m.summary, r.peer),
                buffers: vec![Buffer {
                    label: format!(
                        "IKE message, {} octets ({} → {})",
                        m.bytes.len(),
                        m.src,
                        m.dst
                    ),
                    bytes: m.bytes.clone(),
                }],
                fields: Vec::new(),
                error: None,
            };
            if let Some(d) = &m.dissection {
                view.error = d.error.as_ref().map(ToString::to_string);
                for field in &d.fields {
                    flatten(&mut view, field, None, 0, 0);
                }
            }
            Some(view)
        }
        _ => None,
    }
}

fn flatten(
    view: &mut MessageView,
    field: &Field,
    parent: Option<usize>,
    depth: usize,
    buffer: usize,
) {
    let index = view.fields.len();
    view.fields.push(FieldView {
        parent,
        depth,
        buffer,
        range: field.range.clone(),
        name: field.name().to_string(),
        value: field.value.clone(),
        meaning: field.meaning().to_string(),
        rfc: field.rfc().to_string(),
        has_children: !field.children.is_empty(),
        starts_block: None,
    });
    for child in &field.children {
        flatten(view, child, Some(index), depth + 1, buffer);
    }
    if let Some(block) = &field.decrypted {
        let inner = view.buffers.len();
        view.buffers.push(Buffer {
            // The SK payload's inner payloads (IKE), or the ESP packet's payload
            // (its inner IP packet, padding and trailer).
            label: format!(
                "{} decrypted, {} octets ({})",
                field.name(),
                block.bytes.len(),
                block.note
            ),
            bytes: block.bytes.clone(),
        });
        let first = view.fields.len();
        for child in &block.fields {
            flatten(view, child, Some(index), depth + 1, inner);
        }
        if let Some(f) = view.fields.get_mut(first) {
            f.starts_block = Some(format!("Decrypted ({})", block.note));
        }
    }
}

/// An ESP packet the engine sealed, opened or refused: its dissection (SPI, Sequence
/// Number, IV, ciphertext, ICV, the decrypted inner packet) over the packet's octets
/// as they crossed the link (the `transmit` record of the same flight).
fn esp_view(trace: &Trace, record: usize, r: &Record, event: &Event) -> Option<MessageView> {
    let (verb, dissection, summary) = match &event.kind {
        EventKind::EspSealed(p) => ("sealed by", &p.dissection, p.inner.clone()),
        EventKind::EspOpened(p) => ("opened by", &p.dissection, p.inner.clone()),
        EventKind::EspDropped(d) => ("refused by", &d.dissection, d.reason.message.clone()),
        _ => return None,
    };
    let bytes = event
        .flight
        .and_then(|flight| {
            trace.records.iter().find_map(|other| match &other.entry {
                Entry::Network(NetworkEvent::Transmit {
                    flight: f,
                    datagram,
                    ..
                }) if *f == flight => Some(datagram.payload.clone()),
                _ => None,
            })
        })
        .unwrap_or_default();
    let mut view = MessageView {
        record,
        title: format!("ESP packet — {verb} {}: {summary}", r.peer),
        buffers: vec![Buffer {
            label: format!("ESP packet, {} octets", bytes.len()),
            bytes,
        }],
        fields: Vec::new(),
        error: dissection.error.as_ref().map(ToString::to_string),
    };
    for field in &dissection.fields {
        flatten(&mut view, field, None, 0, 0);
    }
    Some(view)
}
