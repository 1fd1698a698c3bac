//! The "every byte explained" check: leaves tile a buffer with no gap and no overlap.

use std::fmt;
use std::ops::Range;

use super::field::Field;

/// Where leaf coverage breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoverageError {
    /// Bytes `range` belong to no leaf.
    Gap { range: Range<usize> },
    /// Leaf `name` starts inside the previous leaf.
    Overlap { name: String, range: Range<usize> },
    /// A leaf lies outside the buffer, or a structure does not span its children.
    OutOfBounds { name: String, range: Range<usize> },
    /// A decrypted block's own leaves are broken.
    InDecrypted { field: String, inner: Box<Self> },
}

impl fmt::Display for CoverageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Gap { range } => write!(f, "bytes {range:?} belong to no leaf"),
            Self::Overlap { name, range } => write!(f, "leaf {name} at {range:?} overlaps"),
            Self::OutOfBounds { name, range } => {
                write!(f, "field {name} at {range:?} is out of bounds")
            }
            Self::InDecrypted { field, inner } => write!(f, "in the plaintext of {field}: {inner}"),
        }
    }
}

impl std::error::Error for CoverageError {}

/// Checks that the leaves under `fields` cover `range` exactly once, that every
/// structure spans exactly its children, and, recursively, the same for every
/// decrypted block. Zero-length leaves are ignored (an empty "Malformed" leaf is an
/// annotation, see `dissect_message`). Malformed buffers pass too: their "Malformed"
/// and "Unparsed" leaves cover exactly the octets the parser did not explain.
pub fn check_leaf_coverage(fields: &[Field], range: Range<usize>) -> Result<(), CoverageError> {
    let mut leaves = Vec::new();
    collect(fields, &range, &mut leaves)?;
    leaves.sort_by_key(|f| (f.range.start, f.range.end));
    let mut at = range.start;
    for leaf in leaves {
        if leaf.range.start > at {
            return Err(CoverageError::Gap {
                range: at..leaf.range.start,
            });
        }
        if leaf.range.start < at {
            return Err(CoverageError::Overlap {
                name: leaf.name().to_string(),
                range: leaf.range.clone(),
            });
        }
        at = leaf.range.end;
        if let Some(block) = leaf.decrypted.as_ref() {
            check_leaf_coverage(&block.fields, 0..block.bytes.len()).map_err(|inner| {
                CoverageError::InDecrypted {
                    field: leaf.name().to_string(),
                    inner: Box::new(inner),
                }
            })?;
        }
    }
    if at < range.end {
        return Err(CoverageError::Gap {
            range: at..range.end,
        });
    }
    Ok(())
}

fn collect<'f>(
    fields: &'f [Field],
    bounds: &Range<usize>,
    out: &mut Vec<&'f Field>,
) -> Result<(), CoverageError> {
    for field in fields {
        let r = &field.range;
        if r.start > r.end || r.start < bounds.start || r.end > bounds.end {
            return Err(CoverageError::OutOfBounds {
                name: field.name().to_string(),
                range: r.clone(),
            });
        }
        if field.is_leaf() {
            if !r.is_empty() {
                out.push(field);
            }
        } else {
            let first = field.children.iter().map(|c| c.range.start).min();
            let last = field.children.iter().map(|c| c.range.end).max();
            if first != Some(r.start) || last != Some(r.end) {
                return Err(CoverageError::OutOfBounds {
                    name: field.name().to_string(),
                    range: r.clone(),
                });
            }
            collect(&field.children, r, out)?;
        }
    }
    Ok(())
}
