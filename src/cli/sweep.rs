//! `tritone sweep`: design-space sweeps and the merging of their shards.

use anyhow::{bail, Context};
use clap::Args;
use std::path::PathBuf;
use tritone_reports::sweep::{
    merge_shards, run::sibling, run_sweep, write_outputs, ModelEvaluator, Param, Shard,
    SweepOptions, SweepSpec, SynthCache, SynthCounts, SynthStage,
};

/// Arguments of `tritone sweep`.
///
/// Every parameter takes a comma-separated list of values and inclusive
/// ranges, `start..end:xK` (geometric) or `start..end:+K` (arithmetic), e.g.
/// `--rows 8..64:x2 --clock-mhz 200..1000:+200`; a flag may be repeated.
/// Flags override the same parameter of `--spec`.
#[derive(Args)]
#[command(
    after_help = "Examples:\n  tritone sweep --rows 8..64:x2 --cols 8..64:x2 --clock-mhz 200..1000:+200 --out sweep.csv\n  \
    tritone sweep --spec sweep.toml --shard 0/4 --out part0.csv\n  \
    tritone sweep --merge part0.csv part1.csv part2.csv part3.csv --out sweep.csv"
)]
pub struct SweepArgs {
    /// CSV output; `<stem>.json` and `<stem>-pareto.{svg,png}` are written next to it.
    /// An existing file is resumed: points already in it are not evaluated again.
    #[arg(long)]
    out: PathBuf,
    /// TOML spec with `[arch]` and `[workload]` tables of parameter lists.
    #[arg(long, conflicts_with = "merge")]
    spec: Option<PathBuf>,
    /// Merge shard outputs into `--out` instead of running a sweep.
    #[arg(long, num_args = 1.., value_name = "CSV")]
    merge: Vec<PathBuf>,
    /// Only the points with index % n == i (0-based), for job arrays.
    #[arg(long, value_name = "i/n")]
    shard: Option<String>,
    /// Add Yosys LUT/FF/BRAM/DSP counts of the generated Verilog (cached per hardware configuration).
    #[arg(long)]
    synth: bool,
    /// Synthesis cache file (default: `<stem>-synth.json` next to `--out`).
    #[arg(long, requires = "synth")]
    synth_cache: Option<PathBuf>,
    /// Technology node of the energy table.
    #[arg(long, default_value = "7nm")]
    node: String,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,

    /// The swept parameters (boxed: seventeen lists make a large struct).
    #[command(flatten)]
    lists: Box<ParamLists>,
}

/// The value list of every swept parameter, as given on the command line.
#[derive(Args)]
pub struct ParamLists {
    /// Array rows.
    #[arg(long, help_heading = "Architecture")]
    rows: Vec<String>,
    /// Array columns.
    #[arg(long, help_heading = "Architecture")]
    cols: Vec<String>,
    /// PE kind: ternary, mac-int8, mac-fp16.
    #[arg(long, help_heading = "Architecture")]
    pe: Vec<String>,
    /// Accumulator bits, or `auto` (smallest that cannot overflow).
    #[arg(long, help_heading = "Architecture")]
    acc_bits: Vec<String>,
    /// Double-buffered weights: true, false.
    #[arg(long, help_heading = "Architecture")]
    double_buffer: Vec<String>,
    /// Weight rows loaded per cycle.
    #[arg(long, help_heading = "Architecture")]
    weight_rows_per_cycle: Vec<String>,
    /// Weight buffer, KiB.
    #[arg(long, help_heading = "Architecture")]
    weight_kib: Vec<String>,
    /// Activation buffer, KiB.
    #[arg(long, help_heading = "Architecture")]
    act_kib: Vec<String>,
    /// Output buffer, KiB.
    #[arg(long, help_heading = "Architecture")]
    out_kib: Vec<String>,
    /// DRAM type: ddr3, ddr4, lpddr4, gddr5, gddr6, hbm2.
    #[arg(long, help_heading = "Architecture")]
    dram: Vec<String>,
    /// DRAM bandwidth, GB/s.
    #[arg(long, help_heading = "Architecture")]
    dram_gbps: Vec<String>,
    /// Clock, MHz.
    #[arg(long, help_heading = "Architecture")]
    clock_mhz: Vec<String>,

    /// Model name (see `tritone models`).
    #[arg(long, help_heading = "Workload")]
    model: Vec<String>,
    /// Batch size.
    #[arg(long, help_heading = "Workload")]
    batch: Vec<String>,
    /// Prompt tokens.
    #[arg(long, help_heading = "Workload")]
    prefill: Vec<String>,
    /// Generated tokens.
    #[arg(long, help_heading = "Workload")]
    decode: Vec<String>,
    /// KV-cache bits per element: 16, 8, 4.
    #[arg(long, help_heading = "Workload")]
    kv_bits: Vec<String>,
}

impl SweepArgs {
    /// The command-line lists, by parameter.
    fn lists(&self) -> [(Param, &Vec<String>); 17] {
        let l = &self.lists;
        [
            (Param::Rows, &l.rows),
            (Param::Cols, &l.cols),
            (Param::Pe, &l.pe),
            (Param::AccBits, &l.acc_bits),
            (Param::DoubleBuffer, &l.double_buffer),
            (Param::WeightRowsPerCycle, &l.weight_rows_per_cycle),
            (Param::WeightKib, &l.weight_kib),
            (Param::ActKib, &l.act_kib),
            (Param::OutKib, &l.out_kib),
            (Param::Dram, &l.dram),
            (Param::DramGbps, &l.dram_gbps),
            (Param::ClockMhz, &l.clock_mhz),
            (Param::Model, &l.model),
            (Param::Batch, &l.batch),
            (Param::Prefill, &l.prefill),
            (Param::Decode, &l.decode),
            (Param::KvBits, &l.kv_bits),
        ]
    }

    fn spec(&self) -> anyhow::Result<SweepSpec> {
        let mut spec = match &self.spec {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                SweepSpec::from_toml_str(&text).with_context(|| format!("in {}", path.display()))?
            }
            None => SweepSpec::default(),
        };
        for (param, given) in self.lists() {
            if !given.is_empty() {
                spec.set(param, &given.join(","))?;
            }
        }
        Ok(spec)
    }
}

/// Resource counts of the Verilog generated for `cfg` (Yosys `synth_xilinx`).
fn yosys_counts(cfg: &tritone_sim::ArrayConfig) -> Result<SynthCounts, String> {
    let s = tritone_hdl::synth::synth_xilinx(cfg).map_err(|e| e.to_string())?;
    Ok(SynthCounts {
        luts: s.luts,
        ffs: s.ffs,
        brams: s.brams,
        dsps: s.dsps,
    })
}

/// Runs `tritone sweep`.
pub fn run(args: SweepArgs) -> anyhow::Result<()> {
    if !args.merge.is_empty() {
        let given = args.lists().iter().any(|(_, v)| !v.is_empty());
        if given || args.shard.is_some() || args.synth {
            bail!("--merge takes only the shard CSVs and --out");
        }
        let table = merge_shards(&args.merge)?;
        let files = write_outputs(&table, &args.out)?;
        let pareto = table.rows.iter().filter(|r| r.pareto).count();
        println!(
            "merged {} files: {} points, {pareto} on the Pareto front",
            args.merge.len(),
            table.rows.len()
        );
        for f in files {
            println!("wrote {}", f.display());
        }
        return Ok(());
    }
    let spec = args.spec()?;
    let shard = args.shard.as_deref().map(str::parse::<Shard>).transpose()?;
    let node: tritone_energy::Node = args.node.parse()?;
    let evaluator = ModelEvaluator::new(node);
    let mut cache = match (args.synth, &args.synth_cache) {
        (false, _) => None,
        (true, Some(path)) => Some(SynthCache::open(path)?),
        (true, None) => Some(SynthCache::open(&sibling(&args.out, "-synth.json"))?),
    };
    let options = SweepOptions {
        out: args.out.clone(),
        shard,
        synth: cache.as_mut().map(|cache| SynthStage {
            synthesizer: &yosys_counts,
            cache,
        }),
        progress: !args.quiet,
    };
    let s = run_sweep(&spec, &evaluator, options)?;
    let secs = s.eval_time.as_secs_f64();
    let rate = if secs > 0.0 {
        s.evaluated as f64 / secs
    } else {
        0.0
    };
    println!(
        "{} of {} points in this run ({} evaluated in {secs:.2} s, {rate:.0} points/s; {} resumed)",
        s.shard_points, s.total_points, s.evaluated, s.resumed
    );
    println!(
        "ok {}, invalid {}, failed {}; {} on the Pareto front",
        s.ok, s.invalid, s.failed, s.pareto
    );
    if args.synth {
        println!(
            "synthesized {} hardware configurations (others from the cache)",
            s.synthesized
        );
    }
    for f in s.files {
        println!("wrote {}", f.display());
    }
    Ok(())
}
