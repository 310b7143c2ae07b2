//! Weight-stationary: each fold loads an R × C weight tile (K-block ×
//! N-block) into the PEs and streams an M-chunk's tokens through it; partial
//! sums of later K-blocks accumulate in the output buffer. The fold plan is
//! the engine's closed-form rule ([`Mapping::of`], `docs/engine.md`,
//! "Mapping"), the timing its specification ([`crate::engine::spec`]) or the
//! exact jumps over it ([`crate::fold_run`]).

use super::Dataflow;
use crate::engine::program::{ActivationFeed, Mapping, Program};
use crate::engine::spec::{self, EngineTiming};
use crate::engine::Geometry;
use crate::error::SimError;
use crate::gemm::{BufferActivity, BufferTraffic, GemmShape, OperandHome};
use crate::pe::PassWork;
use crate::ArrayConfig;

/// The weight-stationary dataflow.
pub(super) struct WeightStationary;

impl Dataflow for WeightStationary {
    fn mapping(
        &self,
        g: &Geometry,
        shape: &GemmShape,
        operands: OperandHome,
    ) -> Result<Mapping, SimError> {
        Mapping::of(g, shape, operands)
    }

    fn timing(
        &self,
        cfg: &ArrayConfig,
        program: &Program<'_>,
        exact_steps: bool,
    ) -> Result<EngineTiming, SimError> {
        if exact_steps {
            return spec::run(cfg, program, None);
        }
        let run = crate::fold_run::run(cfg, program, true)?;
        let beats = program.beat_totals();
        Ok(EngineTiming {
            cycles: run.cycles,
            compute_cycles: run.compute_cycles,
            in_beats: beats.input,
            weight_beats: beats.weights,
            out_beats: beats.output,
        })
    }

    /// SRAM bits per buffer, as the engine moves them (`docs/engine.md`, "Activity").
    fn buffer_activity(
        &self,
        g: &Geometry,
        shape: &GemmShape,
        map: &Mapping,
        t: &EngineTiming,
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

    fn partial_sum_adds(&self, cfg: &ArrayConfig, shape: &GemmShape, map: &Mapping) -> u64 {
        // Every K-block after the first adds its C columns per token.
        shape.m * map.n_blocks * cfg.cols() as u64 * (map.k_blocks - 1)
    }

    fn register_bits(&self, cfg: &ArrayConfig, map: &Mapping, work: &PassWork) -> u64 {
        let (r, c) = (cfg.rows() as u64, cfg.cols() as u64);
        let pe = cfg.pe();
        let (act, accb) = (pe.act_bits() as u64, cfg.acc_bits() as u64);
        // Registers per token per fold: each PE's activation and partial-sum
        // register, the input skew (row i delays by i) and output deskew (column j
        // by C−1−j) chains plus the output register; per load, the weight registers.
        let per_token = r * c * (act + accb) + act * r * (r - 1) / 2 + accb * (c * (c - 1) / 2 + c);
        let tokens = work.passes / (r * c);
        let loads = map.folds() * map.chunks;
        tokens * per_token + loads * r * c * pe.weight_bits() as u64
    }
}
