//! SCALE-Sim GEMM topology files as workloads.
//!
//! Format (notes/peers.md): a header line, then `name, M, N, K,` per layer —
//! a trailing comma, and an optional fifth field (N:M sparsity) that this
//! simulator ignores (ternary zeros are counted from the weights instead).
//!
//! Limits: the file is at most [`MAX_TEXT_BYTES`] and holds at most
//! [`MAX_TOPOLOGY_LAYERS`] layers; each dimension lies in `1..=MAX_GEMM_DIM`.

use crate::error::SimError;
use crate::gemm::{GemmShape, MAX_GEMM_DIM};
use std::path::Path;
use tritone_reference::input::{read_text, MAX_TEXT_BYTES};

/// Most layers a topology file may list: 100,000 (SCALE-Sim's own files
/// list tens; a whole 70B model layer by layer is 560 GEMMs). Each layer is
/// simulated on its own, so the count bounds the work.
pub const MAX_TOPOLOGY_LAYERS: usize = 100_000;

/// Longest layer name kept in messages and reports, in characters.
const MAX_NAME_CHARS: usize = 200;

/// One layer of a topology file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopologyLayer {
    /// Layer name.
    pub name: String,
    /// Its GEMM.
    pub shape: GemmShape,
    /// Whether a sparsity field was present (and ignored).
    pub sparsity_ignored: bool,
}

/// Reads a SCALE-Sim GEMM topology CSV: `(name, GemmShape)` per layer, in file order.
pub fn read_scalesim_csv(path: &Path) -> Result<Vec<(String, GemmShape)>, SimError> {
    Ok(read_layers(path)?
        .into_iter()
        .map(|l| (l.name, l.shape))
        .collect())
}

/// Reads a topology file with per-layer details.
pub fn read_layers(path: &Path) -> Result<Vec<TopologyLayer>, SimError> {
    let text = read_text(path, MAX_TEXT_BYTES).map_err(|e| SimError::Topology {
        path: path.display().to_string(),
        why: e.to_string(),
    })?;
    parse_scalesim_csv(&text).map_err(|why| SimError::Topology {
        path: path.display().to_string(),
        why,
    })
}

/// Parses topology text; errors name the line.
pub fn parse_scalesim_csv(text: &str) -> Result<Vec<TopologyLayer>, String> {
    let mut layers = vec![];
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines
        .next()
        .ok_or("empty file: expected a header line and `name, M, N, K,` rows")?;
    if header
        .split(',')
        .nth(1)
        .is_some_and(|f| f.trim().parse::<u64>().is_ok())
    {
        return Err(
            "line 1: expected a header line (e.g. `Layer, M, N, K,`), found numbers".into(),
        );
    }
    for (i, line) in lines {
        let no = i + 1;
        if layers.len() == MAX_TOPOLOGY_LAYERS {
            return Err(format!(
                "line {no}: more than {MAX_TOPOLOGY_LAYERS} layers, the limit of a topology file"
            ));
        }
        let mut fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.last() == Some(&"") {
            fields.pop();
        }
        if !(4..=5).contains(&fields.len()) {
            return Err(format!("line {no}: expected `name, M, N, K,` (optionally a sparsity field), found {} fields", fields.len()));
        }
        let dim = |j: usize, what: &str| -> Result<u64, String> {
            let field = shown(fields[j]);
            match fields[j].parse::<u64>() {
                Ok(0) => Err(format!(
                    "line {no}: {what} = 0; expected a positive integer"
                )),
                Ok(v) if v > MAX_GEMM_DIM => Err(format!(
                    "line {no}: {what} = {v}, more than {MAX_GEMM_DIM}, the largest GEMM dimension"
                )),
                Ok(v) => Ok(v),
                Err(e) if *e.kind() == std::num::IntErrorKind::PosOverflow => Err(format!(
                    "line {no}: {what} = '{field}', more than {MAX_GEMM_DIM}, the largest GEMM dimension"
                )),
                Err(_) => Err(format!(
                    "line {no}: {what} = '{field}' is not a positive integer"
                )),
            }
        };
        let shape = GemmShape {
            m: dim(1, "M")?,
            n: dim(2, "N")?,
            k: dim(3, "K")?,
        };
        shape.validate().map_err(|e| format!("line {no}: {e}"))?;
        if fields[0].is_empty() {
            return Err(format!("line {no}: empty layer name"));
        }
        if fields[0].chars().count() > MAX_NAME_CHARS {
            return Err(format!(
                "line {no}: layer name '{}' is longer than {MAX_NAME_CHARS} characters",
                shown(fields[0])
            ));
        }
        layers.push(TopologyLayer {
            name: fields[0].to_string(),
            shape,
            sparsity_ignored: fields.len() == 5,
        });
    }
    if layers.is_empty() {
        return Err("no layers after the header".into());
    }
    Ok(layers)
}

/// A field as quoted in a message: at most 40 characters.
fn shown(field: &str) -> String {
    match field.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &field[..i]),
        None => field.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_scalesim_rows_with_trailing_commas() {
        let l =
            parse_scalesim_csv("Layer, M, N, K,\nffn_up, 512, 8640, 3200,\nqkv,1,9600,3200,2:4\n")
                .unwrap();
        assert_eq!(
            l[0].shape,
            GemmShape {
                m: 512,
                k: 3200,
                n: 8640
            }
        );
        assert_eq!((l[1].name.as_str(), l[1].sparsity_ignored), ("qkv", true));
    }

    #[test]
    fn bad_rows_name_their_line() {
        for (text, needle) in [
            ("Layer, M, N, K,\na, 1, 2,\n", "line 2"),
            ("Layer, M, N, K,\na, 1, 2, 3,\nb, 0, 2, 3,\n", "line 3"),
            ("Layer, M, N, K,\na, x, 2, 3,\n", "M = 'x'"),
            ("a, 1, 2, 3,\n", "header"),
            ("", "empty"),
            ("Layer, M, N, K,\n", "no layers"),
            (
                "Layer, M, N, K,\na, 0, 2, 3,\n",
                "M = 0; expected a positive",
            ),
            (
                "Layer, M, N, K,\na, 1, 1048577, 3,\n",
                "N = 1048577, more than 1048576",
            ),
            (
                "Layer, M, N, K,\na, 1, 2, 99999999999999999999999,\n",
                "K = '99999999999999999999999', more than 1048576",
            ),
            (
                "Layer, M, N, K,\na, -1, 2, 3,\n",
                "M = '-1' is not a positive integer",
            ),
        ] {
            let e = parse_scalesim_csv(text).unwrap_err();
            assert!(e.contains(needle), "{text:?}: {e}");
        }
    }
}
