//! `tritone verilog`: generates the systolic array as Verilog, with its JSON
//! manifest and, on request, a self-checking testbench.

use anyhow::{bail, Context};
use std::path::PathBuf;
use tritone_hdl::generate::{write_design, TestbenchSpec};
use tritone_hdl::testbench::testbench_name;
use tritone_hdl::ArrayDesign;
use tritone_reference::atomic::publish_together;

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
    /// Also write a self-checking testbench with reference vectors.
    #[arg(long)]
    testbench: bool,
    /// Make the testbench dump a VCD waveform.
    #[arg(long, requires = "testbench")]
    vcd: bool,
    /// Testbench: tokens per tile.
    #[arg(long, default_value_t = 16)]
    tokens: usize,
    /// Testbench: tiles in sequence.
    #[arg(long, default_value_t = 2)]
    tiles: usize,
    /// Testbench: seed of the random weights and activations.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Most testbench tokens (--tokens × --tiles) to generate (see docs/limits.md).
    #[arg(long, default_value_t = DEFAULT_MAX_TB_TOKENS, value_name = "N")]
    max_tokens: u64,
}

/// Runs `tritone verilog`.
pub fn run(a: VerilogArgs) -> anyhow::Result<()> {
    a.design.require_dimensions()?;
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
    // The files are generated into a staging folder and published together:
    // an interrupted or failed run leaves the previous design whole.
    let context = || format!("writing {top} into {}", a.out.display());
    let mut generated = Vec::new();
    publish_together(&a.out, |stage| {
        generated = write_design(&design, stage, tb.as_ref())?;
        Ok::<(), tritone_hdl::HdlError>(())
    })
    .with_context(context)?
    .with_context(context)?;
    let sizes: Vec<(PathBuf, u64)> = generated
        .iter()
        .map(|w| (a.out.join(w.path.file_name().unwrap_or_default()), w.bytes))
        .collect();
    for (path, bytes) in &sizes {
        outln!("wrote {} ({bytes} bytes)", path.display())?;
    }
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
