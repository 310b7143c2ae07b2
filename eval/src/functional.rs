//! Functional checks of a design: operands — seeded random ones, or real
//! tensors quantized as the reference quantizes them — computed through the
//! array register by register and compared with the reference bit for bit.

use crate::error::EvalError;
use std::path::Path;
use tritone_reference::{
    quantize_activations_absmax, quantize_weights_absmean, read_matrix, Int8Range,
};
use tritone_sim::functional::{self, Fidelity, WeightMatrix};
use tritone_sim::gemm::GemmShape;
use tritone_sim::pe::FunctionalPe;
use tritone_sim::tile::schedule;
use tritone_sim::{ArrayConfig, PeKind, SimError};

/// Largest M·K·N a functional GEMM computes (it is a software GEMM).
pub const MAX_FUNCTIONAL_MACS: u64 = 1 << 30;

/// Largest M·K·N stepped register by register; beyond, each fold is
/// computed in the array's dataflow order (tested equal, far faster).
pub const MAX_STEPPED_MACS: u64 = 1 << 20;

/// The operands of one GEMM: X `[M, K]` and W `[N, K]` (the reference's layouts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operands {
    /// The GEMM.
    pub shape: GemmShape,
    /// Activations, row-major `[M, K]`.
    pub x: Vec<i8>,
    /// Weights, row-major `[N, K]`.
    pub w: Vec<i8>,
}

impl Operands {
    /// Seeded uniform operands for `pe` (INT8 activations; the kind's weights).
    pub fn random(pe: PeKind, shape: GemmShape, seed: u64) -> Operands {
        let (x, w) = functional::random_operands(pe, &shape, seed);
        Operands { shape, x, w }
    }

    /// Real operands: the tensor `weight` `[N, K]` of the safetensors file
    /// `weight` quantized to ternary (absmean) and the tensor `input` `[M, K]`
    /// of `input` quantized to INT8 (absmax), as `tritone reference
    /// bitlinear` does.
    pub fn from_safetensors(weight: &Path, input: &Path) -> Result<Operands, EvalError> {
        let read = |path: &Path, name: &str, flag: &str| {
            read_matrix(path, name).map_err(|e| {
                EvalError::Operands(format!("reading --{flag} {}: {e}", path.display()))
            })
        };
        let w = read(weight, "weight", "weight")?;
        let x = read(input, "input", "input")?;
        if w.cols() != x.cols() {
            return Err(EvalError::Operands(format!(
                "weight is [{}, {}] but input is [{}, {}]: K must match",
                w.rows(),
                w.cols(),
                x.rows(),
                x.cols()
            )));
        }
        Ok(Operands {
            shape: GemmShape {
                m: x.rows() as u64,
                k: x.cols() as u64,
                n: w.rows() as u64,
            },
            x: quantize_activations_absmax(&x, Int8Range::Full).q,
            w: quantize_weights_absmean(&w)
                .trits
                .iter()
                .map(|t| t.to_i8())
                .collect(),
        })
    }

    /// Zero weights in W.
    pub fn zero_weights(&self) -> u64 {
        self.w.iter().filter(|&&v| v == 0).count() as u64
    }
}

/// The functional model of `cfg`'s PE, or why there is none.
fn functional_pe(cfg: &ArrayConfig) -> Result<&'static dyn FunctionalPe, EvalError> {
    cfg.pe().implementation().functional().ok_or_else(|| {
        EvalError::Sim(SimError::Functional(format!(
            "the {} PE has timing and energy only, no functional model",
            cfg.pe().name()
        )))
    })
}

/// A functional GEMM's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GemmCheck {
    /// Whether the array's Y equals the reference's bit for bit.
    pub bit_exact: bool,
    /// Zero weights in W (their products are skipped by a ternary array).
    pub zero_weights: u64,
}

/// Computes `ops` through the array of `cfg` and compares with the reference.
pub fn check_gemm(cfg: &ArrayConfig, ops: &Operands) -> Result<GemmCheck, EvalError> {
    let pe = functional_pe(cfg)?;
    let s = ops.shape;
    s.validate()?;
    if s.macs() > MAX_FUNCTIONAL_MACS {
        return Err(EvalError::Operands(format!(
            "functional mode computes M·K·N = {} products, more than {MAX_FUNCTIONAL_MACS}",
            s.macs()
        )));
    }
    let fidelity = if s.macs() <= MAX_STEPPED_MACS {
        Fidelity::Registers
    } else {
        Fidelity::Dataflow
    };
    let got = functional::gemm(cfg, &s, &ops.x, WeightMatrix::Int8(&ops.w), fidelity)?;
    let reference = pe.reference(&ops.x, &ops.w, s.m as usize, s.k as usize, s.n as usize);
    Ok(GemmCheck {
        bit_exact: got.y == reference,
        zero_weights: got.zero_weights,
    })
}

/// A functional tile's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TileCheck {
    /// Cycles of the register stepping, first weight beat to last output.
    pub stepped_cycles: u64,
    /// Cycles of the tile contract (`tile::schedule`).
    pub contract_cycles: u64,
    /// Whether the outputs equal the reference's.
    pub bit_exact: bool,
}

impl TileCheck {
    /// Values and timing both agree.
    pub fn passed(&self) -> bool {
        self.bit_exact && self.stepped_cycles == self.contract_cycles
    }
}

/// Steps one full tile of `tokens` seeded random tokens through the array's
/// registers and checks its values and its cycle count.
pub fn check_tile(cfg: &ArrayConfig, tokens: u64, seed: u64) -> Result<TileCheck, EvalError> {
    let pe = functional_pe(cfg)?;
    let (r, c) = (cfg.rows() as usize, cfg.cols() as usize);
    let shape = GemmShape {
        m: tokens,
        k: r as u64,
        n: c as u64,
    };
    shape.validate()?;
    let ops = Operands::random(cfg.pe(), shape, seed);
    // The reference's W is [N, K]; the tile holds it as [row = k][col = n].
    let wt: Vec<i8> = (0..r)
        .flat_map(|k| (0..c).map(move |n| (k, n)))
        .map(|(k, n)| ops.w[n * r + k])
        .collect();
    let run = functional::run_tile(cfg, &wt, r, c, &ops.x)?;
    Ok(TileCheck {
        stepped_cycles: run.cycles,
        contract_cycles: schedule(cfg, &[tokens]).total_cycles(),
        bit_exact: run.y == pe.reference(&ops.x, &ops.w, tokens as usize, r, c),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tritone_sim::ArraySpec;

    fn cfg(pe: PeKind) -> ArrayConfig {
        ArrayConfig::new(ArraySpec {
            rows: Some(6),
            cols: Some(5),
            pe: Some(pe),
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn random_gemms_and_tiles_pass_on_every_functional_kind() {
        for &pe in PeKind::ALL {
            let c = cfg(pe);
            let ops = Operands::random(pe, GemmShape { m: 4, k: 13, n: 11 }, 3);
            match pe.functional() {
                Some(_) => {
                    let g = check_gemm(&c, &ops).unwrap();
                    assert!(g.bit_exact, "{pe}");
                    assert_eq!(g.zero_weights, ops.zero_weights());
                    assert!(check_tile(&c, 7, 5).unwrap().passed(), "{pe}");
                }
                None => {
                    let e = check_gemm(&c, &ops).unwrap_err().to_string();
                    assert!(e.contains("no functional model"), "{e}");
                }
            }
        }
    }

    #[test]
    fn bad_operands_are_refused() {
        let c = cfg(PeKind::Ternary);
        // INT8 weights on a ternary array.
        let ops = Operands::random(PeKind::MacInt8, GemmShape { m: 2, k: 3, n: 4 }, 1);
        assert!(check_gemm(&c, &ops).is_err());
        let huge = Operands {
            shape: GemmShape {
                m: 1 << 11,
                k: 1 << 10,
                n: 1 << 10,
            },
            x: vec![],
            w: vec![],
        };
        let e = check_gemm(&c, &huge).unwrap_err().to_string();
        assert!(e.contains("more than"), "{e}");
        let e = Operands::from_safetensors(Path::new("no/w.safetensors"), Path::new("x"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("--weight no/w.safetensors"), "{e}");
    }
}
