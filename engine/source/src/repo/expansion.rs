//! Bounds a repository index's YAML before it is deserialized: nodes and scalar bytes are
//! counted as if every alias were expanded, in one streaming pass that keeps only a count
//! per anchor, so an alias bomb fails with an error naming the limit instead of
//! expanding in memory.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser};

use crate::error::{Error, Result};

/// How much an index may hold once its aliases are expanded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpansionLimits {
    /// Most nodes (scalars, sequences, mappings).
    pub max_nodes: u64,
    /// Most scalar bytes.
    pub max_bytes: u64,
}

impl ExpansionLimits {
    /// The limits that go with an index size limit: as many scalar bytes, and one node
    /// per 8 bytes (an index without aliases needs well over 8 bytes per node).
    pub fn for_index_bytes(max_index_bytes: u64) -> Self {
        ExpansionLimits {
            max_nodes: (max_index_bytes / 8).max(1024),
            max_bytes: max_index_bytes,
        }
    }
}

/// Checks `text` against `limits`. A document without aliases (no `*`) passes without
/// a pass of its own: its size was already bounded when it was read.
pub fn check(text: &str, limits: ExpansionLimits, source_name: &str) -> Result<()> {
    if !text.contains('*') {
        return Ok(());
    }
    let too_much = |what: &str, limit: u64| {
        Error::protocol(
            source_name,
            format!(
                "invalid index.yaml: alias expansion exceeds the limit of {limit} {what} \
                 (set by the index size limit)"
            ),
        )
    };
    let mut parser = Parser::new_from_str(text);
    let mut anchors: HashMap<usize, (u64, u64)> = HashMap::new();
    // Open collections: (anchor id, nodes before, bytes before).
    let mut open: Vec<(usize, u64, u64)> = Vec::new();
    let (mut nodes, mut bytes) = (0u64, 0u64);
    loop {
        let (event, _) = match parser.next_token() {
            Ok(next) => next,
            Err(e) if text.contains('&') => {
                return Err(Error::protocol(
                    source_name,
                    format!("invalid index.yaml: {e}"),
                ));
            }
            // No anchor, so no alias can expand: let the deserializer report the error.
            Err(_) => return Ok(()),
        };
        match event {
            Event::StreamEnd => return Ok(()),
            Event::DocumentEnd => anchors.clear(),
            Event::Scalar(value, _, anchor, _) => {
                let len = value.len() as u64;
                nodes += 1;
                bytes += len;
                if anchor > 0 {
                    anchors.insert(anchor, (1, len));
                }
            }
            Event::Alias(anchor) => {
                let Some((n, b)) = anchors.get(&anchor).copied() else {
                    return Err(Error::protocol(
                        source_name,
                        "invalid index.yaml: an alias refers to an anchor that is not complete",
                    ));
                };
                nodes = nodes.saturating_add(n);
                bytes = bytes.saturating_add(b);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                open.push((anchor, nodes, bytes));
                nodes += 1;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, n0, b0)) = open.pop()
                    && anchor > 0
                {
                    anchors.insert(anchor, (nodes - n0, bytes - b0));
                }
            }
            _ => {}
        }
        if nodes > limits.max_nodes {
            return Err(too_much("nodes", limits.max_nodes));
        }
        if bytes > limits.max_bytes {
            return Err(too_much("scalar bytes", limits.max_bytes));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> ExpansionLimits {
        ExpansionLimits {
            max_nodes: 1000,
            max_bytes: 10_000,
        }
    }

    #[test]
    fn documents_without_aliases_pass() {
        assert!(check("apiVersion: v1\nentries: {}\n", limits(), "r").is_ok());
    }

    #[test]
    fn a_few_aliases_pass_and_a_bomb_names_the_limit() {
        let ok = "a: &x [1, 2, 3]\nb: *x\nc: *x\n";
        assert!(check(ok, limits(), "r").is_ok());
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (prev, name) in ["a", "b", "c", "d"].iter().zip(["b", "c", "d", "e"]) {
            let refs = vec![format!("*{prev}"); 10].join(", ");
            bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        let err = check(&bomb, limits(), "r").expect_err("bomb");
        assert!(err.to_string().contains("limit of 1000 nodes"), "{err}");
    }

    #[test]
    fn long_aliased_scalars_count_their_bytes() {
        let text = format!("a: &s {}\nb: [{}]\n", "y".repeat(5000), ["*s"; 3].join(","));
        let err = check(&text, limits(), "r").expect_err("bytes");
        assert!(err.to_string().contains("scalar bytes"), "{err}");
    }
}
