//! GEMM level: `Y[M×N] = X[M×K] · W[K×N]` mapped weight-stationary onto the
//! array and timed fold by fold with the tile contract, DRAM traffic and stalls.
//!
//! Mapping (SCALE-Sim's WS): K on array rows, N on columns, M streamed.
//! Loop order, outermost first: M-chunk → N-block → K-block. A chunk is as many
//! tokens as the output buffer (one N-block of 32-bit partial sums per token)
//! and the activation buffer can hold: either the chunk's full K rows, reused
//! by every N-block, or only each fold's R-row slice, re-read from DRAM per
//! N-block ([`ActivationFeed`]); both are timed and the faster kept. K-blocks of one N-block accumulate in the output buffer
//! (read-modify-write of 32-bit partial sums). See `docs/simulator.md`.

use crate::config::{ArrayConfig, PeKind, WeightPacking};
use crate::dram::DramRate;
use crate::error::{check_dim, SimError};
use crate::fold::FoldTimer;
use crate::fold_run::{self, FoldPlan, FoldTotals};
use crate::pe::PassWork;
use serde::Serialize;
use std::collections::VecDeque;
use tritone_energy::{Action, ActionCounts};

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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum OperandHome {
    /// X is read from DRAM and Y written to DRAM (a standalone GEMM).
    Dram,
    /// X and Y stay on chip when they fit their buffers (inside a model,
    /// between vector-unit operators); otherwise they cross DRAM once.
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

/// How activations reach the array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActivationFeed {
    /// All of X stays in the activation buffer (no DRAM traffic).
    OnChip,
    /// Each M-chunk's K rows are read from DRAM once, reused by every N-block.
    PerChunk,
    /// One token's K row does not fit: each fold's X slice is read from DRAM.
    PerFold,
}

/// The mapping chosen for a GEMM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Mapping {
    /// K-blocks ⌈K/R⌉.
    pub k_blocks: u64,
    /// N-blocks ⌈N/C⌉.
    pub n_blocks: u64,
    /// Tokens per M-chunk (the last may be fewer).
    pub chunk_tokens: u64,
    /// M-chunks ⌈M / chunk_tokens⌉.
    pub chunks: u64,
    /// How X is fed.
    pub activations: ActivationFeed,
    /// Whether Y is written to DRAM.
    pub outputs_to_dram: bool,
    /// Whether all of W fits the weight buffer (fetched from DRAM once).
    pub weights_resident: bool,
    /// Weight tiles the weight buffer holds.
    pub weight_slots: u64,
}

/// Timing, traffic and activity of one GEMM.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GemmStats {
    /// The GEMM.
    pub shape: GemmShape,
    /// The mapping used.
    pub mapping: Mapping,
    /// Total cycles, first weight beat to last output (and last DRAM write).
    pub cycles: u64,
    /// Cycles the array waited for DRAM: `cycles − compute_cycles`.
    pub stall_cycles: u64,
    /// Cycles with infinitely fast DRAM (the tile contract alone).
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
    /// Bytes read from DRAM.
    pub dram_read_bytes: u64,
    /// Bytes written to DRAM.
    pub dram_write_bytes: u64,
    /// Of the DRAM reads, the weight bytes.
    pub weight_dram_bytes: u64,
    /// Actions for the energy model.
    #[serde(serialize_with = "crate::serde_actions::as_list")]
    pub actions: ActionCounts,
}

/// DRAM bytes of `weights` weights of `pe`'s kind, packed as `packing`
/// (tiles are packed independently, so a partial byte is rounded up).
pub fn weight_dram_bytes(pe: PeKind, packing: WeightPacking, weights: u64) -> u64 {
    pe.dram_weight_bytes(packing, weights)
}

/// The mappings of `shape` on `cfg` worth timing (see the module doc for the
/// loop order): all of X on chip when it may stay there, else feeding it per
/// chunk (when one token's K row fits) and per fold.
pub fn candidates(
    cfg: &ArrayConfig,
    shape: &GemmShape,
    opts: &GemmOptions,
) -> Result<Vec<Mapping>, SimError> {
    shape.validate()?;
    let (r, c) = (cfg.rows() as u64, cfg.cols() as u64);
    let bufs = cfg.buffers();
    let act_bits = cfg.pe().act_bits() as u64;
    let (k_blocks, n_blocks) = (shape.k.div_ceil(r), shape.n.div_ceil(c));
    let out_cap = bufs.out_kib as u64 * 8192;
    let act_cap = bufs.act_kib as u64 * 8192;
    let m_out = out_cap / (c * OUT_ACC_BITS as u64);
    if m_out == 0 {
        return Err(SimError::Buffer {
            buffer: "output",
            why: format!(
                "{} KiB cannot hold one token's {c} 32-bit partial sums ({} bytes)",
                bufs.out_kib,
                c * 4
            ),
        });
    }
    let slot_bits = r * c * cfg.pe().weight_bits() as u64;
    let weight_slots = bufs.weight_kib as u64 * 8192 / slot_bits;
    let y_fits = shape.m * shape.n * OUT_ACC_BITS as u64 <= out_cap;
    let folds = k_blocks * n_blocks;
    let mapping = |activations: ActivationFeed, m_act: u64| {
        let chunk_tokens = shape.m.min(m_out).min(m_act).max(1);
        Mapping {
            k_blocks,
            n_blocks,
            chunk_tokens,
            chunks: shape.m.div_ceil(chunk_tokens),
            activations,
            outputs_to_dram: !(y_fits && opts.operands == OperandHome::OnChipIfFits),
            weights_resident: folds <= weight_slots,
            weight_slots,
        }
    };
    let mut maps = vec![];
    if shape.m * shape.k * act_bits <= act_cap && opts.operands == OperandHome::OnChipIfFits {
        maps.push(mapping(ActivationFeed::OnChip, shape.m));
    } else {
        if shape.k * act_bits <= act_cap {
            maps.push(mapping(
                ActivationFeed::PerChunk,
                act_cap / (shape.k * act_bits),
            ));
        }
        // Validated in ArrayConfig: the buffer holds at least one R-row slice.
        maps.push(mapping(ActivationFeed::PerFold, act_cap / (r * act_bits)));
    }
    let fewest = maps
        .iter()
        .map(|m| folds.saturating_mul(m.chunks))
        .min()
        .unwrap_or(0);
    if fewest > MAX_FOLD_PASSES {
        return Err(SimError::Dimension {
            what: "GEMM fold passes".into(),
            value: fewest,
            why: format!("{shape:?} needs more than {MAX_FOLD_PASSES} folds on a {r}×{c} array"),
        });
    }
    maps.retain(|m| folds.saturating_mul(m.chunks) <= MAX_FOLD_PASSES);
    Ok(maps)
}

/// Simulates one GEMM on the array: every candidate mapping is timed and the
/// fastest kept (ties: fewer DRAM bytes, then the first candidate).
pub fn simulate_gemm(
    cfg: &ArrayConfig,
    shape: &GemmShape,
    opts: &GemmOptions,
) -> Result<GemmStats, SimError> {
    fastest_mapping(cfg, shape, opts, simulate_mapping)
}

/// Times every candidate mapping with `time` and keeps the fastest (ties:
/// fewer DRAM bytes, then the first candidate).
fn fastest_mapping(
    cfg: &ArrayConfig,
    shape: &GemmShape,
    opts: &GemmOptions,
    time: fn(&ArrayConfig, &GemmShape, &GemmOptions, &Mapping) -> Result<GemmStats, SimError>,
) -> Result<GemmStats, SimError> {
    let mut best: Option<GemmStats> = None;
    for map in candidates(cfg, shape, opts)? {
        let s = time(cfg, shape, opts, &map)?;
        if best.as_ref().is_none_or(|b| faster(&s, b)) {
            best = Some(s);
        }
    }
    Ok(best.expect("there is always at least one candidate mapping"))
}

/// Whether mapping result `a` beats `b`: fewer cycles, then fewer DRAM
/// bytes (on a full tie the earlier candidate is kept).
pub fn faster(a: &GemmStats, b: &GemmStats) -> bool {
    let key = |s: &GemmStats| (s.cycles, s.dram_read_bytes + s.dram_write_bytes);
    key(a) < key(b)
}

/// Simulates one GEMM with the given mapping (one of [`candidates`]).
///
/// Timing: fold passes are timed by [`FoldTimer`] (the tile contract) with
/// the DRAM constraints of the module doc; a run of identical folds is timed
/// until its state repeats up to a per-coordinate shift and the proven cycle
/// is then jumped over (`docs/simulator.md`, "GEMM: the cycle jump"). The
/// result is bit for bit that of [`simulate_mapping_stepwise`], in time that
/// grows with the runs of identical folds, not with the folds.
pub fn simulate_mapping(
    cfg: &ArrayConfig,
    shape: &GemmShape,
    opts: &GemmOptions,
    map: &Mapping,
) -> Result<GemmStats, SimError> {
    let totals = fold_run::run(cfg, &fold_plan(cfg, shape, map)?, true);
    gemm_stats(cfg, shape, opts, map, &totals)
}

/// The fold loop's parameters of `map`.
fn fold_plan(cfg: &ArrayConfig, shape: &GemmShape, map: &Mapping) -> Result<FoldPlan, SimError> {
    let rate = DramRate::of(cfg)?;
    let (r, c) = (cfg.rows() as u64, cfg.cols() as u64);
    Ok(FoldPlan {
        m: shape.m,
        k: shape.k,
        k_blocks: map.k_blocks,
        n_blocks: map.n_blocks,
        chunks: map.chunks,
        chunk_tokens: map.chunk_tokens,
        r,
        c,
        r_last: shape.k - (map.k_blocks - 1) * r,
        c_last: shape.n - (map.n_blocks - 1) * c,
        act_bytes: cfg.pe().act_bits() as u64 / 8,
        x_per_chunk: map.activations == ActivationFeed::PerChunk,
        x_per_fold: map.activations == ActivationFeed::PerFold,
        weights_resident: map.weights_resident,
        weight_slots: map.weight_slots,
        outputs_to_dram: map.outputs_to_dram,
        out_word_bytes: OUT_ACC_BITS as u64 / 8,
        w_bytes: |cfg, re, ce| weight_dram_bytes(cfg.pe(), cfg.weight_packing(), re * ce),
        rate,
    })
}

/// [`simulate_mapping`] stepping every fold pass one after another: the
/// reference the cycle jump is tested against (O(folds × chunks)).
pub fn simulate_mapping_stepwise(
    cfg: &ArrayConfig,
    shape: &GemmShape,
    opts: &GemmOptions,
    map: &Mapping,
) -> Result<GemmStats, SimError> {
    let totals = time_folds_stepwise(cfg, shape, map)?;
    gemm_stats(cfg, shape, opts, map, &totals)
}

/// [`simulate_gemm`] with every candidate timed by [`simulate_mapping_stepwise`].
pub fn simulate_gemm_stepwise(
    cfg: &ArrayConfig,
    shape: &GemmShape,
    opts: &GemmOptions,
) -> Result<GemmStats, SimError> {
    fastest_mapping(cfg, shape, opts, simulate_mapping_stepwise)
}

/// The fold loop, one fold pass at a time.
fn time_folds_stepwise(
    cfg: &ArrayConfig,
    shape: &GemmShape,
    map: &Mapping,
) -> Result<FoldTotals, SimError> {
    let map = *map;
    let rate = DramRate::of(cfg)?;
    let r = cfg.rows() as u64;
    let c = cfg.cols() as u64;
    let pe = cfg.pe();
    let act_bytes = pe.act_bits() as u64 / 8;
    let r_last = shape.k - (map.k_blocks - 1) * r;
    let c_last = shape.n - (map.n_blocks - 1) * c;
    let w_bytes = |re: u64, ce: u64| weight_dram_bytes(pe, cfg.weight_packing(), re * ce);

    let mut timer = FoldTimer::new(cfg);
    let mut ideal = FoldTimer::new(cfg);
    let beats = timer.beats();
    // DRAM: one channel serving reads (X, W) in program order; posted writes
    // (Y) take their bandwidth out of the total but never block a read.
    let mut channel_free = 0u64;
    let mut read_cycles = 0u64;
    let mut write_cycles = 0u64;
    let mut last_write = 0u64;
    let mut slot_free: VecDeque<u64> = VecDeque::new();
    let (mut dram_read, mut dram_write, mut weight_dram) = (0u64, 0u64, 0u64);
    let mut prev_chunk_end = 0u64;
    for chunk in 0..map.chunks {
        let mc = if chunk + 1 == map.chunks {
            shape.m - chunk * map.chunk_tokens
        } else {
            map.chunk_tokens
        };
        let mut x_ready = 0;
        if map.activations == ActivationFeed::PerChunk {
            // The single chunk buffer is free once the previous chunk's last token is in.
            let bytes = mc * shape.k * act_bytes;
            let d = rate.cycles(bytes);
            let start = channel_free.max(prev_chunk_end);
            channel_free = start + d;
            read_cycles += d;
            dram_read += bytes;
            x_ready = channel_free;
        }
        let fetch_weights = chunk == 0 || !map.weights_resident;
        for nb in 0..map.n_blocks {
            let ce = if nb + 1 == map.n_blocks { c_last } else { c };
            for kb in 0..map.k_blocks {
                let re = if kb + 1 == map.k_blocks { r_last } else { r };
                let mut bytes = 0;
                if fetch_weights {
                    let wb = w_bytes(re, ce);
                    weight_dram += wb;
                    bytes += wb;
                }
                if map.activations == ActivationFeed::PerFold {
                    bytes += mc * re * act_bytes;
                }
                let mut weights_ready = 0;
                if bytes > 0 {
                    let d = rate.cycles(bytes);
                    let mut start = channel_free;
                    if fetch_weights && slot_free.len() as u64 >= map.weight_slots {
                        start = start.max(slot_free.pop_front().unwrap_or(0));
                    }
                    channel_free = start + d;
                    read_cycles += d;
                    dram_read += bytes;
                    weights_ready = channel_free;
                }
                let f = timer.push(mc, weights_ready, x_ready);
                ideal.push(mc, 0, 0);
                if fetch_weights {
                    slot_free.push_back(f.load_start + beats);
                }
                prev_chunk_end = f.last_accept + 1;
            }
            if map.outputs_to_dram {
                let bytes = mc * ce * (OUT_ACC_BITS as u64 / 8);
                dram_write += bytes;
                last_write = rate.cycles(bytes);
                write_cycles += last_write;
            }
        }
    }
    Ok(FoldTotals {
        array_cycles: timer.total_cycles(),
        compute_cycles: ideal.total_cycles(),
        last_write,
        read_cycles,
        write_cycles,
        dram_read,
        dram_write,
        weight_dram,
        stepped: map.chunks * map.k_blocks * map.n_blocks,
        jumped: [0; 3],
    })
}

/// The GEMM's statistics from its fold loop's totals.
fn gemm_stats(
    cfg: &ArrayConfig,
    shape: &GemmShape,
    opts: &GemmOptions,
    map: &Mapping,
    t: &FoldTotals,
) -> Result<GemmStats, SimError> {
    let map = *map;
    let zeros = zero_weight_count(cfg, shape, opts)?;
    let (r, c) = (cfg.rows() as u64, cfg.cols() as u64);
    let compute_cycles = t.compute_cycles;
    let cycles = (t.array_cycles + t.last_write)
        .max(t.read_cycles + t.write_cycles)
        .max(compute_cycles);
    let (dram_read, dram_write, weight_dram) = (t.dram_read, t.dram_write, t.weight_dram);
    let actions = gemm_actions(cfg, shape, &map, zeros, dram_read + dram_write);
    let (sram_read_bits, sram_write_bits) = sram_bits(cfg, shape, &map);
    let folds = map.k_blocks * map.n_blocks;
    Ok(GemmStats {
        shape: *shape,
        mapping: map,
        cycles,
        stall_cycles: cycles - compute_cycles,
        compute_cycles,
        utilization: shape.macs() as f64 / (r * c * cycles) as f64,
        mapping_utilization: (shape.k * shape.n) as f64 / (folds * r * c) as f64,
        folds,
        fold_passes: folds * map.chunks,
        macs: shape.macs(),
        sram_read_bytes: sram_read_bits.div_ceil(8),
        sram_write_bytes: sram_write_bits.div_ceil(8),
        dram_read_bytes: dram_read,
        dram_write_bytes: dram_write,
        weight_dram_bytes: weight_dram,
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
    if !cfg.pe().skips_zero_weights() {
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

/// SRAM bits (read, written) of the whole GEMM.
fn sram_bits(cfg: &ArrayConfig, shape: &GemmShape, map: &Mapping) -> (u64, u64) {
    let (sr, sw) = sram_actions(cfg, shape, map);
    (
        sr.iter().map(|(_, n)| n).sum(),
        sw.iter().map(|(_, n)| n).sum(),
    )
}

/// Bits moved per SRAM buffer: (KiB of the macro, bits) for the weight,
/// activation and output buffers.
type PerBuffer = [(u32, u64); 3];

/// SRAM (read, write) bit counts per buffer.
fn sram_actions(cfg: &ArrayConfig, shape: &GemmShape, map: &Mapping) -> (PerBuffer, PerBuffer) {
    let b = cfg.buffers();
    let (m, k, n) = (shape.m, shape.k, shape.n);
    let act = cfg.pe().act_bits() as u64;
    let wb = cfg.pe().weight_bits() as u64;
    let acc = OUT_ACC_BITS as u64;
    let fetch_rounds = if map.weights_resident { 1 } else { map.chunks };
    // Weights: written when fetched, read once per fold pass (real weights only;
    // the zero padding of edge tiles is generated, not stored).
    let w_write = k * n * wb * fetch_rounds;
    let w_read = k * n * wb * map.chunks;
    // Activations: X written once (per N-block when fed per fold), each fold
    // pass reads its M-chunk × R slice.
    let x_write = if map.activations == ActivationFeed::PerFold {
        m * k * act * map.n_blocks
    } else {
        m * k * act
    };
    let x_read = m * k * act * map.n_blocks;
    // Outputs: the first K-block writes, later ones read-modify-write; the
    // final sums are read out once.
    let y_write = m * n * acc * map.k_blocks;
    let y_read = m * n * acc * (map.k_blocks - 1) + m * n * acc;
    (
        [
            (b.weight_kib, w_read),
            (b.act_kib, x_read),
            (b.out_kib, y_read),
        ],
        [
            (b.weight_kib, w_write),
            (b.act_kib, x_write),
            (b.out_kib, y_write),
        ],
    )
}

/// Action counts of the whole GEMM (closed form over the fold passes).
fn gemm_actions(
    cfg: &ArrayConfig,
    shape: &GemmShape,
    map: &Mapping,
    zeros: u64,
    dram_bytes: u64,
) -> ActionCounts {
    let mut a = ActionCounts::new();
    let (r, c) = (cfg.rows() as u64, cfg.cols() as u64);
    let pe = cfg.pe();
    let (act, accb) = (pe.act_bits() as u64, cfg.acc_bits() as u64);
    let folds = map.k_blocks * map.n_blocks;
    // Every fold pass streams its chunk's tokens through all R·C PEs; summed
    // over the chunks that is M tokens per tile.
    let passes = shape.m * folds * r * c;
    let real = shape.macs();
    pe.pass_actions(
        cfg.acc_bits(),
        &PassWork {
            passes,
            products: real,
            zero_products: shape.m * zeros,
        },
        &mut a,
    );
    // Output-buffer accumulation between K-blocks.
    let rmw = shape.m * shape.n * (map.k_blocks - 1);
    a.add(pe.partial_sum_add(OUT_ACC_BITS), rmw);
    // Registers per token per fold: each PE's activation and partial-sum
    // register, the input skew (row i delays by i) and output deskew (column j
    // by C−1−j) chains plus the output register; per load, the weight registers.
    let per_token = r * c * (act + accb) + act * r * (r - 1) / 2 + accb * (c * (c - 1) / 2 + c);
    let loads = folds * map.chunks;
    a.add(
        Action::RegBit,
        shape.m * folds * per_token + loads * r * c * pe.weight_bits() as u64,
    );
    let (reads, writes) = sram_actions(cfg, shape, map);
    for (kib, bits) in reads {
        a.add(Action::SramReadBit { kib }, bits);
    }
    for (kib, bits) in writes {
        a.add(Action::SramWriteBit { kib }, bits);
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
    use crate::config::{ArraySpec, Buffers, Dram};
    use crate::tile::schedule;
    use proptest::prelude::*;
    use tritone_energy::DramKind;

    fn cfg(r: u32, c: u32, db: bool, l: u32, gbps: f64) -> ArrayConfig {
        ArrayConfig::new(ArraySpec {
            rows: Some(r),
            cols: Some(c),
            double_buffer: Some(db),
            weight_rows_per_cycle: Some(l.min(r)),
            dram: Some(Dram {
                kind: DramKind::Hbm2,
                bandwidth_gbps: gbps,
            }),
            ..Default::default()
        })
        .unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// With DRAM out of the way, a GEMM's compute cycles are exactly the
        /// tile contract's schedule of its fold sequence, step by step.
        #[test]
        fn compute_cycles_equal_the_contract_schedule(
            r in 1u32..24, c in 1u32..24, l in 1u32..24, db: bool,
            m in 1u64..60, k in 1u64..90, n in 1u64..90,
        ) {
            let cfg = cfg(r, c, db, l, 64.0);
            let shape = GemmShape { m, k, n };
            let s = simulate_gemm(&cfg, &shape, &GemmOptions::default()).unwrap();
            prop_assert_eq!(s.mapping.chunks, 1);
            let tokens = vec![m; (s.folds) as usize];
            prop_assert_eq!(s.compute_cycles, schedule(&cfg, &tokens).total_cycles());
            prop_assert!(s.cycles >= s.compute_cycles);
            prop_assert_eq!(s.stall_cycles, s.cycles - s.compute_cycles);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(150))]
        /// Whatever the buffers and bandwidth: the GEMM is never faster than
        /// its compute or its DRAM traffic, and every product is counted once.
        #[test]
        fn bounds_and_conservation(
            r in 1u32..20, c in 1u32..20, db: bool, gbps in 0.5f64..80.0,
            wk in 1u32..4, ak in 1u32..4, ok in 1u32..4,
            m in 1u64..80, k in 1u64..300, n in 1u64..120, on_chip: bool,
        ) {
            let cfg = ArrayConfig::new(ArraySpec {
                rows: Some(r),
                cols: Some(c),
                double_buffer: Some(db),
                buffers: Some(Buffers { weight_kib: wk, act_kib: ak, out_kib: ok, width_bits: 64 }),
                dram: Some(Dram { kind: DramKind::Ddr4, bandwidth_gbps: gbps }),
                ..Default::default()
            });
            prop_assume!(cfg.is_ok());
            let cfg = cfg.unwrap();
            let shape = GemmShape { m, k, n };
            let operands = if on_chip { OperandHome::OnChipIfFits } else { OperandHome::Dram };
            let opts = GemmOptions { operands, ..Default::default() };
            let s = simulate_gemm(&cfg, &shape, &opts).unwrap();
            let rate = DramRate::of(&cfg).unwrap();
            prop_assert!(s.cycles >= s.compute_cycles);
            prop_assert!(s.cycles >= rate.cycles(s.dram_read_bytes + s.dram_write_bytes));
            prop_assert!(s.cycles as f64 * (r * c) as f64 >= s.macs as f64);
            let passes = m * s.folds * (r * c) as u64;
            let adds = s.actions.get(Action::IntAdd { bits: cfg.acc_bits() });
            let skips = s.actions.get(Action::SkippedProduct);
            prop_assert_eq!(adds + skips, passes);
            prop_assert_eq!(adds, m * (k * n - (((k * n) as f64 / 3.0).round() as u64)));
            prop_assert!(s.weight_dram_bytes >= (k * n).div_ceil(4));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1500))]
        /// The cycle jump is exact: for every candidate mapping, every field
        /// of the statistics (actions included) equals stepping each fold
        /// pass — small and odd arrays, single and double buffering, DRAM that
        /// stalls and DRAM that does not, buffers that force M-chunks and
        /// weight refetches (few weight slots), all PE kinds and packings.
        #[test]
        fn cycle_jump_equals_stepping(
            r in 1u32..12, c in 1u32..12, l in 1u32..12, db: bool,
            pe in 0usize..3, five: bool, gbps in prop::sample::select(vec![0.2, 1.0, 3.0, 16.0, 200.0]),
            mhz in prop::sample::select(vec![150.0, 1000.0]),
            wk in 1u32..4, ak in 1u32..4, ok in 1u32..3, on_chip: bool,
            m in 1u64..70, k in 1u64..1500, n in 1u64..60,
        ) {
            let cfg = ArrayConfig::new(ArraySpec {
                rows: Some(r),
                cols: Some(c),
                double_buffer: Some(db),
                weight_rows_per_cycle: Some(l.min(r)),
                pe: Some([PeKind::Ternary, PeKind::MacInt8, PeKind::MacFp16][pe]),
                weight_packing: Some(if five { WeightPacking::FiveTritsPerByte } else { WeightPacking::TwoBit }),
                clock_mhz: Some(mhz),
                buffers: Some(Buffers { weight_kib: wk, act_kib: ak, out_kib: ok, width_bits: 64 }),
                dram: Some(Dram { kind: DramKind::Ddr4, bandwidth_gbps: gbps }),
                ..Default::default()
            });
            prop_assume!(cfg.is_ok());
            let cfg = cfg.unwrap();
            let shape = GemmShape { m, k, n };
            let operands = if on_chip { OperandHome::OnChipIfFits } else { OperandHome::Dram };
            let opts = GemmOptions { operands, ..Default::default() };
            let maps = candidates(&cfg, &shape, &opts);
            prop_assume!(maps.is_ok());
            for map in maps.unwrap() {
                let fast = simulate_mapping(&cfg, &shape, &opts, &map).unwrap();
                let step = simulate_mapping_stepwise(&cfg, &shape, &opts, &map).unwrap();
                prop_assert_eq!(fast, step);
            }
        }
    }

    /// Each case of the weight-slot queue is jumped over (so the equivalence
    /// proptest above exercises them), and the jumped GEMMs step few folds.
    #[test]
    fn cycle_jump_covers_every_slot_queue_case() {
        let mut jumped = [0u64; 3];
        // DRAM-bound and compute-bound; 256 and 1024 weight slots (W is
        // 4000 tiles, so slots are recycled); one or several M-chunks.
        for gbps in [0.5, 2.0, 16.0] {
            for weight_kib in [4, 16] {
                for (m, act_kib) in [(1, 256), (3, 256), (40, 8)] {
                    let cfg = ArrayConfig::new(ArraySpec {
                        rows: Some(8),
                        cols: Some(8),
                        buffers: Some(Buffers {
                            weight_kib,
                            act_kib,
                            out_kib: 256,
                            width_bits: 64,
                        }),
                        dram: Some(Dram {
                            kind: DramKind::Ddr4,
                            bandwidth_gbps: gbps,
                        }),
                        ..Default::default()
                    })
                    .unwrap();
                    let shape = GemmShape { m, k: 3200, n: 80 };
                    let opts = GemmOptions::default();
                    for map in candidates(&cfg, &shape, &opts).unwrap() {
                        let plan = fold_plan(&cfg, &shape, &map).unwrap();
                        let fast = fold_run::run(&cfg, &plan, true);
                        let step = time_folds_stepwise(&cfg, &shape, &map).unwrap();
                        assert!(fast.stepped * 5 < step.stepped, "{fast:?}");
                        for (j, f) in jumped.iter_mut().zip(fast.jumped) {
                            *j += f;
                        }
                        assert_eq!(
                            simulate_mapping(&cfg, &shape, &opts, &map).unwrap(),
                            simulate_mapping_stepwise(&cfg, &shape, &opts, &map).unwrap()
                        );
                    }
                }
            }
        }
        assert!(jumped.iter().all(|&j| j > 0), "{jumped:?}");
    }

    /// The BitNet 3B GEMMs as a design sweep meets them (8×8 and 32×32,
    /// 4 MiB weight buffer, slow and fast DRAM, ternary and INT8, prefill 512
    /// and decode): the cycle jump equals stepping all ~3 million folds.
    #[test]
    fn cycle_jump_equals_stepping_on_3b_gemms() {
        for (dim, pe, gbps) in [
            (8, PeKind::Ternary, 16.0),
            (8, PeKind::MacInt8, 128.0),
            (32, PeKind::Ternary, 64.0),
        ] {
            let cfg = ArrayConfig::new(ArraySpec {
                rows: Some(dim),
                cols: Some(dim),
                pe: Some(pe),
                buffers: Some(Buffers {
                    weight_kib: 4096,
                    act_kib: 256,
                    out_kib: 256,
                    width_bits: 64,
                }),
                dram: Some(Dram {
                    kind: DramKind::Lpddr4,
                    bandwidth_gbps: gbps,
                }),
                ..Default::default()
            })
            .unwrap();
            let opts = GemmOptions {
                operands: OperandHome::OnChipIfFits,
                ..Default::default()
            };
            for m in [1, 512] {
                for (k, n) in [(3200, 3200), (3200, 8640), (8640, 3200)] {
                    let shape = GemmShape { m, k, n };
                    assert_eq!(
                        simulate_gemm(&cfg, &shape, &opts).unwrap(),
                        simulate_gemm_stepwise(&cfg, &shape, &opts).unwrap(),
                        "{dim}×{dim} {pe:?} {shape:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn single_fold_is_the_tile() {
        let cfg = cfg(8, 8, true, 1, 1e6);
        let s = simulate_gemm(
            &cfg,
            &GemmShape { m: 16, k: 8, n: 8 },
            &GemmOptions::default(),
        )
        .unwrap();
        // B + R + C + M − 1 = 8 + 8 + 8 + 16 − 1.
        assert_eq!(s.compute_cycles, 39);
        assert_eq!(s.folds, 1);
    }

    #[test]
    fn decode_is_weight_bandwidth_bound_on_slow_dram() {
        // 32×32 array, one token per fold: the drain rule lets a fold start
        // about every (R + C)/2 cycles, while 2 GB/s at 1 GHz brings a 256-byte
        // tile in 128 cycles.
        let c = cfg(32, 32, true, 32, 2.0);
        let s = simulate_gemm(
            &c,
            &GemmShape {
                m: 1,
                k: 3200,
                n: 3200,
            },
            &GemmOptions::default(),
        )
        .unwrap();
        let weight_cycles = DramRate::of(&c).unwrap().cycles(s.weight_dram_bytes);
        assert!(s.cycles >= weight_cycles);
        assert!(s.stall_cycles > s.compute_cycles, "{s:?}");
        assert_eq!(s.weight_dram_bytes, 3200 * 3200 / 4);
    }

    #[test]
    fn five_trit_packing_moves_fewer_bytes() {
        let mut spec = cfg(16, 16, true, 1, 64.0).spec();
        spec.weight_packing = Some(WeightPacking::FiveTritsPerByte);
        let c5 = ArrayConfig::new(spec).unwrap();
        let shape = GemmShape {
            m: 4,
            k: 160,
            n: 160,
        };
        let s = simulate_gemm(&c5, &shape, &GemmOptions::default()).unwrap();
        // 100 tiles of 256 weights: ⌈256/5⌉ = 52 bytes each.
        assert_eq!(s.weight_dram_bytes, 100 * 52);
    }

    #[test]
    fn chunks_when_activations_exceed_the_buffer() {
        let c = ArrayConfig::new(ArraySpec {
            rows: Some(8),
            cols: Some(8),
            buffers: Some(Buffers {
                weight_kib: 1,
                act_kib: 1,
                out_kib: 1,
                width_bits: 64,
            }),
            ..Default::default()
        })
        .unwrap();
        // One token's K = 512 row is 512 bytes: 2 tokens per KiB chunk; the
        // output buffer holds 8192 / (8·32) = 32 tokens. W's 8×8×2-bit tiles
        // overflow the 64 slots of 1 KiB, so every chunk fetches W again.
        let wide = GemmShape {
            m: 9,
            k: 512,
            n: 128,
        };
        let opts = GemmOptions::default();
        let maps = candidates(&c, &wide, &opts).unwrap();
        assert_eq!(maps.len(), 2);
        let (chunked, folded) = (maps[0], maps[1]);
        assert_eq!(chunked.activations, ActivationFeed::PerChunk);
        assert_eq!((chunked.chunk_tokens, chunked.chunks), (2, 5));
        assert_eq!(
            (chunked.weight_slots, chunked.weights_resident),
            (64, false)
        );
        let s = simulate_mapping(&c, &wide, &opts, &chunked).unwrap();
        assert_eq!(s.weight_dram_bytes, 5 * 512 * 128 / 4);
        assert_eq!(s.dram_read_bytes, 5 * 512 * 128 / 4 + 9 * 512);
        assert_eq!(s.dram_write_bytes, 9 * 128 * 4);
        // Per fold: one chunk of all 9 tokens, W once, X re-read per N-block.
        assert_eq!(folded.activations, ActivationFeed::PerFold);
        assert_eq!((folded.chunk_tokens, folded.chunks), (9, 1));
        let f = simulate_mapping(&c, &wide, &opts, &folded).unwrap();
        assert_eq!(f.dram_read_bytes, 512 * 128 / 4 + 16 * 9 * 512);
        // The simulator keeps the faster.
        let best = simulate_gemm(&c, &wide, &opts).unwrap();
        assert_eq!(best.cycles, s.cycles.min(f.cycles));
    }

    #[test]
    fn ternary_actions_split_adds_and_skips() {
        let c = cfg(4, 4, true, 1, 64.0);
        let shape = GemmShape { m: 3, k: 6, n: 5 };
        let opts = GemmOptions {
            zero_weights: ZeroWeights::Count(10),
            ..Default::default()
        };
        let s = simulate_gemm(&c, &shape, &opts).unwrap();
        let acc = c.acc_bits();
        assert_eq!(s.actions.get(Action::IntAdd { bits: acc }), 3 * 30 - 3 * 10);
        // 2×2 tiles of 16 PEs, 3 tokens each: 192 passes, 90 real products.
        assert_eq!(s.actions.get(Action::SkippedProduct), 30 + (192 - 90));
        // One read-modify-write per output between the two K-blocks.
        assert_eq!(s.actions.get(Action::IntAdd { bits: 32 }), 15);
    }

    #[test]
    fn refuses_bad_input() {
        let c = ArrayConfig::default();
        for shape in [
            GemmShape { m: 0, k: 1, n: 1 },
            GemmShape {
                m: 1,
                k: MAX_GEMM_DIM + 1,
                n: 1,
            },
        ] {
            let e = simulate_gemm(&c, &shape, &GemmOptions::default()).unwrap_err();
            assert!(e.to_string().contains("GEMM"), "{e}");
        }
        let bad = GemmOptions {
            zero_weights: ZeroWeights::Fraction(1.5),
            ..Default::default()
        };
        assert!(simulate_gemm(&c, &GemmShape { m: 1, k: 1, n: 1 }, &bad).is_err());
    }
}
