//! SCALE-Sim GEMM topology files as workloads.
//!
//! Format (notes/peers.md): a header line, then `name, M, N, K,` per layer —
//! a trailing comma, and an optional fifth field (N:M sparsity) that this
//! simulator ignores (ternary zeros are counted from the weights instead).

use crate::error::SimError;
use crate::gemm::GemmShape;
use std::path::Path;

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
    let text = std::fs::read_to_string(path).map_err(|e| SimError::Topology {
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
        let mut fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.last() == Some(&"") {
            fields.pop();
        }
        if !(4..=5).contains(&fields.len()) {
            return Err(format!("line {no}: expected `name, M, N, K,` (optionally a sparsity field), found {} fields", fields.len()));
        }
        let dim = |j: usize, what: &str| -> Result<u64, String> {
            match fields[j].parse::<u64>() {
                Ok(v) if v > 0 => Ok(v),
                _ => Err(format!(
                    "line {no}: {what} = '{}' is not a positive integer",
                    fields[j]
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
        ] {
            let e = parse_scalesim_csv(text).unwrap_err();
            assert!(e.contains(needle), "{text:?}: {e}");
        }
    }
}
