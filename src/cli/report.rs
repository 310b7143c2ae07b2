//! `tritone report`: the whole-model report (Markdown, CSV, JSON, SVG and PNG
//! plots) for every BitNet model of the zoo and its FP16 baseline.

use std::path::PathBuf;
use tritone_energy::Node;
use tritone_reports::report::{default_setup, write_report};
use tritone_sim::Workload;

/// Arguments of `tritone report`.
#[derive(clap::Args)]
pub struct ReportArgs {
    /// Output directory (created if missing).
    #[arg(long, default_value = "tritone-report")]
    out: PathBuf,
    /// Technology node of the built-in energy table: 7nm (the paper's) or 45nm.
    #[arg(long, default_value = "7nm")]
    node: Node,
    /// Your own energy table (TOML); overrides --node.
    #[arg(long)]
    table: Option<PathBuf>,
    /// Architecture file (TOML); default: the built-in 32x32 ternary array.
    #[arg(long)]
    arch: Option<PathBuf>,
    /// Prompt tokens of the per-model numbers.
    #[arg(long, default_value_t = 512)]
    prefill: u64,
    /// Generated tokens of the per-model numbers.
    #[arg(long, default_value_t = 128)]
    decode: u64,
}

/// Runs `tritone report`.
pub fn run(args: ReportArgs) -> anyhow::Result<()> {
    let mut setup = default_setup(args.node);
    setup.ert = super::energy::load_ert(args.node, args.table.as_ref())?;
    setup.arch = super::energy::load_arch(args.arch.as_ref())?;
    setup.workload = Workload {
        prefill: args.prefill,
        decode: args.decode,
        batch: 1,
    };
    let written = write_report(&args.out, &setup)?;
    println!(
        "wrote {} files; report: {}",
        written.files.len(),
        written.markdown.display()
    );
    Ok(())
}
