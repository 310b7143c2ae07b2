//! `tritone simulate tile|gemm|model`: the cycle-accurate simulator.

use std::path::PathBuf;

use anyhow::{bail, Context};
use serde::Serialize;
use serde_json::json;
use tritone_eval::functional::{check_gemm, check_tile, Operands};
use tritone_eval::DEFAULT_WORKLOAD;
use tritone_reference::ModelShape;
use tritone_sim::config::{AttentionUnit, Schedule};
use tritone_sim::gemm::{
    simulate_gemm, GemmOptions, GemmShape, GemmStats, OperandHome, ZeroWeights,
};
use tritone_sim::model::{
    fp16_baseline_config, fp16_baseline_model, simulate_model, ModelStats, Workload,
};
use tritone_sim::tile::{schedule, stream_latency};

use super::design::{DesignArgs, SystemArgs};
use super::output::outln;

/// Subcommands of `tritone simulate`.
#[derive(clap::Subcommand)]
pub enum SimulateCommand {
    /// One tile: load the weights, stream M tokens.
    Tile(TileArgs),
    /// One GEMM Y[M×N] = X[M×K]·W[K×N] (or every layer of a SCALE-Sim topology CSV).
    Gemm(GemmArgs),
    /// A whole inference of a zoo model or a config.json, with its FP16 baseline.
    Model(ModelArgs),
}

/// Arguments of `tritone simulate tile`.
#[derive(clap::Args)]
pub struct TileArgs {
    #[command(flatten)]
    design: DesignArgs,
    /// Tokens M streamed through the tile.
    #[arg(long)]
    tokens: u64,
    /// Step the registers with seeded random weights and activations and check
    /// the outputs against the reference.
    #[arg(long)]
    functional: bool,
    /// Seed of the functional operands.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `tritone simulate gemm`.
#[derive(clap::Args)]
pub struct GemmArgs {
    #[command(flatten)]
    design: DesignArgs,
    /// Tokens M.
    #[arg(
        long,
        required_unless_present_any = ["topology", "weight"],
        conflicts_with_all = ["topology", "weight"]
    )]
    m: Option<u64>,
    /// Reduction dimension K.
    #[arg(
        long,
        required_unless_present_any = ["topology", "weight"],
        conflicts_with_all = ["topology", "weight"]
    )]
    k: Option<u64>,
    /// Output features N.
    #[arg(
        long,
        required_unless_present_any = ["topology", "weight"],
        conflicts_with_all = ["topology", "weight"]
    )]
    n: Option<u64>,
    /// SCALE-Sim GEMM topology CSV (`name, M, N, K,` rows): simulate every layer.
    #[arg(long)]
    topology: Option<PathBuf>,
    /// Fraction of zero ternary weights (default 1/3, the FAQ's "about a third").
    #[arg(long)]
    zero_fraction: Option<f64>,
    /// Compute the values through the array (seeded random operands) and check
    /// them against the reference bit for bit.
    #[arg(long)]
    functional: bool,
    /// Seed of the functional operands.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Functional run on real operands: safetensors file holding `weight`
    /// [N, K] (absmean-quantized to ternary, as `tritone reference bitlinear`).
    #[arg(long, requires = "input", conflicts_with = "topology")]
    weight: Option<PathBuf>,
    /// safetensors file holding `input` [M, K] (absmax-quantized to INT8).
    #[arg(long, requires = "weight")]
    input: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `tritone simulate model`.
#[derive(clap::Args)]
pub struct ModelArgs {
    #[command(flatten)]
    design: DesignArgs,
    #[command(flatten)]
    system: SystemArgs,
    /// Zoo model (see `tritone models`).
    #[arg(long, required_unless_present = "config", conflicts_with = "config")]
    model: Option<String>,
    /// HuggingFace config.json instead of a zoo model.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Prompt tokens P per sequence.
    #[arg(long, default_value_t = DEFAULT_WORKLOAD.prefill)]
    prefill: u64,
    /// Decode steps D.
    #[arg(long, default_value_t = DEFAULT_WORKLOAD.decode)]
    decode: u64,
    /// Batch B.
    #[arg(long, default_value_t = DEFAULT_WORKLOAD.batch)]
    batch: u64,
    /// Also simulate the FP16 LLaMA baseline (same shape, FP16 weights, on
    /// the FP16 copy of the array) and print it next to the model.
    #[arg(long)]
    baseline: bool,
    /// Also print every operator's row: its unit, cycles, DRAM bytes and
    /// the resource that bounds it.
    #[arg(long)]
    ops: bool,
    /// Print JSON (the model, and its FP16 baseline or null, with every operator).
    #[arg(long)]
    json: bool,
}

/// Runs `tritone simulate`.
pub fn run(cmd: SimulateCommand) -> anyhow::Result<()> {
    match cmd {
        SimulateCommand::Tile(a) => tile(a),
        SimulateCommand::Gemm(a) => gemm(a),
        SimulateCommand::Model(a) => model(a),
    }
}

fn tile(a: TileArgs) -> anyhow::Result<()> {
    a.design.require_dimensions()?;
    let cfg = a.design.config(false)?;
    if a.tokens == 0 || a.tokens > tritone_sim::gemm::MAX_GEMM_DIM {
        bail!(
            "--tokens must be between 1 and {}",
            tritone_sim::gemm::MAX_GEMM_DIM
        );
    }
    let latency = stream_latency(&cfg, a.tokens);
    let cycles = schedule(&cfg, &[a.tokens]).total_cycles();
    let check = a
        .functional
        .then(|| check_tile(&cfg, a.tokens, a.seed))
        .transpose()?;
    if let Some(c) = check.filter(|c| c.stepped_cycles != c.contract_cycles) {
        bail!(
            "register stepping took {} cycles, the timing model {}",
            c.stepped_cycles,
            c.contract_cycles
        );
    }
    let bit_exact = check.map(|c| c.bit_exact);
    if a.json {
        let v = json!({
            "rows": cfg.rows(), "cols": cfg.cols(), "tokens": a.tokens,
            "acc_bits": cfg.acc_bits(), "pe": cfg.pe(), "double_buffer": cfg.double_buffer(),
            "weight_beats": cfg.weight_beats(), "latency_cycles": latency, "tile_cycles": cycles,
            "bit_exact": bit_exact,
        });
        outln!("{}", serde_json::to_string_pretty(&v)?)?;
    } else {
        outln!(
            "tile {}×{} {} PE, {}-bit accumulators, {}, {} tokens",
            cfg.rows(),
            cfg.cols(),
            cfg.pe().name(),
            cfg.acc_bits(),
            if cfg.double_buffer() {
                "double-buffered"
            } else {
                "single-buffered"
            },
            a.tokens
        )?;
        outln!("latency (first token in → last output valid): {latency} cycles (R + C + M − 2)")?;
        outln!("weight load: {} beats", cfg.weight_beats())?;
        outln!("tile total (load + stream): {cycles} cycles")?;
        if let Some(ok) = bit_exact {
            outln!("bit-exact: {}", if ok { "yes" } else { "NO" })?;
        }
    }
    if bit_exact == Some(false) {
        bail!("functional tile differs from the reference");
    }
    Ok(())
}

#[derive(Serialize)]
struct GemmReport {
    name: String,
    #[serde(flatten)]
    stats: GemmStats,
    seconds: f64,
    bit_exact: Option<bool>,
}

fn gemm(a: GemmArgs) -> anyhow::Result<()> {
    let cfg = a.design.config(true)?;
    let mut operands = None;
    let layers = match (&a.topology, &a.weight, &a.input, a.m, a.k, a.n) {
        (Some(path), ..) => tritone_sim::topology::read_scalesim_csv(path)?,
        (None, Some(w), Some(x), ..) => {
            let ops = Operands::from_safetensors(w, x)?;
            let shape = ops.shape;
            operands = Some(ops);
            vec![("safetensors".to_string(), shape)]
        }
        (None, None, None, Some(m), Some(k), Some(n)) => {
            vec![("gemm".to_string(), GemmShape { m, k, n })]
        }
        _ => bail!("give --m, --k and --n, --topology, or --weight and --input"),
    };
    let zero = a
        .zero_fraction
        .unwrap_or(tritone_sim::gemm::DEFAULT_ZERO_FRACTION);
    let mut reports = vec![];
    for (name, shape) in layers {
        let mut opts = GemmOptions {
            zero_weights: ZeroWeights::Fraction(zero),
            operands: OperandHome::Dram,
        };
        let mut bit_exact = None;
        if a.functional || operands.is_some() {
            let random;
            let ops = match &operands {
                Some(ops) => ops,
                None => {
                    random = Operands::random(cfg.pe(), shape, a.seed);
                    &random
                }
            };
            let check = check_gemm(&cfg, ops).with_context(|| name.clone())?;
            bit_exact = Some(check.bit_exact);
            opts.zero_weights = ZeroWeights::Count(check.zero_weights);
        }
        let stats = simulate_gemm(&cfg, &shape, &opts).with_context(|| name.clone())?;
        let seconds = stats.cycles as f64 / (cfg.clock_mhz() * 1e6);
        reports.push(GemmReport {
            name,
            stats,
            seconds,
            bit_exact,
        });
    }
    if a.json {
        outln!("{}", serde_json::to_string_pretty(&reports)?)?;
    } else {
        outln!(
            "array {}×{} {} PE at {} MHz, DRAM {} GB/s",
            cfg.rows(),
            cfg.cols(),
            cfg.pe().name(),
            cfg.clock_mhz(),
            cfg.dram().bandwidth_gbps
        )?;
        for r in &reports {
            let s = &r.stats;
            outln!(
                "{}: M={} K={} N={}: {} cycles ({:.6} s), {} stall, {} compute; utilization {:.1}% (mapping {:.1}%); \
                 {} folds × {} M-chunks; SRAM r/w {} / {} B; DRAM r/w {} / {} B (weights {} B)",
                r.name,
                s.shape.m,
                s.shape.k,
                s.shape.n,
                s.cycles,
                r.seconds,
                s.stall_cycles,
                s.compute_cycles,
                100.0 * s.utilization,
                100.0 * s.mapping_utilization,
                s.folds,
                s.mapping.chunks,
                s.sram_read_bytes,
                s.sram_write_bytes,
                s.dram_read_bytes,
                s.dram_write_bytes,
                s.weight_dram_bytes
            )?;
            if let Some(ok) = r.bit_exact {
                outln!("bit-exact: {}", if ok { "yes" } else { "NO" })?;
            }
        }
    }
    if reports.iter().any(|r| r.bit_exact == Some(false)) {
        bail!("functional GEMM differs from the reference");
    }
    Ok(())
}

/// A labelled figure of the model table.
type StatRow = (&'static str, fn(&ModelStats) -> String);

fn model(a: ModelArgs) -> anyhow::Result<()> {
    let cfg = a.system.config(&a.design, true)?;
    let shape: ModelShape = match (&a.model, &a.config) {
        (_, Some(path)) => tritone_reference::load_config(path)?,
        (Some(name), None) => tritone_reference::model(name)?,
        (None, None) => bail!("give --model or --config"),
    };
    let w = Workload {
        prefill: a.prefill,
        decode: a.decode,
        batch: a.batch,
    };
    let model = simulate_model(&cfg, &shape, &w)?;
    // The FP16 baseline costs far more than the model (8x the weight
    // traffic): simulated only when asked for.
    let fp16 = a
        .baseline
        .then(|| {
            simulate_model(
                &fp16_baseline_config(&cfg)?,
                &fp16_baseline_model(&shape),
                &w,
            )
        })
        .transpose()?;
    if a.json {
        let v = json!({ "model": model, "fp16": fp16 });
        outln!("{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    let attention = match cfg.attention_unit() {
        AttentionUnit::Vector => "attention on the vector unit".to_string(),
        AttentionUnit::Array { rows, cols } => format!("{rows}×{cols} attention array"),
    };
    let l = &model.layout;
    outln!(
        "{} — prefill {} + decode {} at batch {} on {} device(s) ({} stage(s) × {} tensor-parallel, {} micro-batch(es)): \
         {}×{} array, {}, {} vector lanes, at {} MHz, DRAM {} GB/s; {} schedule",
        shape.name,
        w.prefill,
        w.decode,
        w.batch,
        l.devices,
        l.stages,
        l.tensor,
        l.micro_batches,
        cfg.rows(),
        cfg.cols(),
        attention,
        cfg.vector().lanes,
        cfg.clock_mhz(),
        cfg.dram().bandwidth_gbps,
        cfg.schedule().name()
    )?;
    let columns: Vec<(&str, &ModelStats)> = std::iter::once(("model", &model))
        .chain(fp16.iter().map(|f| ("FP16 baseline", f)))
        .collect();
    let line = |label: &str, cells: Vec<String>| {
        let cells: String = cells.iter().map(|c| format!(" {c:>20}")).collect();
        outln!("{label:<28}{cells}")
    };
    line("", columns.iter().map(|(h, _)| h.to_string()).collect())?;
    let rows: [StatRow; 15] = [
        ("PE", |s| s.pe.name().to_string()),
        ("per layer: prefill cycles", |s| {
            s.layer.prefill_cycles.to_string()
        }),
        ("per layer: decode cycles", |s| {
            s.layer.decode_cycles.to_string()
        }),
        ("prefill cycles", |s| s.prefill_cycles.to_string()),
        ("decode cycles", |s| s.decode_cycles.to_string()),
        ("total cycles", |s| s.total_cycles.to_string()),
        ("time (s)", |s| format!("{:.4}", s.seconds)),
        ("time to first token (s)", |s| format!("{:.4}", s.ttft_s)),
        ("decode tokens/s", |s| format!("{:.2}", s.tokens_per_s)),
        ("array utilization", |s| {
            format!("{:.2}%", 100.0 * s.utilization)
        }),
        ("stall cycles", |s| s.stall_cycles.to_string()),
        ("weights (bytes)", |s| s.weight_bytes.to_string()),
        ("KV cache at P+D (bytes)", |s| s.kv_cache_bytes.to_string()),
        ("DRAM traffic (bytes)", |s| s.dram_bytes.to_string()),
        ("array MACs", |s| s.array_macs.to_string()),
    ];
    for (label, f) in rows {
        line(label, columns.iter().map(|(_, s)| f(s)).collect())?;
    }
    for (name, s) in &columns {
        outln!("\n{name}: what bounds each phase")?;
        outln!(
            "{:<8} {:>18} {:>18} {:>6}  {:<15} shares of operator cycles by bound",
            "phase",
            "sequential",
            "overlapped",
            "tiles",
            "bound"
        )?;
        for p in &s.phases {
            let shares: Vec<String> = p
                .shares
                .iter()
                .filter(|x| x.pct >= 0.05)
                .map(|x| format!("{} {:.1}%", x.resource, x.pct))
                .collect();
            outln!(
                "{:<8} {:>18} {:>18} {:>6}  {:<15} {}",
                p.phase.name(),
                s.phase_cycles(p.phase, Schedule::Sequential),
                s.phase_cycles(p.phase, Schedule::Overlapped),
                p.tiles,
                p.bound.name(),
                shares.join(", ")
            )?;
        }
    }
    if a.ops {
        outln!(
            "\n{:<8} {:<16} {:<9} {:>9} {:>16} {:>14} {:>16}  bound",
            "phase",
            "operator",
            "unit",
            "count",
            "cycles",
            "stalls",
            "DRAM bytes"
        )?;
        for o in &model.ops {
            outln!(
                "{:<8} {:<16} {:<9} {:>9} {:>16} {:>14} {:>16}  {}",
                o.phase.name(),
                o.name,
                o.unit.name(),
                o.count,
                o.cycles,
                o.stall_cycles,
                o.dram_bytes,
                o.bound.name()
            )?;
        }
    }
    Ok(())
}
