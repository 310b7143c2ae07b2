//! `tritone energy`: one model's energy in both views next to its FP16
//! counterpart (`--model`), one GEMM's cycles and energy (`--gemm`), or the
//! paper's figures reproduced (`--paper`).

use super::design::DesignArgs;
use super::output::print;
use std::path::PathBuf;
use tritone_energy::{Ert, Node};
use tritone_eval::{DesignPoint, Evaluator, DEFAULT_WORKLOAD};
use tritone_reference::WeightKind;
use tritone_reports::report::markdown::{render_sections, Links, Section};
use tritone_reports::report::{data, default_setup};
use tritone_reports::summary::{render_gemm, render_text, EnergySummary};
use tritone_sim::gemm::{GemmOptions, GemmShape, OperandHome, ZeroWeights, DEFAULT_ZERO_FRACTION};
use tritone_sim::{ArrayConfig, Workload};

/// Arguments of `tritone energy`.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["paper", "model", "gemm"])))]
pub struct EnergyArgs {
    /// Reproduce the paper: 71.4x / 50x, Figure 3, Table 1 / Figure 2, Table 3, equivalences.
    #[arg(long)]
    paper: bool,
    /// A zoo model (see `tritone models`).
    #[arg(long)]
    model: Option<String>,
    /// One GEMM Y[M×N] = X[M×K]·W[K×N] with operands in DRAM: its cycles and energy breakdown.
    #[arg(long, value_name = "M,K,N", value_parser = parse_gemm)]
    gemm: Option<GemmShape>,
    /// Fraction of zero ternary weights of --gemm (default 1/3, the FAQ's "about a third").
    #[arg(long, requires = "gemm")]
    zero_fraction: Option<f64>,
    #[command(flatten)]
    setup: SetupArgs,
    /// Prompt tokens per sequence.
    #[arg(long, default_value_t = DEFAULT_WORKLOAD.prefill)]
    prefill: u64,
    /// Generated tokens per sequence.
    #[arg(long, default_value_t = DEFAULT_WORKLOAD.decode)]
    decode: u64,
    /// Sequences.
    #[arg(long, default_value_t = DEFAULT_WORKLOAD.batch)]
    batch: u64,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// `M,K,N` → a GEMM shape (its ranges are checked by the simulator).
fn parse_gemm(text: &str) -> Result<GemmShape, String> {
    let dims: Vec<u64> = text
        .split(',')
        .map(|d| d.trim().parse::<u64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("'{text}' is not M,K,N (three integers)"))?;
    match dims[..] {
        [m, k, n] => Ok(GemmShape { m, k, n }),
        _ => Err(format!("'{text}' is not M,K,N (three integers)")),
    }
}

/// The energy table and design options shared by `tritone energy` and
/// `tritone report`.
#[derive(clap::Args)]
pub struct SetupArgs {
    /// Technology node of the built-in energy table: 7nm (the paper's) or 45nm.
    #[arg(long, default_value = "7nm")]
    pub node: Node,
    /// Your own energy table (TOML, same schema as the built-in ones); overrides --node.
    #[arg(long)]
    pub table: Option<PathBuf>,
    /// The design (default: the built-in 128x128 ternary array, double-buffered).
    #[command(flatten)]
    pub design: DesignArgs,
}

impl SetupArgs {
    /// The energy table chosen by `--node` / `--table`.
    pub fn ert(&self) -> anyhow::Result<Ert> {
        Ok(match &self.table {
            Some(p) => Ert::from_toml_file(p)?,
            None => Ert::builtin(self.node),
        })
    }

    /// The architecture chosen by `--arch` and the design options.
    pub fn arch(&self) -> anyhow::Result<ArrayConfig> {
        self.design.config(true)
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
            return Ok(print(&(serde_json::to_string_pretty(&d)? + "\n"))?);
        }
        return Ok(print(&render_sections(
            &setup,
            &d,
            &Section::PAPER,
            Links::None,
        ))?);
    }
    let evaluator = Evaluator::new(ert);
    if let Some(shape) = args.gemm {
        let opts = GemmOptions {
            zero_weights: ZeroWeights::Fraction(
                args.zero_fraction.unwrap_or(DEFAULT_ZERO_FRACTION),
            ),
            operands: OperandHome::Dram,
        };
        let g = evaluator.evaluate_gemm(&arch, &shape, &opts)?;
        return if args.json {
            Ok(print(&(serde_json::to_string_pretty(&g)? + "\n"))?)
        } else {
            Ok(print(&render_gemm(&g))?)
        };
    }
    let name = args
        .model
        .as_deref()
        .expect("clap requires --paper, --model or --gemm");
    let point = DesignPoint::for_model(&arch, tritone_reference::model(name)?, workload)?;
    let (m, fp16) = match point.model().weights {
        WeightKind::Ternary => {
            let c = evaluator.compare(&point)?;
            (
                EnergySummary::of(&c.model),
                Some(EnergySummary::of(&c.fp16)),
            )
        }
        WeightKind::Fp16 => (EnergySummary::of(&evaluator.evaluate(&point)?), None),
    };
    if args.json {
        let v = serde_json::json!({ "model": m, "fp16_counterpart": fp16 });
        Ok(print(&(serde_json::to_string_pretty(&v)? + "\n"))?)
    } else {
        Ok(print(&render_text(&m, fp16.as_ref()))?)
    }
}
