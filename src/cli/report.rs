//! `tritone report`: the whole-model report (Markdown, CSV, JSON, SVG and PNG
//! plots) for every BitNet model of the zoo and its FP16 baseline.

use super::output::outln;
use std::path::PathBuf;
use tritone_eval::DEFAULT_WORKLOAD;
use tritone_reports::report::{default_setup, report_files, write_report};
use tritone_sim::Workload;

/// Arguments of `tritone report`.
#[derive(clap::Args)]
pub struct ReportArgs {
    /// Output directory (created if missing).
    #[arg(long, default_value = "tritone-report")]
    out: PathBuf,
    #[command(flatten)]
    setup: super::energy::SetupArgs,
    /// Prompt tokens of the per-model numbers.
    #[arg(long, default_value_t = DEFAULT_WORKLOAD.prefill)]
    prefill: u64,
    /// Generated tokens of the per-model numbers.
    #[arg(long, default_value_t = DEFAULT_WORKLOAD.decode)]
    decode: u64,
    /// Only these BitNet models (repeatable; default: every BitNet model of the zoo).
    #[arg(long, value_name = "NAME")]
    model: Vec<String>,
    /// Write the report this many times and print the wall time of each run
    /// (the speed target: all built-in models in under a minute).
    #[arg(long, value_name = "RUNS")]
    bench: Option<u32>,
}

/// Runs `tritone report`.
pub fn run(args: ReportArgs) -> anyhow::Result<()> {
    // An --arch or --table kept in the report folder under a report file's
    // name would be replaced by the report it configures.
    let files = report_files(&args.out);
    let outputs: Vec<super::Named<'_>> = files
        .iter()
        .map(|p| ("a report file", p.as_path()))
        .collect();
    let mut inputs: Vec<super::Named<'_>> = Vec::new();
    if let Some(p) = &args.setup.table {
        inputs.push(("--table", p));
    }
    if let Some(p) = &args.setup.design.arch {
        inputs.push(("--arch", p));
    }
    super::refuse_overwrite(&outputs, &inputs)?;
    let mut setup = default_setup(args.setup.node);
    setup.ert = args.setup.ert()?;
    setup.arch = args.setup.arch()?;
    setup.workload = Workload {
        prefill: args.prefill,
        decode: args.decode,
        batch: 1,
    };
    if !args.model.is_empty() {
        setup.models = args
            .model
            .iter()
            .map(|m| tritone_reference::model(m))
            .collect::<Result<_, _>>()?;
    }
    if let Some(runs) = args.bench {
        let mut secs = Vec::new();
        for _ in 0..runs.max(1) {
            let t = std::time::Instant::now();
            write_report(&args.out, &setup)?;
            secs.push(t.elapsed().as_secs_f64());
        }
        secs.sort_by(f64::total_cmp);
        outln!(
            "tritone report, {} models + FP16 baselines, {} runs: min {:.2} s, median {:.2} s, max {:.2} s",
            setup.models.len(),
            secs.len(),
            secs[0],
            secs[secs.len() / 2],
            secs[secs.len() - 1]
        )?;
        return Ok(());
    }
    let written = write_report(&args.out, &setup)?;
    outln!(
        "wrote {} files; report: {}",
        written.files.len(),
        written.markdown.display()
    )?;
    Ok(())
}
