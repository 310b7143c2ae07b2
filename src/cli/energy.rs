//! `tritone energy`: the paper's energy figures reproduced (`--paper`), or one
//! model's energy per token and per inference in both views, next to its FP16
//! counterpart (`--model`).

use anyhow::Context;
use std::path::PathBuf;
use tritone_energy::{Ert, Node};
use tritone_reference::WeightKind;
use tritone_reports::report::{data, default_setup, energy_view, markdown};
use tritone_sim::{ArrayConfig, Workload};

/// Arguments of `tritone energy`.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["paper", "model"])))]
pub struct EnergyArgs {
    /// Reproduce the paper: 71.4x / 50x, Figure 3, Table 1 / Figure 2, Table 3, equivalences.
    #[arg(long)]
    paper: bool,
    /// A zoo model (see `tritone models`).
    #[arg(long)]
    model: Option<String>,
    #[command(flatten)]
    setup: SetupArgs,
    /// Prompt tokens per sequence.
    #[arg(long, default_value_t = 512)]
    prefill: u64,
    /// Generated tokens per sequence.
    #[arg(long, default_value_t = 128)]
    decode: u64,
    /// Sequences.
    #[arg(long, default_value_t = 1)]
    batch: u64,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// The energy table and architecture options shared by `tritone energy` and
/// `tritone report`.
#[derive(clap::Args)]
pub struct SetupArgs {
    /// Technology node of the built-in energy table: 7nm (the paper's) or 45nm.
    #[arg(long, default_value = "7nm")]
    pub node: Node,
    /// Your own energy table (TOML, same schema as the built-in ones); overrides --node.
    #[arg(long)]
    pub table: Option<PathBuf>,
    /// Architecture file (TOML); default: the built-in 128x128 ternary array.
    #[arg(long)]
    pub arch: Option<PathBuf>,
}

impl SetupArgs {
    /// The energy table chosen by `--node` / `--table`.
    pub fn ert(&self) -> anyhow::Result<Ert> {
        Ok(match &self.table {
            Some(p) => Ert::from_toml_file(p)?,
            None => Ert::builtin(self.node),
        })
    }

    /// The architecture chosen by `--arch`.
    pub fn arch(&self) -> anyhow::Result<ArrayConfig> {
        Ok(match &self.arch {
            Some(p) => ArrayConfig::from_toml_file(p)?,
            None => ArrayConfig::default(),
        })
    }
}

/// Runs `tritone energy`.
pub fn run(args: EnergyArgs) -> anyhow::Result<()> {
    let ert = args.setup.ert()?;
    let arch = args.setup.arch()?;
    let workload = Workload {
        prefill: args.prefill,
        decode: args.decode,
        batch: args.batch,
    };
    if args.paper {
        let setup = data::Setup {
            arch,
            ert,
            workload,
            ..default_setup(args.setup.node)
        };
        let d = data::compute(&setup)?;
        if args.json {
            return emit(&(serde_json::to_string_pretty(&d)? + "\n"));
        }
        let md = markdown::render(&setup, &d);
        let text: String = markdown::SECTIONS[1..8]
            .iter()
            .filter_map(|h| markdown::section(&md, h))
            .collect();
        return emit(&markdown::without_file_links(&text));
    }
    let name = args
        .model
        .as_deref()
        .context("--model or --paper is required")?;
    let model = tritone_reference::model(name)?;
    let (m, fp16) = match model.weights {
        WeightKind::Ternary => {
            let c = energy_view::compare(&ert, &arch, &model, &workload)?;
            (c.model.summary(), Some(c.fp16.summary()))
        }
        WeightKind::Fp16 => (
            energy_view::evaluate(&ert, &arch, &model, &workload)?.summary(),
            None,
        ),
    };
    if args.json {
        let v = serde_json::json!({ "model": m, "fp16_counterpart": fp16 });
        emit(&(serde_json::to_string_pretty(&v)? + "\n"))
    } else {
        emit(&energy_view::render_text(&m, fp16.as_ref()))
    }
}

/// Writes to stdout; a closed pipe (`| head`) ends the output quietly.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}
