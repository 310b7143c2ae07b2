//! GEMM level: `Y[M×N] = X[M×K] · W[K×N]` on the engine — the array with its
//! buffers, sequencer and streams ([`crate::engine`]) — timed fold by fold,
//! with the transfers of both streams and their stalls, and the activity the
//! energy model prices.
//!
//! Mapping (SCALE-Sim's WS): K on array rows, N on columns, M streamed; loop
//! order M-chunk → N-block → K-block; the chunk size, activation feed and
//! weight residency follow the engine's closed-form rule
//! ([`crate::engine::program`]). K-blocks of one N-block accumulate in an
//! output bank (read-modify-write of 32-bit partial sums). See
//! `docs/simulator.md` and `docs/engine.md`.

use crate::config::{ArrayConfig, PeKind, WeightPacking};
use crate::engine::program::Program;
use crate::engine::{self, Geometry};
use crate::error::{check_dim, SimError};
use serde::Serialize;
use tritone_energy::{Action, ActionCounts, FpFormat};

pub use crate::engine::program::{ActivationFeed, Mapping};

/// Largest M, K or N accepted (keeps every count far from u64 overflow).
pub const MAX_GEMM_DIM: u64 = 1 << 20;

/// Largest number of fold passes (weight tiles × M-chunks) one GEMM may need.
pub const MAX_FOLD_PASSES: u64 = 1 << 30;

/// Width of an output-buffer partial sum and of a GEMM output word: the full
/// K-reduction of the reference (`i32`) and the FP32 accumulator of the FP16 baseline.
pub const OUT_ACC_BITS: u32 = 32;

/// Default fraction of zero ternary weights: "about a third zeros" in trained
/// BitNet b1.58 models (notes/bitnet-models.md, Sparsity; FAQ of "The Era of 1-bit LLMs").
pub const DEFAULT_ZERO_FRACTION: f64 = 1.0 / 3.0;

/// The GEMM `Y[M×N] = X[M×K] · W[K×N]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct GemmShape {
    /// Tokens (rows of X and Y).
    pub m: u64,
    /// Reduction dimension (input features).
    pub k: u64,
    /// Output features.
    pub n: u64,
}

impl GemmShape {
    /// Checks every dimension lies in `1..=MAX_GEMM_DIM`.
    pub fn validate(&self) -> Result<(), SimError> {
        check_dim("GEMM M", self.m, MAX_GEMM_DIM)?;
        check_dim("GEMM K", self.k, MAX_GEMM_DIM)?;
        check_dim("GEMM N", self.n, MAX_GEMM_DIM)?;
        Ok(())
    }

    /// Useful multiply-accumulates `M·K·N`.
    pub fn macs(&self) -> u64 {
        self.m * self.k * self.n
    }
}

/// How many ternary weights are zero (their products are skipped).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub enum ZeroWeights {
    /// A fraction of the K·N weights (rounded to whole weights).
    Fraction(f64),
    /// The exact count of zero weights in W (functional mode).
    Count(u64),
}

/// Where X comes from and Y goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum OperandHome {
    /// X is read from DRAM and Y written to DRAM (a standalone GEMM: what the
    /// RTL engine runs).
    Dram,
    /// X and Y stay on chip when they fit their buffers (inside a model,
    /// between vector-unit operators); otherwise they cross DRAM.
    OnChipIfFits,
}

/// Options of one GEMM simulation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct GemmOptions {
    /// Zero ternary weights.
    pub zero_weights: ZeroWeights,
    /// Where the operands live.
    pub operands: OperandHome,
}

impl Default for GemmOptions {
    fn default() -> Self {
        GemmOptions {
            zero_weights: ZeroWeights::Fraction(DEFAULT_ZERO_FRACTION),
            operands: OperandHome::Dram,
        }
    }
}

/// Bits read from and written to one on-chip buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BufferTraffic {
    /// Bits read.
    pub read_bits: u64,
    /// Bits written.
    pub write_bits: u64,
}

/// SRAM traffic per buffer: what the RTL engine's activity counters count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BufferActivity {
    /// Weight buffer: written from the input stream, read into the array.
    pub weight: BufferTraffic,
    /// Activation buffer: written from the input stream, read by the array.
    pub act: BufferTraffic,
    /// Output banks: accumulated into, read back, drained to the output stream.
    pub out: BufferTraffic,
}

/// Timing, traffic and activity of one GEMM.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GemmStats {
    /// The GEMM.
    pub shape: GemmShape,
    /// The mapping used.
    pub mapping: Mapping,
    /// Total cycles, start to done (last result beat moved).
    pub cycles: u64,
    /// `cycles − compute_cycles`: waiting for the streams, plus the engine's
    /// fixed start-up and result pipeline.
    pub stall_cycles: u64,
    /// Cycles of the array's own schedule with operands always ready (the
    /// tile contract alone).
    pub compute_cycles: u64,
    /// Useful MACs / (R·C·cycles).
    pub utilization: f64,
    /// Fraction of PE slots of the folds that hold real weights.
    pub mapping_utilization: f64,
    /// Distinct weight tiles ⌈K/R⌉·⌈N/C⌉.
    pub folds: u64,
    /// Folds executed (tiles × M-chunks).
    pub fold_passes: u64,
    /// Useful multiply-accumulates M·K·N.
    pub macs: u64,
    /// Bytes read from on-chip SRAM.
    pub sram_read_bytes: u64,
    /// Bytes written to on-chip SRAM.
    pub sram_write_bytes: u64,
    /// SRAM bits per buffer.
    pub buffers: BufferActivity,
    /// Bytes read from DRAM (input-stream beats × stream width).
    pub dram_read_bytes: u64,
    /// Bytes written to DRAM (output-stream beats × stream width).
    pub dram_write_bytes: u64,
    /// Of the DRAM reads, the weight bytes.
    pub weight_dram_bytes: u64,
    /// PE operations that add: ternary, products with a nonzero weight; MAC
    /// PEs, every pass (the engine's `ADDS` counter).
    pub pe_adds: u64,
    /// PE passes that skip: a zero or padding weight (the engine's `SKIPS`).
    pub pe_skips: u64,
    /// Partial sums added in the output banks, one per column per token of
    /// every K-block after the first (the engine's `ACC_ADDS`).
    pub partial_sum_adds: u64,
    /// Actions for the energy model.
    #[serde(serialize_with = "crate::serde_actions::as_list")]
    pub actions: ActionCounts,
}

/// DRAM bytes of `weights` weights of `pe`'s kind, packed as `packing`
/// (the footprint of a model's weights).
pub fn weight_dram_bytes(pe: PeKind, packing: WeightPacking, weights: u64) -> u64 {
    match (pe, packing) {
        (PeKind::Ternary, WeightPacking::TwoBit) => weights.div_ceil(4),
        (PeKind::Ternary, WeightPacking::FiveTritsPerByte) => weights.div_ceil(5),
        (PeKind::MacInt8, _) => weights,
        (PeKind::MacFp16, _) => weights * 2,
    }
}

/// The mapping of `shape` on `cfg` (the engine's rule, [`crate::engine::program`]).
pub fn mapping(
    cfg: &ArrayConfig,
    shape: &GemmShape,
    opts: &GemmOptions,
) -> Result<Mapping, SimError> {
    let g = Geometry::of(cfg)?;
    let map = Mapping::of(&g, shape, opts.operands)?;
    let passes = map.folds().saturating_mul(map.chunks);
    if passes > MAX_FOLD_PASSES {
        return Err(SimError::Dimension {
            what: "GEMM fold passes".into(),
            value: passes,
            why: format!(
                "M={} K={} N={} needs more than {MAX_FOLD_PASSES} folds on a {}×{} array",
                shape.m,
                shape.k,
                shape.n,
                cfg.rows(),
                cfg.cols()
            ),
        });
    }
    Ok(map)
}

/// Simulates one GEMM on the engine.
pub fn simulate_gemm(
    cfg: &ArrayConfig,
    shape: &GemmShape,
    opts: &GemmOptions,
) -> Result<GemmStats, SimError> {
    simulate_gemm_stepwise(cfg, shape, opts)
}

/// [`simulate_gemm`] stepping every transfer and fold ([`engine::spec`]):
/// the reference the fast model is tested against.
pub fn simulate_gemm_stepwise(
    cfg: &ArrayConfig,
    shape: &GemmShape,
    opts: &GemmOptions,
) -> Result<GemmStats, SimError> {
    let g = Geometry::of(cfg)?;
    let map = mapping(cfg, shape, opts)?;
    let program = Program {
        geometry: &g,
        shape: *shape,
        mapping: map,
    };
    let timing = engine::spec::run(cfg, &program, None)?;
    gemm_stats(cfg, &g, shape, opts, &map, &timing)
}

/// The GEMM's statistics from its timing and the closed-form activity.
fn gemm_stats(
    cfg: &ArrayConfig,
    g: &Geometry,
    shape: &GemmShape,
    opts: &GemmOptions,
    map: &Mapping,
    t: &engine::spec::EngineTiming,
) -> Result<GemmStats, SimError> {
    let zeros = zero_weight_count(cfg, shape, opts)?;
    let (r, c) = (cfg.rows() as u64, cfg.cols() as u64);
    let folds = map.folds();
    let d = g.stream_bytes;
    let buffers = buffer_activity(g, shape, map, t);
    // Every fold pass streams its chunk's tokens through all R·C PEs: M
    // tokens per tile over the chunks.
    let passes = shape.m * folds * r * c;
    let pe_adds = if cfg.pe() == PeKind::Ternary {
        shape.m * (shape.k * shape.n - zeros)
    } else {
        passes
    };
    let partial_sum_adds = shape.m * map.n_blocks * c * (map.k_blocks - 1);
    let dram_bytes = (t.in_beats + t.out_beats) * d;
    let actions = gemm_actions(cfg, shape, map, pe_adds, partial_sum_adds, &buffers, dram_bytes);
    let sram = |f: fn(&BufferTraffic) -> u64| {
        (f(&buffers.weight) + f(&buffers.act) + f(&buffers.out)).div_ceil(8)
    };
    Ok(GemmStats {
        shape: *shape,
        mapping: *map,
        cycles: t.cycles,
        stall_cycles: t.cycles - t.compute_cycles,
        compute_cycles: t.compute_cycles,
        utilization: shape.macs() as f64 / (r * c * t.cycles) as f64,
        mapping_utilization: (shape.k * shape.n) as f64 / (folds * r * c) as f64,
        folds,
        fold_passes: folds * map.chunks,
        macs: shape.macs(),
        sram_read_bytes: sram(|b| b.read_bits),
        sram_write_bytes: sram(|b| b.write_bits),
        buffers,
        dram_read_bytes: t.in_beats * d,
        dram_write_bytes: t.out_beats * d,
        weight_dram_bytes: t.weight_beats * d,
        pe_adds,
        pe_skips: passes - pe_adds,
        partial_sum_adds,
        actions,
    })
}

/// Zero weights in W: the exact count, or the fraction rounded to whole weights.
fn zero_weight_count(
    cfg: &ArrayConfig,
    shape: &GemmShape,
    opts: &GemmOptions,
) -> Result<u64, SimError> {
    let weights = shape.k * shape.n;
    if cfg.pe() != PeKind::Ternary {
        return Ok(0);
    }
    match opts.zero_weights {
        ZeroWeights::Fraction(p) if (0.0..=1.0).contains(&p) => {
            Ok((weights as f64 * p).round() as u64)
        }
        ZeroWeights::Fraction(p) => Err(SimError::Option {
            what: "zero-weight fraction",
            value: p.to_string(),
            why: "must lie in [0, 1]".into(),
        }),
        ZeroWeights::Count(z) if z <= weights => Ok(z),
        ZeroWeights::Count(z) => Err(SimError::Option {
            what: "zero-weight count",
            value: z.to_string(),
            why: format!("W has only {weights} weights"),
        }),
    }
}

/// SRAM bits per buffer, as the engine moves them (`docs/engine.md`, "Activity").
fn buffer_activity(
    g: &Geometry,
    shape: &GemmShape,
    map: &Mapping,
    t: &engine::spec::EngineTiming,
) -> BufferActivity {
    let (m, d8) = (shape.m, g.stream_bytes * 8);
    let passes = map.folds() * map.chunks;
    let x_in = t.in_beats - t.weight_beats;
    let out_word = g.out_token_bytes * 8;
    let tokens_folds = m * map.folds();
    BufferActivity {
        weight: BufferTraffic {
            // Every weight beat streamed is written; every load reads its tile.
            write_bits: t.weight_beats * d8,
            read_bits: passes * g.weight_reads * g.weight_word_bytes * 8,
        },
        act: BufferTraffic {
            // On chip, X was written by the operator that produced it.
            write_bits: if map.activations == ActivationFeed::OnChip {
                m * map.k_blocks * g.slice_bytes * 8
            } else {
                x_in * d8
            },
            read_bits: tokens_folds * g.slice_bytes * 8,
        },
        out: BufferTraffic {
            // Every token of every fold writes its sums; later K-blocks read
            // the partial sums first; results are read out once.
            write_bits: tokens_folds * out_word,
            read_bits: m * map.n_blocks * (map.k_blocks - 1) * out_word
                + if map.outputs_to_dram {
                    t.out_beats * d8
                } else {
                    m * map.n_blocks * out_word
                },
        },
    }
}

/// Action counts of the whole GEMM (closed form over the fold passes).
fn gemm_actions(
    cfg: &ArrayConfig,
    shape: &GemmShape,
    map: &Mapping,
    pe_adds: u64,
    partial_sum_adds: u64,
    buffers: &BufferActivity,
    dram_bytes: u64,
) -> ActionCounts {
    let mut a = ActionCounts::new();
    let (r, c) = (cfg.rows() as u64, cfg.cols() as u64);
    let pe = cfg.pe();
    let (act, accb) = (pe.act_bits() as u64, cfg.acc_bits() as u64);
    let folds = map.folds();
    let passes = shape.m * folds * r * c;
    match pe {
        PeKind::Ternary => {
            a.add(
                Action::IntAdd {
                    bits: cfg.acc_bits(),
                },
                pe_adds,
            );
            // Zero weights and the zero padding of edge tiles pass the sum through.
            a.add(Action::SkippedProduct, passes - pe_adds);
        }
        PeKind::MacInt8 => {
            a.add(Action::IntMul { bits: 8 }, passes);
            a.add(
                Action::IntAdd {
                    bits: cfg.acc_bits(),
                },
                passes,
            );
        }
        PeKind::MacFp16 => {
            a.add(
                Action::FpMul {
                    format: FpFormat::Fp16,
                },
                passes,
            );
            a.add(
                Action::FpAdd {
                    format: FpFormat::Fp32,
                },
                passes,
            );
        }
    }
    // Output-bank accumulation between K-blocks (all C columns of a block).
    let rmw = partial_sum_adds;
    match pe {
        PeKind::MacFp16 => a.add(
            Action::FpAdd {
                format: FpFormat::Fp32,
            },
            rmw,
        ),
        _ => a.add(Action::IntAdd { bits: OUT_ACC_BITS }, rmw),
    }
    // Registers per token per fold: each PE's activation and partial-sum
    // register, the input skew (row i delays by i) and output deskew (column j
    // by C−1−j) chains plus the output register; per load, the weight registers.
    let per_token = r * c * (act + accb) + act * r * (r - 1) / 2 + accb * (c * (c - 1) / 2 + c);
    let loads = folds * map.chunks;
    a.add(
        Action::RegBit,
        shape.m * folds * per_token + loads * r * c * pe.weight_bits() as u64,
    );
    let b = cfg.buffers();
    for (kib, t) in [
        (b.weight_kib, buffers.weight),
        (b.act_kib, buffers.act),
        (b.out_kib, buffers.out),
    ] {
        a.add(Action::SramReadBit { kib }, t.read_bits);
        a.add(Action::SramWriteBit { kib }, t.write_bits);
    }
    a.add(
        Action::DramBit {
            kind: cfg.dram().kind,
        },
        dram_bytes * 8,
    );
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder() {}
}
