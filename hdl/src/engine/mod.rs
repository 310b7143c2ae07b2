//! The BitLinear engine as RTL: the array (`crate::emit`) inside the
//! accelerator the simulator times (`tritone_sim::engine`) — banked weight,
//! activation and output buffers that synthesis maps to block RAM, the
//! sequencer that walks a GEMM fold by fold, an AXI4-Stream input
//! (`s_axis_*`, weights and activations in program order), an AXI4-Stream
//! result output (`m_axis_y_*`) and an AXI4-Lite register file (`s_axil_*`).
//!
//! The buffer organisation, stream width and latencies come from
//! [`Geometry`], the mapping rule and stream order from
//! `tritone_sim::engine::program`, the registers from [`regs`]: the RTL, the
//! simulator, the manifest and the testbench read the same descriptions.

pub mod cosim;
pub mod manifest;
pub mod regs;
pub mod synth;
pub mod testbench;
mod verilog;

pub use verilog::verilog;

use crate::design::ArrayDesign;
use crate::error::HdlError;
use serde::Serialize;
use tritone_sim::engine::Geometry;
use tritone_sim::gemm::MAX_GEMM_DIM;
use tritone_sim::{ArrayConfig, DataflowKind, WeightCodes};

/// A generatable engine: an [`ArrayDesign`] whose sizes are powers of two
/// (so every buffer row is whole beats or whole words) and whose buffers can
/// run any GEMM.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EngineDesign {
    array: ArrayDesign,
    geometry: Geometry,
}

impl EngineDesign {
    /// Checks that `cfg` can be built as an engine.
    pub fn new(cfg: &ArrayConfig) -> Result<EngineDesign, HdlError> {
        let array = ArrayDesign::new(cfg)?;
        let refuse = |why: String| Err(HdlError::Unsupported(why));
        for (what, v) in [
            ("rows", cfg.rows()),
            ("cols", cfg.cols()),
            ("weight_rows_per_cycle", cfg.weight_rows_per_cycle()),
        ] {
            if !v.is_power_of_two() {
                return refuse(format!(
                    "{what} = {v}: the engine needs powers of two (buffer rows of whole beats and words)"
                ));
            }
        }
        if cfg.dataflow() != DataflowKind::WeightStationary {
            return refuse(format!(
                "dataflow = {}: the generator builds the weight-stationary engine only",
                cfg.dataflow().name()
            ));
        }
        let geometry = Geometry::of(cfg).map_err(|e| HdlError::Unsupported(e.to_string()))?;
        let beat_bits = array.w_data_bits();
        if beat_bits < 8 {
            return refuse(format!(
                "cols × weight_rows_per_cycle = {}: a weight beat of {}-bit {} weights must fill at least one byte ({} weights)",
                cfg.cols() * cfg.weight_rows_per_cycle(),
                cfg.pe().weight_bits(),
                cfg.pe().name(),
                8 / cfg.pe().weight_bits()
            ));
        }
        if cfg.pe().index() > 3 {
            return refuse(format!(
                "pe = {}: the CONFIG register's 2-bit PE field has no code for it",
                cfg.pe().name()
            ));
        }
        if geometry.divider_bits() > 31 {
            return refuse("buffers too large for the sequencer's 32-bit counters".into());
        }
        Ok(EngineDesign { array, geometry })
    }

    /// The array inside.
    pub fn array(&self) -> &ArrayDesign {
        &self.array
    }

    /// The buffer organisation, stream width and latencies.
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    /// The architecture.
    pub fn config(&self) -> &ArrayConfig {
        self.array.config()
    }

    /// Largest M the engine accepts.
    pub fn max_m(&self) -> u64 {
        MAX_GEMM_DIM
    }

    /// Largest K: K products of the largest magnitude must fit the `i32`
    /// output words (binds mac-int8: 2³¹ / 128² = 131,071).
    pub fn max_k(&self) -> u64 {
        MAX_GEMM_DIM.min(i32::MAX as u64 / self.array.pe().max_abs_product().max(1))
    }

    /// Largest N.
    pub fn max_n(&self) -> u64 {
        MAX_GEMM_DIM
    }

    /// Name of the top module (and of the files written for it).
    pub fn top_name(&self) -> String {
        let b = self.config().buffers();
        // The array's name (PE, size, accumulator, rows per beat, banks)
        // with the engine's own parameters appended.
        let mut name = self
            .array
            .top_name()
            .replacen("tritone_array_", "tritone_engine_", 1);
        if self.geometry.five_trit_groups() {
            name.push_str("_b3");
        }
        name.push_str(&format!(
            "_s{}_w{}x{}y{}",
            self.geometry.stream_bytes, b.weight_kib, b.act_kib, b.out_kib
        ));
        name
    }

    /// The read-only `CONFIG` register (see [`regs`]).
    pub fn config_word(&self) -> u32 {
        let a = &self.array;
        let g = &self.geometry;
        let log2 = |v: u64| v.trailing_zeros();
        log2(g.rows)
            | log2(g.cols) << 4
            | log2(g.rows_per_beat) << 8
            | log2(g.stream_bytes) << 12
            | a.acc_bits() << 16
            | (a.double_buffer() as u32) << 22
            | (g.five_trit_groups() as u32) << 23
            | a.pe().index() << 24
            | 1 << 26
    }
}

/// The testbench to write next to an engine.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EngineTestbenchSpec {
    /// The GEMM it runs.
    pub shape: tritone_sim::gemm::GemmShape,
    /// Seed of the random weights and activations.
    pub seed: u64,
    /// How it moves the streams.
    pub pacing: testbench::Pacing,
    /// Dump a VCD waveform.
    pub vcd: bool,
}

/// Most stream beats (in and out) a written testbench may hold: its vectors
/// are Verilog text, about 2·stream-bytes characters per beat.
pub const MAX_TESTBENCH_BEATS: u64 = 1 << 20;

/// Writes `<top>.v`, `<top>.json` and, with `tb`, `<top>_tb.v` into `dir`
/// (created if missing), each atomically.
pub fn write_engine(
    design: &EngineDesign,
    dir: &std::path::Path,
    tb: Option<&EngineTestbenchSpec>,
) -> Result<Vec<crate::generate::Written>, HdlError> {
    let io = |path: &std::path::Path| {
        let path = path.display().to_string();
        move |e| HdlError::Io { path, source: e }
    };
    let top = design.top_name();
    let json = serde_json::to_string_pretty(&manifest::manifest(design))
        .expect("the manifest is plain data")
        + "\n";
    let mut files = vec![
        (format!("{top}.v"), verilog(design)),
        (format!("{top}.json"), json),
    ];
    if let Some(spec) = tb {
        let g = design.geometry();
        let program = tritone_sim::engine::stream::program(design.config(), g, &spec.shape)
            .map_err(|e| HdlError::Unsupported(e.to_string()))?;
        let beats = program.beat_totals();
        let total = beats.input + beats.output;
        if total > MAX_TESTBENCH_BEATS {
            return Err(HdlError::Job {
                tile: 0,
                why: format!(
                    "M={} K={} N={} needs {total} stream beats in the testbench, more than its limit of {MAX_TESTBENCH_BEATS}",
                    spec.shape.m, spec.shape.k, spec.shape.n
                ),
            });
        }
        let job = testbench::EngineJob::random(design, spec.shape, spec.seed);
        let stim = testbench::EngineStimulus::new(design, &job)?;
        let opts = testbench::TestbenchOptions {
            pacing: spec.pacing,
            vcd: spec.vcd,
        };
        files.extend(testbench::testbench(design, &stim, opts));
    }
    tritone_reference::atomic::create_dir_all(dir).map_err(io(dir))?;
    files
        .into_iter()
        .map(|(name, text)| {
            let path = dir.join(name);
            tritone_reference::atomic::write_atomic(&path, text.as_bytes()).map_err(io(&path))?;
            Ok(crate::generate::Written {
                path,
                bytes: text.len() as u64,
            })
        })
        .collect()
}
