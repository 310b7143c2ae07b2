//! Model level: a whole inference — prefill of P tokens, then D decode steps,
//! at batch B — as operator graphs ([`graph`]) evaluated operator by operator.
//!
//! Operators run one after another (no overlap between the array and the
//! vector unit; fusion would add edges' overlap later). GEMMs are timed by
//! [`simulate_gemm`] with their operands kept on chip when they fit; vector
//! operators take `max(compute, DRAM)` cycles. Decode steps are identical
//! except for attention, whose cost is affine in the context, so the D steps
//! are summed in closed form ([`crate::series`]), equal to stepping them.

pub mod footprint;
pub mod graph;

use crate::config::{ArrayConfig, ArraySpec, PeKind};
use crate::dram::DramRate;
use crate::error::{check_dim, SimError};
use crate::gemm::{simulate_gemm, GemmOptions, GemmShape, GemmStats, OperandHome, ZeroWeights};
use crate::series::Ratio;
pub use footprint::Footprint;
use graph::{Arith, OpKind, Phase, PhaseShape, Unit, Work};
use petgraph::algo::toposort;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use tritone_energy::{Action, ActionCounts};
use tritone_reference::{ModelShape, WeightKind};

/// Longest prompt or decode length accepted.
pub const MAX_CONTEXT: u64 = 1 << 20;
/// Largest batch accepted.
pub const MAX_BATCH: u64 = 1 << 16;
/// Most decoder layers accepted.
pub const MAX_LAYERS: u64 = 1 << 12;

/// The inference to simulate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Workload {
    /// Prompt tokens P per sequence (at least 1).
    pub prefill: u64,
    /// Decode steps D (each produces one token per sequence).
    pub decode: u64,
    /// Sequences B.
    pub batch: u64,
}

impl Workload {
    /// Checks the ranges (and that B·P tokens form a valid GEMM M).
    pub fn validate(&self) -> Result<(), SimError> {
        check_dim("prefill tokens", self.prefill, MAX_CONTEXT)?;
        check_dim("batch", self.batch, MAX_BATCH)?;
        if self.decode > MAX_CONTEXT {
            return Err(SimError::Dimension {
                what: "decode steps".into(),
                value: self.decode,
                why: format!("must be at most {MAX_CONTEXT}"),
            });
        }
        check_dim(
            "batch × prefill tokens",
            self.batch * self.prefill,
            crate::gemm::MAX_GEMM_DIM,
        )?;
        Ok(())
    }
}

/// One operator's totals over a phase (all layers, all decode steps).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpStats {
    /// Operator name (e.g. `q_proj`).
    pub name: &'static str,
    /// What it computes.
    pub kind: OpKind,
    /// Where it runs.
    pub unit: Unit,
    /// Phase.
    pub phase: Phase,
    /// Whether it runs once per decoder layer.
    pub per_layer: bool,
    /// The GEMM of an array operator (one execution).
    pub gemm: Option<GemmShape>,
    /// Executions (layers × steps, or steps).
    pub count: u64,
    /// Cycles over all executions.
    pub cycles: u64,
    /// Of which waiting for DRAM.
    pub stall_cycles: u64,
    /// Array MACs (GEMMs) or vector lane-operations.
    pub ops: u64,
    /// DRAM bytes moved.
    pub dram_bytes: u64,
    /// Actions for the energy model.
    #[serde(serialize_with = "crate::serde_actions::as_list")]
    pub actions: ActionCounts,
}

/// Cycles of one decoder layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LayerStats {
    /// In the prefill.
    pub prefill_cycles: u64,
    /// Over all decode steps.
    pub decode_cycles: u64,
}

/// Whole-inference results.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelStats {
    /// Model name.
    pub model: String,
    /// Ternary or FP16 linear layers.
    pub weights: WeightKind,
    /// PE kind of the array.
    pub pe: PeKind,
    /// The workload.
    pub workload: Workload,
    /// Clock in MHz.
    pub clock_mhz: f64,
    /// Prefill cycles (ends with the first token's logits).
    pub prefill_cycles: u64,
    /// Cycles of all decode steps.
    pub decode_cycles: u64,
    /// Prefill + decode.
    pub total_cycles: u64,
    /// Total time at the clock.
    pub seconds: f64,
    /// Time to first token: the prefill, whose LM head yields it.
    pub ttft_s: f64,
    /// Decode time.
    pub decode_s: f64,
    /// Decode tokens per second: B·D / decode time (0 without decode).
    pub tokens_per_s: f64,
    /// Array MACs / (R·C·total cycles).
    pub utilization: f64,
    /// Cycles waiting for DRAM.
    pub stall_cycles: u64,
    /// MACs on the array.
    pub array_macs: u64,
    /// Weight footprint: linear weights at the array's DRAM format, other
    /// parameters (embedding, LM head, norms) as FP16.
    pub weight_bytes: u64,
    /// KV cache at P + D tokens per sequence.
    pub kv_cache_bytes: u64,
    /// DRAM bytes moved.
    pub dram_bytes: u64,
    /// One decoder layer's cycles.
    pub layer: LayerStats,
    /// Actions for the energy model.
    #[serde(serialize_with = "crate::serde_actions::as_list")]
    pub actions: ActionCounts,
    /// Per-operator rows, prefill then decode, in graph order.
    pub ops: Vec<OpStats>,
}

/// A model and its FP16 LLaMA baseline on an equally sized MAC array.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// The model as given, on the given array.
    pub model: ModelStats,
    /// The FP16 baseline.
    pub fp16: ModelStats,
}

/// The FP16 baseline of `cfg`: the same array and memories with FP16 MAC PEs
/// (FP32 accumulation).
pub fn fp16_baseline_config(cfg: &ArrayConfig) -> Result<ArrayConfig, SimError> {
    let spec = ArraySpec {
        pe: Some(PeKind::MacFp16),
        acc_bits: None,
        ..cfg.spec()
    };
    Ok(ArrayConfig::new(spec)?)
}

/// The FP16 baseline of `model`: the same shape with FP16 linear layers and
/// no subln norms (the LLaMA architecture).
pub fn fp16_baseline_model(model: &ModelShape) -> ModelShape {
    if model.weights == WeightKind::Fp16 {
        return model.clone();
    }
    ModelShape {
        name: format!("{} (FP16 baseline)", model.name),
        weights: WeightKind::Fp16,
        subln: false,
        source: format!("FP16 LLaMA baseline of {}", model.name),
        ..model.clone()
    }
}

/// Where a model simulation gets its GEMMs timed: [`simulate_gemm`] itself,
/// or a cache shared by many simulations (every GEMM of a model is a pure
/// function of the array, its shape and its options).
pub trait GemmSource: Sync {
    /// The statistics of `shape` on `cfg` with `opts`, as
    /// [`simulate_gemm`] gives them.
    fn gemm(
        &self,
        cfg: &ArrayConfig,
        shape: &GemmShape,
        opts: &GemmOptions,
    ) -> Result<Arc<GemmStats>, SimError>;
}

/// Times every GEMM with [`simulate_gemm`] (no sharing between simulations).
#[derive(Clone, Copy, Debug, Default)]
pub struct Simulate;

impl GemmSource for Simulate {
    fn gemm(
        &self,
        cfg: &ArrayConfig,
        shape: &GemmShape,
        opts: &GemmOptions,
    ) -> Result<Arc<GemmStats>, SimError> {
        simulate_gemm(cfg, shape, opts).map(Arc::new)
    }
}

/// Simulates `model` on `cfg` and its FP16 baseline on the FP16 copy of `cfg`.
pub fn simulate_with_baseline(
    cfg: &ArrayConfig,
    model: &ModelShape,
    w: &Workload,
) -> Result<Comparison, SimError> {
    Ok(Comparison {
        model: simulate_model(cfg, model, w)?,
        fp16: simulate_model(&fp16_baseline_config(cfg)?, &fp16_baseline_model(model), w)?,
    })
}

/// Simulates the whole inference `w` of `model` on `cfg`.
pub fn simulate_model(
    cfg: &ArrayConfig,
    model: &ModelShape,
    w: &Workload,
) -> Result<ModelStats, SimError> {
    simulate_model_with(cfg, model, w, &Simulate)
}

/// [`simulate_model`] with its GEMMs timed by `gemms` (e.g. a cache shared
/// by the points of a sweep).
pub fn simulate_model_with(
    cfg: &ArrayConfig,
    model: &ModelShape,
    w: &Workload,
    gemms: &dyn GemmSource,
) -> Result<ModelStats, SimError> {
    model.validate().map_err(|why| SimError::Model {
        name: model.name.clone(),
        why,
    })?;
    w.validate()?;
    // Shapes the GEMM level accepts; every count is then checked exactly.
    for (what, v, max) in [
        ("hidden", model.hidden, crate::gemm::MAX_GEMM_DIM),
        ("ffn", model.ffn, crate::gemm::MAX_GEMM_DIM),
        ("vocab", model.vocab, crate::gemm::MAX_GEMM_DIM),
        ("layers", model.layers, MAX_LAYERS),
    ] {
        if v as u64 > max {
            return Err(SimError::Model {
                name: model.name.clone(),
                why: format!("{what} = {v} exceeds the simulator's limit of {max}"),
            });
        }
    }
    if cfg.pe().model_weights() != model.weights {
        let fitting: Vec<&str> = PeKind::ALL
            .iter()
            .filter(|k| k.model_weights() == model.weights)
            .map(|k| k.name())
            .collect();
        return Err(SimError::Model {
            name: model.name.clone(),
            why: format!(
                "{} weights cannot run on a {} array (they need {})",
                model.weights.name(),
                cfg.pe().name(),
                fitting.join(" or ")
            ),
        });
    }
    let rate = DramRate::of(cfg)?;
    let mut cache = BTreeMap::new();
    let kv_bits = cfg.kv_bits() as u64;
    let int8_attention = cfg.attention() == crate::config::AttentionPrecision::Int8;
    let shape = |phase| PhaseShape {
        phase,
        batch: w.batch,
        prompt: w.prefill,
        kv_bits,
        int8_attention,
    };
    let mut ops = eval_phase(
        cfg,
        &rate,
        model,
        &shape(Phase::Prefill),
        (0, 0),
        &mut cache,
        gemms,
    )?;
    if w.decode > 0 {
        // Step j (0-based) attends the P + j cached positions plus its own.
        ops.extend(eval_phase(
            cfg,
            &rate,
            model,
            &shape(Phase::Decode),
            (w.prefill + 1, w.prefill + w.decode),
            &mut cache,
            gemms,
        )?);
    }
    let overflow = || overflow_error(model);
    // Sums of a per-operator count, checked: long contexts approach u64.
    let sum = |keep: &dyn Fn(&OpStats) -> bool, count: fn(&OpStats) -> u64| {
        ops.iter()
            .filter(|o| keep(o))
            .try_fold(0u64, |acc, o| acc.checked_add(count(o)))
            .ok_or_else(overflow)
    };
    let cycles = |o: &OpStats| o.cycles;
    let prefill_cycles = sum(&|o| o.phase == Phase::Prefill, cycles)?;
    let decode_cycles = sum(&|o| o.phase == Phase::Decode, cycles)?;
    let layers = model.layers as u64;
    let layer = LayerStats {
        prefill_cycles: sum(&|o| o.phase == Phase::Prefill && o.per_layer, cycles)? / layers,
        decode_cycles: sum(&|o| o.phase == Phase::Decode && o.per_layer, cycles)? / layers,
    };
    let total_cycles = prefill_cycles
        .checked_add(decode_cycles)
        .ok_or_else(overflow)?;
    let hz = cfg.clock_mhz() * 1e6;
    let mut actions = ActionCounts::new();
    for o in &ops {
        actions.checked_merge(&o.actions).ok_or_else(overflow)?;
    }
    let array_macs = sum(&|o| o.unit == Unit::Array, |o| o.ops)?;
    let decode_s = decode_cycles as f64 / hz;
    let footprint = Footprint::of(model, cfg, w.batch, w.prefill + w.decode);
    Ok(ModelStats {
        model: model.name.clone(),
        weights: model.weights,
        pe: cfg.pe(),
        workload: *w,
        clock_mhz: cfg.clock_mhz(),
        prefill_cycles,
        decode_cycles,
        total_cycles,
        seconds: total_cycles as f64 / hz,
        ttft_s: prefill_cycles as f64 / hz,
        decode_s,
        tokens_per_s: if w.decode > 0 {
            (w.batch * w.decode) as f64 / decode_s
        } else {
            0.0
        },
        utilization: array_macs as f64
            / ((cfg.rows() as u64 * cfg.cols() as u64) as f64 * total_cycles as f64),
        stall_cycles: sum(&|_| true, |o| o.stall_cycles)?,
        array_macs,
        weight_bytes: footprint.weights,
        kv_cache_bytes: footprint.kv_cache,
        dram_bytes: sum(&|_| true, |o| o.dram_bytes)?,
        layer,
        actions,
        ops,
    })
}

/// Why a workload is refused when one of its counts does not fit 64 bits.
fn overflow_error(model: &ModelShape) -> SimError {
    SimError::Model {
        name: model.name.clone(),
        why: "a count of this workload overflows 64 bits".into(),
    }
}

/// Evaluates one phase's graph, summed over the context range `xs` (one run
/// per `x`; the prefill passes `(0, 0)`).
fn eval_phase(
    cfg: &ArrayConfig,
    rate: &DramRate,
    model: &ModelShape,
    ps: &PhaseShape,
    (lo, hi): (u64, u64),
    cache: &mut BTreeMap<GemmShape, Arc<GemmStats>>,
    gemms: &dyn GemmSource,
) -> Result<Vec<OpStats>, SimError> {
    let g = graph::build(model, ps);
    let order = toposort(&g, None).expect("the phase graph is a chain of stages, never cyclic");
    let steps = hi - lo + 1;
    let lanes = cfg.vector().lanes as u128;
    let vprec = cfg.vector().precision;
    let opts = GemmOptions {
        zero_weights: ZeroWeights::Fraction(crate::gemm::DEFAULT_ZERO_FRACTION),
        operands: OperandHome::OnChipIfFits,
    };
    let overflow = || overflow_error(model);
    let fit = |v: u128| u64::try_from(v).map_err(|_| overflow());
    let mut out = Vec::with_capacity(order.len());
    for node in order {
        let op = &g[node];
        let count = if op.per_layer { model.layers as u64 } else { 1 };
        let row = match op.work {
            Work::Gemm(shape) => {
                let st = match cache.entry(shape) {
                    std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::btree_map::Entry::Vacant(e) => {
                        e.insert(gemms.gemm(cfg, &shape, &opts)?)
                    }
                };
                let reps = count * steps;
                // Every product of a per-GEMM count and its repetitions is
                // checked: only a real overflow refuses the workload.
                let times = |v: u64| fit(v as u128 * reps as u128);
                OpStats {
                    name: op.name,
                    kind: op.kind,
                    unit: Unit::Array,
                    phase: ps.phase,
                    per_layer: op.per_layer,
                    gemm: Some(shape),
                    count: reps,
                    cycles: times(st.cycles)?,
                    stall_cycles: times(st.stall_cycles)?,
                    ops: times(st.macs)?,
                    dram_bytes: times(st.dram_read_bytes + st.dram_write_bytes)?,
                    actions: st.actions.checked_scaled(reps).ok_or_else(overflow)?,
                }
            }
            Work::Vector {
                elements,
                cost,
                arith,
                dram_read_bits,
                dram_write_bits,
            } => {
                let lane_ops = cost.lane_ops() as u128;
                let compute = Ratio {
                    a: elements.per_ctx as u128 * lane_ops,
                    b: elements.fixed as u128 * lane_ops,
                    d: lanes,
                };
                let bits_per_ctx = (dram_read_bits.per_ctx + dram_write_bits.per_ctx) as u128;
                let bits_fixed = (dram_read_bits.fixed + dram_write_bits.fixed) as u128;
                let dram = rate.bits_ratio(bits_per_ctx, bits_fixed);
                let (lo, hi) = (lo as u128, hi as u128);
                let total = crate::series::sum_ceil_max(&compute, &dram, lo, hi);
                let compute_only = compute.sum_ceil(lo, hi);
                // Σx over the range, for counts affine in x.
                let sum_x = (lo + hi) * (hi - lo + 1) / 2;
                let n = count as u128;
                let elems =
                    (elements.per_ctx as u128 * sum_x + elements.fixed as u128 * steps as u128) * n;
                let bits = (bits_per_ctx * sum_x + bits_fixed * steps as u128) * n;
                let mut actions = ActionCounts::new();
                let (adds, muls) = (
                    fit(elems * cost.adds as u128)?,
                    fit(elems * cost.muls as u128)?,
                );
                match arith {
                    Arith::Vector => {
                        actions.add(Action::FpAdd { format: vprec }, adds);
                        actions.add(Action::FpMul { format: vprec }, muls);
                    }
                    Arith::Int8 => {
                        actions.add(Action::IntAdd { bits: 32 }, adds);
                        actions.add(Action::IntMul { bits: 8 }, muls);
                    }
                }
                actions.add(
                    Action::DramBit {
                        kind: cfg.dram().kind,
                    },
                    fit(bits)?,
                );
                OpStats {
                    name: op.name,
                    kind: op.kind,
                    unit: Unit::Vector,
                    phase: ps.phase,
                    per_layer: op.per_layer,
                    gemm: None,
                    count: count * steps,
                    cycles: fit(total * n)?,
                    stall_cycles: fit((total - compute_only) * n)?,
                    ops: fit(elems * lane_ops)?,
                    dram_bytes: fit(bits.div_ceil(8))?,
                    actions,
                }
            }
        };
        out.push(row);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Dram;
    use tritone_energy::DramKind;
    use tritone_reference::FfnKind;

    fn tiny(weights: WeightKind) -> ModelShape {
        ModelShape {
            name: "tiny".into(),
            weights,
            hidden: 64,
            ffn: 96,
            layers: 3,
            heads: 4,
            kv_heads: 2,
            head_dim: None,
            vocab: 100,
            ffn_kind: FfnKind::SwiGlu,
            tied_embeddings: true,
            subln: weights == WeightKind::Ternary,
            source: "test".into(),
        }
    }

    fn cfg(gbps: f64) -> ArrayConfig {
        ArrayConfig::new(ArraySpec {
            rows: Some(8),
            cols: Some(8),
            dram: Some(Dram {
                kind: DramKind::Ddr4,
                bandwidth_gbps: gbps,
            }),
            ..Default::default()
        })
        .unwrap()
    }

    /// A head dimension set apart from hidden / heads (a `config.json`
    /// `head_dim`) sizes q_proj and o_proj, and the GEMMs of a layer hold
    /// exactly the parameter count's linear weights.
    #[test]
    fn a_separate_head_dim_sizes_the_attention_projections() {
        for head_dim in [None, Some(24), Some(8)] {
            let m = ModelShape {
                head_dim,
                ..tiny(WeightKind::Fp16)
            };
            m.validate().unwrap();
            let ps = PhaseShape {
                phase: Phase::Prefill,
                batch: 1,
                prompt: 3,
                kv_bits: 16,
                int8_attention: false,
            };
            let g = graph::build(&m, &ps);
            let mut weights = 0;
            let mut shapes = BTreeMap::new();
            for op in g.node_weights() {
                if let graph::Work::Gemm(s) = &op.work {
                    if op.per_layer {
                        weights += s.k * s.n;
                        shapes.insert(op.name, (s.k, s.n));
                    }
                }
            }
            let qd = 4 * u64::from(m.head_dim());
            assert_eq!(shapes["q_proj"], (64, qd));
            assert_eq!(shapes["o_proj"], (qd, 64));
            assert_eq!(shapes["k_proj"], (64, 2 * u64::from(m.head_dim())));
            assert_eq!(weights * u64::from(m.layers), m.params().linear);
        }
    }

    /// The closed-form decode equals pricing every step on its own.
    #[test]
    fn decode_closed_form_equals_stepping() {
        for gbps in [0.5, 3.0, 64.0] {
            let cfg = cfg(gbps);
            let rate = DramRate::of(&cfg).unwrap();
            let m = tiny(WeightKind::Ternary);
            let ps = PhaseShape {
                phase: Phase::Decode,
                batch: 2,
                prompt: 5,
                kv_bits: 4,
                int8_attention: true,
            };
            let mut cache = BTreeMap::new();
            let closed = eval_phase(&cfg, &rate, &m, &ps, (6, 17), &mut cache, &Simulate).unwrap();
            let mut stepped = closed.clone();
            for s in stepped.iter_mut() {
                (s.count, s.cycles, s.stall_cycles, s.ops, s.dram_bytes) = (0, 0, 0, 0, 0);
                s.actions = ActionCounts::new();
            }
            for x in 6..=17 {
                let one = eval_phase(&cfg, &rate, &m, &ps, (x, x), &mut cache, &Simulate).unwrap();
                for (s, o) in stepped.iter_mut().zip(one) {
                    s.count += o.count;
                    s.cycles += o.cycles;
                    s.stall_cycles += o.stall_cycles;
                    s.ops += o.ops;
                    s.dram_bytes += o.dram_bytes;
                    s.actions.merge(&o.actions);
                }
            }
            assert_eq!(closed, stepped, "at {gbps} GB/s");
        }
    }

    #[test]
    fn totals_are_the_sum_of_the_operators() {
        let c = cfg(16.0);
        let w = Workload {
            prefill: 7,
            decode: 5,
            batch: 2,
        };
        let s = simulate_model(&c, &tiny(WeightKind::Ternary), &w).unwrap();
        let sum: u64 = s.ops.iter().map(|o| o.cycles).sum();
        assert_eq!(s.total_cycles, sum);
        assert_eq!(s.prefill_cycles + s.decode_cycles, s.total_cycles);
        // A prefill q_proj is one GEMM of B·P tokens per layer.
        let q = s
            .ops
            .iter()
            .find(|o| o.name == "q_proj" && o.phase == Phase::Prefill)
            .unwrap();
        let opts = GemmOptions {
            operands: OperandHome::OnChipIfFits,
            ..Default::default()
        };
        let g = simulate_gemm(
            &c,
            &GemmShape {
                m: 14,
                k: 64,
                n: 64,
            },
            &opts,
        )
        .unwrap();
        assert_eq!((q.count, q.cycles), (3, 3 * g.cycles));
        // KV cache: 2 sequences × 12 positions × 3 layers × (K and V) × 32 wide × 16 bits.
        assert_eq!(s.kv_cache_bytes, 2 * 12 * 3 * 2 * 32 * 2);
        assert!((s.tokens_per_s - 10.0 / s.decode_s).abs() < 1e-9);
        assert!(s.utilization > 0.0 && s.utilization <= 1.0);
    }

    #[test]
    fn fp16_baseline_moves_eight_times_the_linear_weights() {
        let w = Workload {
            prefill: 4,
            decode: 2,
            batch: 1,
        };
        let cmp = simulate_with_baseline(&cfg(16.0), &tiny(WeightKind::Ternary), &w).unwrap();
        assert_eq!(cmp.fp16.pe, PeKind::MacFp16);
        let m = tiny(WeightKind::Ternary).params();
        assert_eq!(
            cmp.model.weight_bytes - 2 * (m.embedding + m.norms),
            m.linear / 4
        );
        let f = fp16_baseline_model(&tiny(WeightKind::Ternary)).params();
        assert_eq!(
            cmp.fp16.weight_bytes - 2 * (f.embedding + f.norms),
            f.linear * 2
        );
        assert!(!cmp.fp16.ops.iter().any(|o| o.kind == OpKind::ActQuant));
    }

    #[test]
    fn refuses_bad_workloads_and_mismatched_arrays() {
        let c = cfg(16.0);
        let m = tiny(WeightKind::Ternary);
        for w in [
            Workload {
                prefill: 0,
                decode: 1,
                batch: 1,
            },
            Workload {
                prefill: 1,
                decode: 1,
                batch: 0,
            },
            Workload {
                prefill: 1,
                decode: MAX_CONTEXT + 1,
                batch: 1,
            },
        ] {
            assert!(simulate_model(&c, &m, &w).is_err(), "{w:?}");
        }
        let w = Workload {
            prefill: 1,
            decode: 1,
            batch: 1,
        };
        let e = simulate_model(&c, &tiny(WeightKind::Fp16), &w).unwrap_err();
        assert!(e.to_string().contains("mac-fp16"), "{e}");
        let huge = ModelShape {
            vocab: u32::MAX,
            ..m.clone()
        };
        assert!(simulate_model(&c, &huge, &w)
            .unwrap_err()
            .to_string()
            .contains("vocab"));
        let bad = ModelShape { heads: 5, ..m };
        assert!(simulate_model(&c, &bad, &w)
            .unwrap_err()
            .to_string()
            .contains("heads"));
    }

    /// Long contexts run when their counts fit 64 bits (70B at 32768 + 32768
    /// does); only a count that really overflows refuses the workload.
    #[test]
    fn refuses_only_real_overflows() {
        let c = ArrayConfig::default();
        let m70 = tritone_reference::model("bitnet-b1.58-70b").unwrap();
        let long = Workload {
            prefill: 32768,
            decode: 32768,
            batch: 1,
        };
        let s = simulate_model(&c, &m70, &long).unwrap();
        assert_eq!(s.total_cycles, s.prefill_cycles + s.decode_cycles);
        // 2^16 sequences decoding 2^20 tokens: the attention adds alone
        // exceed 2^64 (B·heads·D²/2·head_dim ≈ 2^65.6 for the 700M model).
        let m = tritone_reference::model("bitnet-b1.58-700m").unwrap();
        let huge = Workload {
            prefill: 1,
            decode: MAX_CONTEXT,
            batch: MAX_BATCH,
        };
        let e = simulate_model(&c, &m, &huge).unwrap_err();
        assert!(e.to_string().contains("overflows 64 bits"), "{e}");
    }

    #[test]
    fn every_zoo_model_simulates() {
        let c = ArrayConfig::default();
        let w = Workload {
            prefill: 16,
            decode: 4,
            batch: 1,
        };
        for m in tritone_reference::zoo() {
            let cfg = if m.weights == WeightKind::Fp16 {
                fp16_baseline_config(&c).unwrap()
            } else {
                c.clone()
            };
            let s = simulate_model(&cfg, &m, &w).unwrap_or_else(|e| panic!("{}: {e}", m.name));
            assert!(s.total_cycles > 0 && s.tokens_per_s > 0.0, "{}", m.name);
        }
    }
}
