//! `tritone verilog`: generates the systolic array as Verilog, with its JSON
//! manifest and, on request, a self-checking testbench.

use anyhow::Context;
use std::path::PathBuf;
use tritone_hdl::generate::{write_design, TestbenchSpec};
use tritone_hdl::ArrayDesign;
use tritone_sim::{ArrayConfig, ArraySpec, PeKind};

/// Arguments of `tritone verilog`.
#[derive(clap::Args)]
pub struct VerilogArgs {
    /// Array rows R (1..=256): the reduction dimension.
    #[arg(long)]
    rows: Option<u32>,
    /// Array columns C (1..=256): output features.
    #[arg(long)]
    cols: Option<u32>,
    /// Accumulator bits; default: the smallest that cannot overflow.
    #[arg(long)]
    acc_bits: Option<u32>,
    /// Two weight banks: load the next tile while the current one streams.
    #[arg(long)]
    double_buffer: bool,
    /// Processing element: ternary or mac-int8.
    #[arg(long)]
    pe: Option<PeKind>,
    /// Weight rows written per w_data beat.
    #[arg(long)]
    weight_rows_per_cycle: Option<u32>,
    /// Architecture TOML file; the flags above override its fields.
    #[arg(long)]
    arch: Option<PathBuf>,
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
    let mut spec = match &a.arch {
        Some(path) => tritone_hdl::design::read_arch_spec(path)?,
        // Without a file the array is single-buffered unless asked.
        None => ArraySpec {
            double_buffer: Some(false),
            ..Default::default()
        },
    };
    if a.arch.is_none() && (a.rows.is_none() || a.cols.is_none()) {
        anyhow::bail!("give --rows and --cols (or --arch FILE)");
    }
    spec.rows = a.rows.or(spec.rows);
    spec.cols = a.cols.or(spec.cols);
    spec.acc_bits = a.acc_bits.or(spec.acc_bits);
    spec.pe = a.pe.or(spec.pe);
    spec.weight_rows_per_cycle = a.weight_rows_per_cycle.or(spec.weight_rows_per_cycle);
    if a.double_buffer {
        spec.double_buffer = Some(true);
    }
    let cfg = ArrayConfig::new(spec)?;
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
