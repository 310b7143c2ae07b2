//! `tritone verilog`: generates the systolic array, or with `--engine` the
//! whole BitLinear engine, as Verilog with its JSON manifest and, on request,
//! a self-checking testbench.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use tritone_hdl::engine::testbench::Pacing;
use tritone_hdl::engine::{write_engine, EngineDesign, EngineTestbenchSpec};
use tritone_hdl::generate::{write_design, TestbenchSpec, Written};
use tritone_hdl::testbench::testbench_name;
use tritone_hdl::{ArrayDesign, HdlError};
use tritone_reference::atomic::publish_together;
use tritone_sim::gemm::{simulate_gemm, GemmOptions, GemmShape, ZeroWeights};

use super::design::DesignArgs;
use super::output::outln;

/// Default of `--max-tokens`: 65,536 testbench tokens (tokens × tiles). The
/// testbench holds every vector in memory and in its text, about
/// 100 + 3·(R + C) bytes a token: 56 MB at 128×128, 200 MB at 256×256.
pub const DEFAULT_MAX_TB_TOKENS: u64 = 1 << 16;

/// Arguments of `tritone verilog`.
#[derive(clap::Args)]
pub struct VerilogArgs {
    #[command(flatten)]
    design: DesignArgs,
    /// Output directory.
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// The whole engine (buffers, sequencer, AXI4-Stream and AXI4-Lite
    /// interfaces, docs/engine.md) instead of the bare array.
    #[arg(long)]
    engine: bool,
    /// Also write a self-checking testbench with reference vectors.
    #[arg(long)]
    testbench: bool,
    /// Make the testbench dump a VCD waveform.
    #[arg(long, requires = "testbench")]
    vcd: bool,
    /// Array testbench: tokens per tile.
    #[arg(long, default_value_t = 16, conflicts_with = "engine")]
    tokens: usize,
    /// Array testbench: tiles in sequence.
    #[arg(long, default_value_t = 2, conflicts_with = "engine")]
    tiles: usize,
    /// Engine testbench: tokens M (default 2 M-chunks' worth, at most 64).
    #[arg(long, requires = "engine")]
    m: Option<u64>,
    /// Engine testbench: input features K (default 2.5 R + 1).
    #[arg(long, requires = "engine")]
    k: Option<u64>,
    /// Engine testbench: output features N (default 2.5 C + 1).
    #[arg(long, requires = "engine")]
    n: Option<u64>,
    /// Engine testbench: stream pacing, `dram` (the simulator's DRAM model:
    /// cycles must equal `tritone simulate gemm`) or `random` (gaps on every
    /// stream and AXI4-Lite channel: results must not change).
    #[arg(long, default_value = "dram", requires = "engine")]
    pacing: PacingArg,
    /// Seed of the random weights and activations (and of random pacing).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Most array-testbench tokens (--tokens × --tiles) to generate (see
    /// docs/limits.md).
    #[arg(long, default_value_t = DEFAULT_MAX_TB_TOKENS, value_name = "N")]
    max_tokens: u64,
}

/// `--pacing` values.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum PacingArg {
    /// The simulator's DRAM model.
    Dram,
    /// Random gaps (TVALID 50 %, TREADY 50 %).
    Random,
}

/// Generates a set of files with `write` into a staging folder and publishes
/// them into `--out` together, so an interrupted or failed run leaves the
/// previous design whole; a file that would replace `--arch` is refused and
/// nothing is published. Prints what was written.
fn publish(
    a: &VerilogArgs,
    top: &str,
    write: impl FnOnce(&Path) -> Result<Vec<Written>, HdlError>,
) -> anyhow::Result<()> {
    let inputs: Vec<super::Named<'_>> = a
        .design
        .arch
        .iter()
        .map(|p| ("--arch", p.as_path()))
        .collect();
    let mut sizes: Vec<(PathBuf, u64)> = Vec::new();
    publish_together(&a.out, |stage| -> anyhow::Result<()> {
        sizes = write(stage)?
            .iter()
            .map(|w| (a.out.join(w.path.file_name().unwrap_or_default()), w.bytes))
            .collect();
        let named: Vec<super::Named<'_>> =
            sizes.iter().map(|(p, _)| ("--out", p.as_path())).collect();
        super::refuse_overwrite(&named, &inputs)
    })
    .with_context(|| format!("writing {top} into {}", a.out.display()))??;
    for (path, bytes) in &sizes {
        outln!("wrote {} ({bytes} bytes)", path.display())?;
    }
    Ok(())
}

/// Runs `tritone verilog`.
pub fn run(a: VerilogArgs) -> anyhow::Result<()> {
    a.design.require_dimensions()?;
    if a.engine {
        return engine(a);
    }
    let cfg = a.design.config(false)?;
    let design = ArrayDesign::new(&cfg)?;
    if a.testbench {
        let total = (a.tokens as u64).saturating_mul(a.tiles as u64);
        if total > a.max_tokens {
            bail!(
                "--tokens {} × --tiles {} = {total} testbench tokens, more than --max-tokens {} \
                 (about {} MB of testbench at {}×{}; raise --max-tokens if that is meant)",
                a.tokens,
                a.tiles,
                a.max_tokens,
                total.saturating_mul(100 + 3 * (design.rows() + design.cols()) as u64) / 1_000_000,
                design.rows(),
                design.cols()
            );
        }
    }
    let tb = a.testbench.then_some(TestbenchSpec {
        tokens: a.tokens,
        tiles: a.tiles,
        seed: a.seed,
        vcd: a.vcd,
    });
    // The names are known before any work: refuse an --arch among them now.
    let top = design.top_name();
    let mut names = vec![format!("{top}.v"), format!("{top}.json")];
    if a.testbench {
        names.push(format!("{}.v", testbench_name(&design)));
    }
    let outputs: Vec<PathBuf> = names.iter().map(|n| a.out.join(n)).collect();
    let named: Vec<super::Named<'_>> = outputs.iter().map(|p| ("--out", p.as_path())).collect();
    let inputs: Vec<super::Named<'_>> = a
        .design
        .arch
        .iter()
        .map(|p| ("--arch", p.as_path()))
        .collect();
    super::refuse_overwrite(&named, &inputs)?;
    publish(&a, &top, |stage| write_design(&design, stage, tb.as_ref()))?;
    outln!(
        "{}: {}x{} {}, {}-bit accumulators, {} weight beat(s) per tile{}",
        design.top_name(),
        design.rows(),
        design.cols(),
        design.pe().name(),
        design.acc_bits(),
        design.weight_beats(),
        if design.double_buffer() {
            ", double-buffered"
        } else {
            ""
        }
    )?;
    outln!(
        "latency: token accepted at edge e is valid after edge e + R + C - 1 = e + {}; M back-to-back tokens: R + C + M - 2 = {} + M edges",
        design.rows() + design.cols() - 1,
        design.rows() + design.cols() - 2
    )?;
    Ok(())
}

/// `tritone verilog --engine`.
fn engine(a: VerilogArgs) -> anyhow::Result<()> {
    // The engine double-buffers by default, like the simulator's GEMMs.
    let cfg = a.design.config(true)?;
    let design = EngineDesign::new(&cfg)?;
    let g = design.geometry();
    let shape = GemmShape {
        m: a.m.unwrap_or((2 * g.out_bank_tokens).min(64)),
        k: a.k.unwrap_or(g.rows * 5 / 2 + 1),
        n: a.n.unwrap_or(g.cols * 5 / 2 + 1),
    };
    let tb = a.testbench.then_some(EngineTestbenchSpec {
        shape,
        seed: a.seed,
        pacing: match a.pacing {
            PacingArg::Dram => Pacing::Dram,
            PacingArg::Random => Pacing::Random {
                seed: a.seed,
                valid_percent: 50,
                ready_percent: 50,
            },
        },
        vcd: a.vcd,
    });
    publish(&a, &design.top_name(), |stage| {
        write_engine(&design, stage, tb.as_ref())
    })?;
    outln!(
        "{}: {}x{} {} engine, {}-byte streams, {} weight slots, {} activation slices, {} tokens per output bank",
        design.top_name(),
        g.rows,
        g.cols,
        design.array().pe().name(),
        g.stream_bytes,
        g.weight_slots,
        g.act_slices,
        g.out_bank_tokens
    )?;
    if a.testbench {
        let job = tritone_hdl::engine::testbench::EngineJob::random(&design, shape, a.seed);
        let zeros = job.w.iter().filter(|&&w| w == 0).count() as u64;
        let s = simulate_gemm(
            &cfg,
            &shape,
            &GemmOptions {
                zero_weights: ZeroWeights::Count(zeros),
                ..Default::default()
            },
        )?;
        outln!(
            "testbench: M={} K={} N={}, {} cycles expected with --pacing dram (tritone simulate gemm --m {} --k {} --n {} with the same design)",
            shape.m, shape.k, shape.n, s.cycles, shape.m, shape.k, shape.n
        )?;
    }
    Ok(())
}
