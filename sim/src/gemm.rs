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
use crate::pe::PassWork;
use serde::Serialize;
use tritone_energy::{Action, ActionCounts};

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
    pe.dram_weight_bytes(packing, weights)
}

/// The mapping of `shape` on `cfg` (the engine's rule, [`crate::engine::program`]).
pub fn mapping(
    cfg: &ArrayConfig,
    shape: &GemmShape,
    opts: &GemmOptions,
) -> Result<Mapping, SimError> {
    let g = Geometry::of(cfg)?;
    let map = cfg.dataflow().mapping(&g, shape, opts.operands)?;
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

/// Simulates one GEMM on the engine with the architecture's dataflow: its
/// fold plan and its timing with repeating folds jumped over exactly
/// (weight-stationary: [`engine::spec`] with `fold_run`'s jumps), so its cost
/// grows with the GEMM's distinct stretches, not its folds.
pub fn simulate_gemm(
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
    let timing = cfg.dataflow().timing(cfg, &program, false)?;
    gemm_stats(cfg, &g, shape, opts, &map, &timing)
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
    let timing = cfg.dataflow().timing(cfg, &program, true)?;
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
    let dataflow = cfg.dataflow();
    let buffers = dataflow.buffer_activity(g, shape, map, t);
    // Every fold pass streams its chunk's tokens through all R·C PEs: M
    // tokens per tile over the chunks.
    let passes = shape.m * folds * r * c;
    let work = PassWork {
        passes,
        products: shape.macs(),
        zero_products: shape.m * zeros,
    };
    // A PE that skips zero weights adds only for the others; a MAC every pass.
    let pe_adds = if cfg.pe().skips_zero_weights() {
        work.products - work.zero_products
    } else {
        passes
    };
    let partial_sum_adds = dataflow.partial_sum_adds(cfg, shape, map);
    let dram_bytes = (t.in_beats + t.out_beats) * d;
    let actions = gemm_actions(cfg, map, &work, partial_sum_adds, &buffers, dram_bytes);
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

/// Action counts of the whole GEMM (closed form over the fold passes).
fn gemm_actions(
    cfg: &ArrayConfig,
    map: &Mapping,
    work: &PassWork,
    partial_sum_adds: u64,
    buffers: &BufferActivity,
    dram_bytes: u64,
) -> ActionCounts {
    let mut a = ActionCounts::new();
    let pe = cfg.pe();
    pe.pass_actions(cfg.acc_bits(), work, &mut a);
    // Output-bank accumulation between K-blocks (all C columns of a block).
    a.add(pe.partial_sum_add(OUT_ACC_BITS), partial_sum_adds);
    a.add(Action::RegBit, cfg.dataflow().register_bits(cfg, map, work));
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
    use crate::config::{ArraySpec, Buffers, Dram};
    use crate::engine::program::Program;
    use crate::tile::schedule;
    use proptest::prelude::*;
    use tritone_energy::DramKind;

    #[allow(clippy::too_many_arguments)]
    fn arch(
        r: u32,
        c: u32,
        l: u32,
        banks: u32,
        pe: PeKind,
        five: bool,
        gbps: f64,
        mhz: f64,
        kib: (u32, u32, u32),
        stream: Option<u32>,
    ) -> Result<ArrayConfig, crate::ConfigError> {
        ArrayConfig::new(ArraySpec {
            rows: Some(r),
            cols: Some(c),
            weight_banks: Some(banks),
            weight_rows_per_cycle: Some(l.min(r)),
            pe: Some(pe),
            weight_packing: Some(if five {
                WeightPacking::FiveTritsPerByte
            } else {
                WeightPacking::TwoBit
            }),
            clock_mhz: Some(mhz),
            buffers: Some(Buffers {
                weight_kib: kib.0,
                act_kib: kib.1,
                out_kib: kib.2,
                width_bits: 64,
            }),
            dram: Some(Dram {
                kind: DramKind::Ddr4,
                bandwidth_gbps: gbps,
            }),
            stream_bytes: stream,
            ..Default::default()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// With the streams out of the way, a GEMM's compute cycles are the
        /// tile contract's schedule of its fold sequence, step by step.
        #[test]
        fn compute_cycles_equal_the_contract_schedule(
            r in 1u32..24, c in 1u32..24, l in 1u32..24, banks in prop::sample::select(vec![1u32, 2, 4, 8]),
            m in 1u64..60, k in 1u64..90, n in 1u64..90,
        ) {
            let cfg = arch(r, c, l, banks, PeKind::Ternary, false, 64.0, 1000.0, (256, 256, 256), None).unwrap();
            let shape = GemmShape { m, k, n };
            let s = simulate_gemm(&cfg, &shape, &GemmOptions::default()).unwrap();
            let tokens = vec![s.mapping.chunk_tokens; (s.folds * s.mapping.chunks) as usize];
            prop_assume!(s.mapping.chunks == 1);
            prop_assert_eq!(s.compute_cycles, schedule(&cfg, &tokens).total_cycles());
            prop_assert!(s.cycles >= s.compute_cycles);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1500))]
        /// The jump is exact: every field of the statistics equals stepping
        /// every transfer and fold (`engine::spec`) — small and odd arrays,
        /// single and double buffering, streams that stall and streams that do
        /// not, buffers that force M-chunks, weight refetches and per-fold
        /// activations, every PE kind and packing, standalone and in-model operands.
        #[test]
        fn jump_equals_the_spec(
            r in 1u32..12, c in 1u32..12, l in 1u32..12, banks in prop::sample::select(vec![1u32, 2, 4, 8]),
            pe in 0usize..3, five: bool,
            gbps in prop::sample::select(vec![0.2, 1.0, 3.0, 16.0, 200.0]),
            mhz in prop::sample::select(vec![150.0, 1000.0]),
            wk in 1u32..4, ak in 1u32..4, ok in 1u32..3, on_chip: bool,
            stream in prop::sample::select(vec![None, Some(4u32), Some(16), Some(64)]),
            m in 1u64..70, k in 1u64..1500, n in 1u64..60,
        ) {
            let pe = [PeKind::Ternary, PeKind::MacInt8, PeKind::MacFp16][pe];
            let cfg = arch(r, c, l, banks, pe, five, gbps, mhz, (wk, ak, ok), stream);
            prop_assume!(cfg.is_ok());
            let cfg = cfg.unwrap();
            let shape = GemmShape { m, k, n };
            let operands = if on_chip { OperandHome::OnChipIfFits } else { OperandHome::Dram };
            let opts = GemmOptions { operands, ..Default::default() };
            let step = simulate_gemm_stepwise(&cfg, &shape, &opts);
            prop_assume!(step.is_ok());
            prop_assert_eq!(simulate_gemm(&cfg, &shape, &opts).unwrap(), step.unwrap());
        }
    }

    /// Both kinds of jump happen (whole N-blocks and inside long K-blocks),
    /// including with a full weight-slot queue, and a jumped GEMM steps few folds.
    #[test]
    fn jumps_cover_n_blocks_k_blocks_and_full_slot_queues() {
        let (mut outer, mut inner, mut popping) = (0u64, 0u64, 0u64);
        for (r, k, wk) in [(8, 3200, 4), (8, 800, 4), (8, 800, 64), (4, 8000, 64)] {
            for gbps in [0.5, 16.0] {
                for m in [1, 40] {
                    let cfg = arch(
                        r,
                        8,
                        1,
                        2,
                        PeKind::Ternary,
                        false,
                        gbps,
                        1000.0,
                        (wk, 8, 8),
                        None,
                    )
                    .unwrap();
                    let shape = GemmShape { m, k, n: 200 };
                    let g = Geometry::of(&cfg).unwrap();
                    let map = mapping(&cfg, &shape, &GemmOptions::default()).unwrap();
                    let program = Program {
                        geometry: &g,
                        shape,
                        mapping: map,
                    };
                    let fast = crate::fold_run::run(&cfg, &program, true).unwrap();
                    let step = crate::fold_run::run(&cfg, &program, false).unwrap();
                    assert_eq!(
                        (fast.cycles, fast.compute_cycles),
                        (step.cycles, step.compute_cycles)
                    );
                    assert_eq!(fast.stepped + fast.jumped, step.stepped);
                    assert!(
                        fast.stepped * 4 < step.stepped,
                        "{r} {k} {wk} {gbps} {m}: {fast:?}"
                    );
                    if map.k_blocks <= 256 {
                        outer += fast.jumped
                    } else {
                        inner += fast.jumped
                    }
                    if !map.weights_resident {
                        popping += fast.jumped
                    }
                    assert_eq!(
                        simulate_gemm(&cfg, &shape, &GemmOptions::default()).unwrap(),
                        simulate_gemm_stepwise(&cfg, &shape, &GemmOptions::default()).unwrap()
                    );
                }
            }
        }
        assert!(
            outer > 0 && inner > 0 && popping > 0,
            "{outer} {inner} {popping}"
        );
    }

    /// The BitNet 3B GEMMs as a sweep meets them (8×8 and 32×32 ternary,
    /// INT8, slow and fast DRAM, prefill 512 and decode): the jump equals
    /// stepping every fold.
    #[test]
    fn jump_equals_the_spec_on_3b_gemms() {
        for (dim, pe, gbps) in [
            (8, PeKind::Ternary, 16.0),
            (8, PeKind::MacInt8, 128.0),
            (32, PeKind::Ternary, 64.0),
        ] {
            let cfg = arch(
                dim,
                dim,
                1,
                2,
                pe,
                false,
                gbps,
                1000.0,
                (4096, 256, 256),
                None,
            )
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
    fn beat_totals_equal_the_stepped_streams() {
        for (m, k, n, kib) in [(9, 512, 128, 1), (3, 50, 30, 8), (200, 100, 40, 1)] {
            let cfg = arch(
                8,
                8,
                1,
                2,
                PeKind::Ternary,
                false,
                4.0,
                1000.0,
                (kib, kib, kib),
                None,
            )
            .unwrap();
            let shape = GemmShape { m, k, n };
            let g = Geometry::of(&cfg).unwrap();
            let map = mapping(&cfg, &shape, &GemmOptions::default()).unwrap();
            let program = Program {
                geometry: &g,
                shape,
                mapping: map,
            };
            let t = engine::spec::run(&cfg, &program, None).unwrap();
            let b = program.beat_totals();
            assert_eq!(
                (b.input, b.weights, b.output),
                (t.in_beats, t.weight_beats, t.out_beats)
            );
            let all: u64 = program.transfers().iter().map(|x| program.beats(x)).sum();
            assert_eq!(all, b.input);
        }
    }

    #[test]
    fn single_fold_is_the_tile_plus_the_engine() {
        // One 8×8 tile of 16 tokens on 32-byte beats at one beat per edge:
        // the array's schedule (B + R + C + M − 1 = 39) inside the engine's.
        let cfg = arch(
            8,
            8,
            1,
            2,
            PeKind::Ternary,
            false,
            64.0,
            1000.0,
            (256, 256, 256),
            None,
        )
        .unwrap();
        let s = simulate_gemm(
            &cfg,
            &GemmShape { m: 16, k: 8, n: 8 },
            &GemmOptions::default(),
        )
        .unwrap();
        assert_eq!(s.compute_cycles, 39);
        assert_eq!(s.folds, 1);
        let g = Geometry::of(&cfg).unwrap();
        assert_eq!(g.stream_bytes, 32);
        // Start-up; the X chunk (128 bytes: 4 beats); the tile (16 bytes: 1
        // beat); the first weight beat BUFFER_TO_ARRAY after it; 8 weight
        // beats, 16 tokens; the last token's sums written R + C after it;
        // its 16 result beats (512 bytes) from BANK_TO_STREAM later.
        let w_last = g.startup + 4;
        let load = w_last + engine::BUFFER_TO_ARRAY;
        let last_accept = load + 8 + 15;
        let write = last_accept + 16;
        assert_eq!(s.cycles, write + engine::BANK_TO_STREAM + 15);
    }

    #[test]
    fn decode_is_weight_bandwidth_bound_on_slow_dram() {
        let cfg = arch(
            32,
            32,
            32,
            2,
            PeKind::Ternary,
            false,
            2.0,
            1000.0,
            (256, 256, 256),
            None,
        )
        .unwrap();
        let s = simulate_gemm(
            &cfg,
            &GemmShape {
                m: 1,
                k: 3200,
                n: 3200,
            },
            &GemmOptions::default(),
        )
        .unwrap();
        let weight_cycles = crate::dram::DramRate::of(&cfg)
            .unwrap()
            .cycles(s.weight_dram_bytes);
        assert!(s.cycles >= weight_cycles);
        assert!(s.stall_cycles > s.compute_cycles, "{s:?}");
        assert_eq!(s.weight_dram_bytes, 3200 * 3200 / 4);
    }

    #[test]
    fn five_trit_packing_moves_fewer_bytes() {
        let two = arch(
            16,
            16,
            1,
            2,
            PeKind::Ternary,
            false,
            64.0,
            1000.0,
            (256, 256, 256),
            Some(16),
        )
        .unwrap();
        let five = arch(
            16,
            16,
            1,
            2,
            PeKind::Ternary,
            true,
            64.0,
            1000.0,
            (256, 256, 256),
            Some(16),
        )
        .unwrap();
        let shape = GemmShape {
            m: 4,
            k: 160,
            n: 160,
        };
        let a = simulate_gemm(&two, &shape, &GemmOptions::default()).unwrap();
        let b = simulate_gemm(&five, &shape, &GemmOptions::default()).unwrap();
        // 100 tiles: 16 rows of 16 codes (64 bytes), or ⌈16/5⌉ = 4 groups of 16 bytes.
        assert_eq!(a.weight_dram_bytes, 100 * 64);
        assert_eq!(b.weight_dram_bytes, 100 * 64);
        let b4 = arch(
            16,
            16,
            1,
            2,
            PeKind::Ternary,
            true,
            64.0,
            1000.0,
            (256, 256, 256),
            Some(4),
        )
        .unwrap();
        let c = simulate_gemm(&b4, &shape, &GemmOptions::default()).unwrap();
        // With 4-byte beats a group tile is 16 beats, a two-bit tile 16 beats too:
        // five-trit groups only pay off when R is not a multiple of 5 groups' rows.
        assert_eq!(c.weight_dram_bytes, 100 * 64);
        let wide = arch(
            20,
            16,
            1,
            2,
            PeKind::Ternary,
            true,
            64.0,
            1000.0,
            (256, 256, 256),
            Some(16),
        )
        .unwrap();
        let two20 = arch(
            20,
            16,
            1,
            2,
            PeKind::Ternary,
            false,
            64.0,
            1000.0,
            (256, 256, 256),
            Some(16),
        )
        .unwrap();
        let shape = GemmShape {
            m: 4,
            k: 200,
            n: 160,
        };
        let w5 = simulate_gemm(&wide, &shape, &GemmOptions::default()).unwrap();
        let w2 = simulate_gemm(&two20, &shape, &GemmOptions::default()).unwrap();
        // 20 rows: 4 groups of 16 bytes (64) against 20 beats of 4 bytes (80).
        assert_eq!(
            (w5.weight_dram_bytes, w2.weight_dram_bytes),
            (100 * 64, 100 * 80)
        );
    }

    #[test]
    fn ternary_actions_split_adds_and_skips() {
        let cfg = arch(
            4,
            4,
            1,
            2,
            PeKind::Ternary,
            false,
            64.0,
            1000.0,
            (256, 256, 256),
            None,
        )
        .unwrap();
        let shape = GemmShape { m: 3, k: 6, n: 5 };
        let opts = GemmOptions {
            zero_weights: ZeroWeights::Count(10),
            ..Default::default()
        };
        let s = simulate_gemm(&cfg, &shape, &opts).unwrap();
        let acc = cfg.acc_bits();
        assert_eq!(s.actions.get(Action::IntAdd { bits: acc }), 3 * 30 - 3 * 10);
        // 2×2 tiles of 16 PEs, 3 tokens each: 192 passes, 60 adds.
        assert_eq!(s.actions.get(Action::SkippedProduct), 192 - 60);
        assert_eq!((s.pe_adds, s.pe_skips), (60, 132));
        // One read-modify-write per token and column of both N-blocks.
        assert_eq!(s.partial_sum_adds, 3 * 2 * 4);
        assert_eq!(s.actions.get(Action::IntAdd { bits: 32 }), 24);
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
