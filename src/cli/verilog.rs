//! `tritone verilog`: generates the systolic array as Verilog, with its JSON
//! manifest and, on request, a self-checking testbench.

use anyhow::Context;
use std::path::PathBuf;
use tritone_hdl::generate::{write_design, TestbenchSpec};
use tritone_hdl::ArrayDesign;

use super::design::DesignArgs;

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
}

/// Runs `tritone verilog`.
pub fn run(a: VerilogArgs) -> anyhow::Result<()> {
    a.design.require_dimensions()?;
    let cfg = a.design.config(false)?;
    let design = ArrayDesign::new(&cfg)?;
    let tb = a.testbench.then_some(TestbenchSpec {
        tokens: a.tokens,
        tiles: a.tiles,
        seed: a.seed,
        vcd: a.vcd,
    });
    let written = write_design(&design, &a.out, tb.as_ref())
        .with_context(|| format!("writing {} into {}", design.top_name(), a.out.display()))?;
    for w in &written {
        println!("wrote {} ({} bytes)", w.path.display(), w.bytes);
    }
    println!(
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
    );
    println!(
        "latency: token accepted at edge e is valid after edge e + R + C - 1 = e + {}; M back-to-back tokens: R + C + M - 2 = {} + M edges",
        design.rows() + design.cols() - 1,
        design.rows() + design.cols() - 2
    );
    Ok(())
}
