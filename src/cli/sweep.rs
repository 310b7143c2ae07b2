//! `tritone sweep`: design-space sweeps and the merging of their shards.

use super::output::outln;
use anyhow::{bail, Context};
use clap::{ArgMatches, Args, FromArgMatches};
use std::path::PathBuf;
use tritone_eval::param::{Group, PARAMS};
use tritone_reports::sweep::space::fingerprint;
use tritone_reports::sweep::{
    merge_shards,
    run::{output_files, sibling},
    run_sweep, write_outputs, ModelEvaluator, Shard, SweepOptions, SweepSpec, SynthCache,
    SynthCounts, SynthStage, Synthesizer, DEFAULT_MAX_POINTS,
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
    /// An existing file (and its `<stem>-journal.csv`) is resumed: points already
    /// evaluated are not evaluated again.
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
    /// Add Yosys LUT/FF/BRAM/DSP counts of the generated engine (hierarchical synthesis, cached per hardware configuration).
    #[arg(long)]
    synth: bool,
    /// Synthesis cache file (default: `<stem>-synth.json` next to `--out`).
    #[arg(long, requires = "synth")]
    synth_cache: Option<PathBuf>,
    /// Technology node of the built-in energy table: 7nm or 45nm.
    #[arg(long, default_value = "7nm")]
    node: tritone_energy::Node,
    /// Your own energy table (TOML, same schema as the built-in ones); overrides --node.
    #[arg(long)]
    table: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Most design points of the sweep (the product of its lists, all shards
    /// together); a larger sweep is refused before any work.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_POINTS,
          value_parser = clap::value_parser!(u64).range(1..))]
    max_points: u64,

    /// The swept parameters, one flag per entry of the parameter table.
    #[command(flatten)]
    lists: ParamLists,
}

/// The value lists given on the command line, one flag per parameter of the
/// parameter table (`--rows`, `--clock-mhz`, ...), by table position.
pub struct ParamLists(Vec<Vec<String>>);

impl FromArgMatches for ParamLists {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        Ok(ParamLists(
            PARAMS
                .iter()
                .map(|p| {
                    m.get_many::<String>(p.name)
                        .map(|v| v.cloned().collect())
                        .unwrap_or_default()
                })
                .collect(),
        ))
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = ParamLists::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for ParamLists {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        PARAMS.iter().fold(cmd, |cmd, p| {
            let heading = match p.group {
                Group::Rtl { .. } | Group::Arch => "Architecture",
                Group::Workload => "Workload",
            };
            cmd.arg(
                clap::Arg::new(p.name)
                    // Built once per process: clap keeps flag names as `&'static str`.
                    .long(&*p.flag()[2..].to_string().leak())
                    .value_name("LIST")
                    // `--dram-gbps -5` reaches the range check, which names it.
                    .allow_negative_numbers(true)
                    .action(clap::ArgAction::Append)
                    .help(format!("{} [{}]", p.about, p.kind.values_doc()))
                    .help_heading(heading),
            )
        })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        ParamLists::augment_args(cmd)
    }
}

impl SweepArgs {
    fn spec(&self) -> anyhow::Result<SweepSpec> {
        let mut spec = match &self.spec {
            Some(path) => {
                let text = tritone_reference::input::read_text(path, MAX_SPEC_BYTES)
                    .with_context(|| format!("cannot read --spec {}", path.display()))?;
                SweepSpec::from_toml_str(&text).with_context(|| format!("in {}", path.display()))?
            }
            None => SweepSpec::default(),
        };
        for (p, given) in PARAMS.iter().zip(&self.lists.0) {
            if !given.is_empty() {
                spec.set(p.name, &given.join(","))?;
            }
        }
        Ok(spec)
    }
}

/// Largest `--spec` file read: 1 MiB. A spec lists parameter values and
/// ranges (a few hundred bytes); a device or pipe without end is cut there.
const MAX_SPEC_BYTES: u64 = 1 << 20;

/// Refuses, before any work, outputs of the sweep writing `out` that are
/// inputs or that collide with each other (`--out s.json` would write its
/// JSON over its own CSV).
fn refuse_collisions(
    out: &std::path::Path,
    synth: bool,
    cache: Option<&std::path::Path>,
    inputs: &[super::Named<'_>],
) -> anyhow::Result<()> {
    let mut outputs = output_files(out, synth);
    if let Some(c) = cache {
        outputs.push(("--synth-cache", c.to_path_buf()));
    }
    let named: Vec<super::Named<'_>> = outputs.iter().map(|(f, p)| (*f, p.as_path())).collect();
    super::refuse_overwrite(&named, inputs)
}

/// Resource counts of the engine generated for a configuration: Yosys
/// `synth_xilinx` of the engine around the array, the array's top, its rows
/// and its delay lines, added up (hierarchical; its cost and its check
/// against flat synthesis are in `docs/engine.md`, "Resources").
struct YosysCount {
    /// `yosys -V`, or why Yosys cannot run (synthesis then reports it).
    yosys: String,
}

impl Synthesizer for YosysCount {
    fn synthesize(&self, cfg: &tritone_sim::ArrayConfig) -> Result<SynthCounts, String> {
        let design = tritone_hdl::engine::EngineDesign::new(cfg).map_err(|e| e.to_string())?;
        let s =
            tritone_hdl::engine::synth::synth_hierarchical(&design).map_err(|e| e.to_string())?;
        Ok(SynthCounts {
            luts: s.stats.luts,
            ffs: s.stats.ffs,
            brams: s.stats.brams,
            dsps: s.stats.dsps,
        })
    }

    /// The method's version, the tool's and a fingerprint of the Verilog.
    fn identity(&self, cfg: &tritone_sim::ArrayConfig) -> String {
        let verilog = match tritone_hdl::engine::EngineDesign::new(cfg) {
            Ok(design) => format!(
                "{:016x}",
                fingerprint(tritone_hdl::engine::verilog(&design).as_bytes())
            ),
            Err(_) => "refused".to_string(),
        };
        format!(
            "hierarchical v{}; {}; verilog {verilog}",
            tritone_hdl::engine::synth::HIERARCHICAL_METHOD,
            self.yosys
        )
    }
}

/// Runs `tritone sweep`.
pub fn run(args: SweepArgs) -> anyhow::Result<()> {
    if !args.merge.is_empty() {
        let given = args.lists.0.iter().any(|v| !v.is_empty());
        if given || args.shard.is_some() || args.synth {
            bail!("--merge takes only the shard CSVs and --out");
        }
        let inputs: Vec<super::Named<'_>> = args
            .merge
            .iter()
            .map(|p| ("--merge", p.as_path()))
            .collect();
        refuse_collisions(&args.out, false, None, &inputs)?;
        let table = merge_shards(&args.merge)?;
        let files = write_outputs(&table, &args.out)?;
        let pareto = table.rows.iter().filter(|r| r.pareto).count();
        outln!(
            "merged {} files: {} points, {pareto} on the Pareto front",
            args.merge.len(),
            table.rows.len()
        )?;
        for f in files {
            outln!("wrote {}", f.display())?;
        }
        return Ok(());
    }
    let cache_path = args.synth.then(|| {
        args.synth_cache
            .clone()
            .unwrap_or_else(|| sibling(&args.out, "-synth.json"))
    });
    let mut inputs: Vec<super::Named<'_>> = Vec::new();
    if let Some(p) = &args.spec {
        inputs.push(("--spec", p));
    }
    if let Some(p) = &args.table {
        inputs.push(("--table", p));
    }
    refuse_collisions(&args.out, args.synth, cache_path.as_deref(), &inputs)?;
    let spec = args.spec()?;
    let shard = args.shard.as_deref().map(str::parse::<Shard>).transpose()?;
    // Counted and printed before any work; refused past the limit.
    let total = spec.check_size(args.max_points).map_err(|e| {
        anyhow::anyhow!("{e}; raise the limit with --max-points N if the sweep is meant")
    })?;
    let plural = if total == 1 { "" } else { "s" };
    outln!("{total} design point{plural} ({})", spec.factors())?;
    let evaluator = match &args.table {
        Some(path) => ModelEvaluator::with_table(tritone_energy::Ert::from_toml_file(path)?),
        None => ModelEvaluator::new(args.node),
    };
    let mut cache = cache_path.as_deref().map(SynthCache::open).transpose()?;
    let synthesizer = YosysCount {
        yosys: tritone_hdl::synth::yosys_version().unwrap_or_else(|e| e.to_string()),
    };
    let options = SweepOptions {
        out: args.out.clone(),
        shard,
        synth: cache.as_mut().map(|cache| SynthStage {
            synthesizer: &synthesizer,
            cache,
        }),
        progress: !args.quiet,
        max_points: args.max_points,
    };
    let s = run_sweep(&spec, &evaluator, options)?;
    let secs = s.eval_time.as_secs_f64();
    let rate = if secs > 0.0 {
        s.evaluated as f64 / secs
    } else {
        0.0
    };
    outln!(
        "{} of {} points in this run ({} evaluated in {secs:.2} s, {rate:.0} points/s; {} resumed)",
        s.shard_points,
        s.total_points,
        s.evaluated,
        s.resumed
    )?;
    outln!(
        "ok {}, invalid {}, failed {}; {} on the Pareto front",
        s.ok,
        s.invalid,
        s.failed,
        s.pareto
    )?;
    if args.synth {
        outln!(
            "synthesized {} hardware configurations (others from the cache)",
            s.synthesized
        )?;
    }
    for f in s.files {
        outln!("wrote {}", f.display())?;
    }
    Ok(())
}
