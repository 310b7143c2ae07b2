//! `tritone run`: a HuggingFace checkpoint end to end (logits and greedy
//! decoding), and what a hardware design does to its outputs: every BitLinear
//! through the simulator's functional array model (`--array` with the design
//! options of `tritone simulate`), INT8 attention and a quantized KV cache,
//! compared with the reference run.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use tritone_reference::model::compare::{compare_logits, Divergence};
use tritone_reference::model::linear::TernaryLinear;
use tritone_reference::model::{
    AttentionOptions, AttentionPrecision, KvCache, LinearBackend, ReferenceBackend,
};
use tritone_reference::{write_tensors, Generation, Model, NamedTensor, TensorData};
use tritone_sim::config::AttentionPrecision as ArchAttention;
use tritone_sim::functional::{self, Fidelity, NarrowAccumulator, WeightMatrix};
use tritone_sim::gemm::GemmShape;
use tritone_sim::{ArrayConfig, PeKind};

use super::design::DesignArgs;
use super::output::outln;

/// Arguments of `tritone run`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// Checkpoint directory: config.json plus model.safetensors or
    /// model.safetensors.index.json.
    #[arg(long)]
    checkpoint: PathBuf,
    /// Prompt token ids, comma-separated.
    #[arg(long, value_delimiter = ',', required = true, num_args = 1..)]
    ids: Vec<u32>,
    /// Greedy decoding steps after the prompt.
    #[arg(long, default_value_t = 0)]
    decode: usize,
    /// Write `ids` [P+N] and `logits` [P+N, vocab] (and `logits_hardware` when
    /// comparing) to this safetensors file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Run every BitLinear through the functional array model of the design
    /// given by the options below (as `tritone simulate` takes them), and
    /// compare with the reference run. `--acc-bits` may be below the
    /// overflow-free minimum here: the PE adders then wrap.
    #[arg(long)]
    array: bool,
    #[command(flatten)]
    design: DesignArgs,
    /// Attention arithmetic: fp16 (computed in f32, like the reference) or
    /// int8 (INT8 QKᵀ and AV operands, i32 sums); default: the design's.
    #[arg(long)]
    attention: Option<CliAttention>,
    /// KV-cache bits: 16 (full precision, like the reference), 8 or 4;
    /// default: the design's.
    #[arg(long)]
    kv_bits: Option<u32>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Most logit values the run may keep: (ids + decode) × vocab; each is
    /// 4 bytes, twice when comparing with a design (see docs/limits.md).
    #[arg(long, default_value_t = DEFAULT_MAX_LOGITS, value_name = "N")]
    max_logits: u64,
}

/// Default of `--max-logits`: 2²⁸ values, 1 GiB of f32 logits (for example
/// 2,048 positions of a 128,256-token vocabulary).
pub const DEFAULT_MAX_LOGITS: u64 = 1 << 28;

/// `--attention` values (the simulator's `attention` field).
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum CliAttention {
    /// FP16 on the vector unit (the reference's f32 here).
    Fp16,
    /// INT8 operands, wide integer sums.
    Int8,
}

/// BitLinear's integer product on the simulator's functional array model:
/// folds in the array's order, `acc_bits`-wide PE adders with two's-complement
/// wrap, 32-bit output-buffer accumulation over K-folds.
struct ArrayBackend {
    cfg: ArrayConfig,
    acc: NarrowAccumulator,
}

impl LinearBackend for ArrayBackend {
    fn ternary_matmul(
        &self,
        x: &[i8],
        w: &TernaryLinear,
        m: usize,
        k: usize,
        n: usize,
    ) -> Vec<i32> {
        let w = &w.trits;
        let shape = GemmShape {
            m: m as u64,
            k: k as u64,
            n: n as u64,
        };
        // Trits are integers every functional PE kind holds (checked per value).
        let weights = WeightMatrix::Ternary(w);
        let result = if self.acc.bits() == self.cfg.acc_bits() {
            functional::gemm(&self.cfg, &shape, x, weights, Fidelity::Dataflow)
        } else {
            functional::gemm_narrow(&self.cfg, self.acc, &shape, x, weights)
        };
        // The PE kind and the layer shapes are checked before the run starts.
        result.expect("a checked design runs every layer").y
    }
}

/// What the hardware run changes, as chosen on the command line.
struct HardwareChoice {
    backend: Option<ArrayBackend>,
    /// Requested width and the design's overflow-free minimum.
    acc: Option<(u32, u32)>,
    attention: AttentionOptions,
}

impl HardwareChoice {
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let (Some(b), Some((bits, min))) = (&self.backend, self.acc) {
            let c = &b.cfg;
            parts.push(format!(
                "{}×{} {} array, {bits}-bit accumulator{}",
                c.rows(),
                c.cols(),
                c.pe().name(),
                if bits < min {
                    format!(" (overflow-free minimum {min}: wraps)")
                } else {
                    String::new()
                }
            ));
        }
        parts.push(match self.attention.precision {
            AttentionPrecision::Float => "FP16 attention".to_string(),
            AttentionPrecision::Int8 => "INT8 attention".to_string(),
        });
        parts.push(match self.attention.kv_cache {
            KvCache::Float => "16-bit KV cache".to_string(),
            KvCache::Int8 => "8-bit KV cache".to_string(),
            KvCache::Int4 => "4-bit KV cache".to_string(),
        });
        parts.join(", ")
    }

    /// Whether anything differs from the reference.
    fn is_active(&self) -> bool {
        self.backend.is_some() || self.attention != AttentionOptions::default()
    }
}

fn design_given(d: &DesignArgs) -> bool {
    d.arch.is_some()
        || d.rows.is_some()
        || d.cols.is_some()
        || d.acc_bits.is_some()
        || d.double_buffer
        || d.single_buffer
        || d.pe.is_some()
        || d.weight_banks.is_some()
        || d.weight_rows_per_cycle.is_some()
        || d.dataflow.is_some()
}

/// The positions of the run (prompt and generated), refused up front when
/// their logits would pass `--max-logits`.
fn check_positions(a: &RunArgs, model: &Model) -> anyhow::Result<u64> {
    let vocab = model.config.shape.vocab as u64;
    let positions = (a.ids.len() as u64).saturating_add(a.decode as u64);
    let values = positions.saturating_mul(vocab);
    if values > a.max_logits {
        bail!(
            "{} prompt ids and --decode {} make {positions} positions of {vocab} logits = \
             {values} values, more than --max-logits {} (raise it if the memory is there: \
             4 bytes a value, twice with a hardware comparison)",
            a.ids.len(),
            a.decode,
            a.max_logits
        );
    }
    Ok(positions)
}

fn hardware_choice(a: &RunArgs, model: &Model, positions: u64) -> anyhow::Result<HardwareChoice> {
    if !a.array && design_given(&a.design) {
        bail!("design options (--arch, --rows, --cols, --acc-bits, --pe, ...) need --array");
    }
    let (mut attention, mut kv_bits) = (AttentionPrecision::Float, 16);
    let mut backend = None;
    let mut acc = None;
    if a.array {
        if model.config.quantization.is_none() {
            bail!(
                "--array runs BitLinear layers, and checkpoint {} has none (its config has no BitNet quantization)",
                a.checkpoint.display()
            );
        }
        // Every layer must be a GEMM the functional model accepts: checked
        // here once, so no layer can fail halfway through the run.
        let c = &model.config;
        let q_dim = c.head_dim as u64 * c.shape.heads as u64;
        let widest = [c.shape.hidden as u64, c.shape.ffn as u64, q_dim]
            .into_iter()
            .max()
            .unwrap_or(1);
        GemmShape {
            m: positions,
            k: widest,
            n: widest,
        }
        .validate()
        .context("the checkpoint's layers on --array")?;
        let mut spec = a.design.spec(true)?;
        let requested = spec.acc_bits.take();
        let cfg = ArrayConfig::new(spec)?;
        if cfg.pe().functional().is_none() {
            let with: Vec<&str> = PeKind::ALL
                .iter()
                .filter(|k| k.functional().is_some())
                .map(|k| k.name())
                .collect();
            bail!(
                "--pe {} has no functional model: choose {} for --array",
                cfg.pe().name(),
                with.join(" or ")
            );
        }
        let min = cfg.acc_bits();
        let bits = requested.unwrap_or(min);
        acc = Some((bits, min));
        attention = match cfg.attention() {
            ArchAttention::Fp16 => AttentionPrecision::Float,
            ArchAttention::Int8 => AttentionPrecision::Int8,
        };
        kv_bits = cfg.kv_bits();
        backend = Some(ArrayBackend {
            acc: NarrowAccumulator::new(bits).context("--acc-bits")?,
            cfg,
        });
    }
    if let Some(p) = a.attention {
        attention = match p {
            CliAttention::Fp16 => AttentionPrecision::Float,
            CliAttention::Int8 => AttentionPrecision::Int8,
        };
    }
    let kv_bits = a.kv_bits.unwrap_or(kv_bits);
    let kv_cache = KvCache::from_bits(kv_bits)
        .with_context(|| format!("--kv-bits {kv_bits}: must be 16, 8 or 4"))?;
    Ok(HardwareChoice {
        backend,
        acc,
        attention: AttentionOptions {
            precision: attention,
            kv_cache,
        },
    })
}

/// Every file of the run's inputs with the flag that brought it, so `--out`
/// can never replace one.
fn input_files(a: &RunArgs) -> Vec<(&'static str, PathBuf)> {
    let mut files: Vec<(&str, PathBuf)> = std::fs::read_dir(&a.checkpoint)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| ("--checkpoint", e.path())))
                .collect()
        })
        .unwrap_or_default();
    files.extend(a.design.arch.clone().map(|p| ("--arch", p)));
    files
}

/// A progress bar on standard error that appears only once a run has taken
/// more than a second.
struct Progress {
    bar: ProgressBar,
    start: Instant,
    shown: bool,
    label: &'static str,
}

impl Progress {
    fn new(label: &'static str) -> Progress {
        Progress {
            bar: ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()),
            start: Instant::now(),
            shown: false,
            label,
        }
    }

    fn update(&mut self, done: usize, total: usize) {
        if !self.shown && self.start.elapsed() > Duration::from_secs(1) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.set_style(
                ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} positions ({per_sec})")
                    .expect("valid template"),
            );
            self.bar.set_message(self.label);
            self.shown = true;
        }
        self.bar.set_length(total as u64);
        self.bar.set_position(done as u64);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// A greedy run with its timing.
struct Timed {
    generation: Generation,
    prefill: Duration,
    decode: Duration,
}

fn generate(
    model: &Model,
    backend: &dyn LinearBackend,
    attention: AttentionOptions,
    a: &RunArgs,
    label: &'static str,
) -> anyhow::Result<Timed> {
    let mut progress = Progress::new(label);
    let start = Instant::now();
    let mut prefill = None;
    let generation = model.generate(backend, attention, &a.ids, a.decode, &mut |done, total| {
        prefill.get_or_insert_with(|| start.elapsed());
        progress.update(done, total);
    })?;
    let prefill = prefill.unwrap_or_default();
    Ok(Timed {
        generation,
        prefill,
        decode: start.elapsed() - prefill,
    })
}

/// Runs `tritone run`.
pub fn run(a: RunArgs) -> anyhow::Result<()> {
    if let Some(out) = &a.out {
        let inputs = input_files(&a);
        let named: Vec<super::Named<'_>> = inputs.iter().map(|(f, p)| (*f, p.as_path())).collect();
        super::refuse_overwrite(&[("--out", out)], &named)?;
    }
    let model = Model::from_dir(&a.checkpoint)
        .with_context(|| format!("loading --checkpoint {}", a.checkpoint.display()))?;
    let positions = check_positions(&a, &model)?;
    let hw = hardware_choice(&a, &model, positions)?;
    let vocab = model.config.shape.vocab as usize;
    let reference = generate(
        &model,
        &ReferenceBackend,
        AttentionOptions::default(),
        &a,
        "reference",
    )?;
    let g = &reference.generation;

    let comparison = if hw.is_active() {
        let backend: &dyn LinearBackend = match &hw.backend {
            Some(b) => b,
            None => &ReferenceBackend,
        };
        // Teacher forcing: the design sees the reference's tokens, so every
        // position compares like with like.
        let logits = model.score(backend, hw.attention, &g.ids)?;
        let all = compare_logits(&g.logits, &logits, vocab);
        // Decode positions: the rows that chose the generated tokens.
        let rows = (g.prompt_len - 1) * vocab..(g.ids.len() - 1) * vocab;
        let decode = compare_logits(&g.logits[rows.clone()], &logits[rows], vocab);
        // Free running: the design's own greedy tokens.
        let free = generate(&model, backend, hw.attention, &a, "hardware")?.generation;
        let same = free
            .generated()
            .iter()
            .zip(g.generated())
            .filter(|(x, y)| x == y)
            .count();
        let first_diff = free
            .generated()
            .iter()
            .zip(g.generated())
            .position(|(x, y)| x != y);
        Some((logits, all, decode, same, first_diff))
    } else {
        None
    };

    if let Some(out) = &a.out {
        let positions = g.ids.len();
        let mut tensors = vec![
            NamedTensor::new(
                "ids",
                &[positions],
                TensorData::I32(g.ids.iter().map(|&i| i as i32).collect()),
            ),
            NamedTensor::new(
                "logits",
                &[positions, vocab],
                TensorData::F32(g.logits.clone()),
            ),
        ];
        if let Some((logits, ..)) = &comparison {
            tensors.push(NamedTensor::new(
                "logits_hardware",
                &[positions, vocab],
                TensorData::F32(logits.clone()),
            ));
        }
        write_tensors(out, &tensors).with_context(|| format!("writing --out {}", out.display()))?;
    }

    let tokens_per_s = |n: usize, d: Duration| n as f64 / d.as_secs_f64().max(1e-9);
    let s = &model.config.shape;
    let kind = match model.config.quantization {
        Some(q) => format!("ternary ({})", q.config_name()),
        None => "full precision".to_string(),
    };
    if a.json {
        let mut j = json!({
            "checkpoint": a.checkpoint.display().to_string(),
            "model": { "layers": s.layers, "hidden": s.hidden, "vocab": s.vocab, "linear": kind,
                       "params": model.config.params().total() },
            "prompt": a.ids,
            "generated": g.generated(),
            "prefill_s": reference.prefill.as_secs_f64(),
            "decode_s": reference.decode.as_secs_f64(),
            "decode_tokens_per_s": tokens_per_s(a.decode, reference.decode),
        });
        if let Some((_, all, decode, same, first_diff)) = &comparison {
            j["hardware"] = json!({
                "choice": hw.describe(),
                "positions": all.positions,
                "max_abs_logit_diff": all.max_abs_logit,
                "mean_kl": all.mean_kl,
                "max_kl": all.max_kl,
                "top1_agreement": all.top1_fraction(),
                "decode_top1_agreement": if a.decode > 0 { json!(decode.top1_fraction()) } else { json!(null) },
                "greedy_tokens_agree": same,
                "greedy_tokens": a.decode,
                "first_divergence": first_diff,
            });
        }
        outln!("{}", serde_json::to_string_pretty(&j)?)?;
        return Ok(());
    }
    outln!(
        "{}: {} layers, hidden {}, vocab {}, {} parameters, {kind}",
        a.checkpoint.display(),
        s.layers,
        s.hidden,
        s.vocab,
        model.config.params().total()
    )?;
    let ids = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(" ");
    outln!("prompt ({} ids): {}", a.ids.len(), ids(&a.ids))?;
    if a.decode > 0 {
        outln!("generated ({} ids): {}", a.decode, ids(g.generated()))?;
    }
    outln!(
        "prefill {:.3} s ({:.1} tokens/s); decode {:.3} s ({:.1} tokens/s)",
        reference.prefill.as_secs_f64(),
        tokens_per_s(a.ids.len(), reference.prefill),
        reference.decode.as_secs_f64(),
        tokens_per_s(a.decode, reference.decode)
    )?;
    if let Some((_, all, decode, same, first_diff)) = &comparison {
        print_comparison(&hw, all, decode, *same, *first_diff, a.decode)?;
    }
    if let Some(out) = &a.out {
        outln!("wrote {}", out.display())?;
    }
    Ok(())
}

fn print_comparison(
    hw: &HardwareChoice,
    all: &Divergence,
    decode: &Divergence,
    same: usize,
    first_diff: Option<usize>,
    steps: usize,
) -> anyhow::Result<()> {
    outln!("\nhardware: {}", hw.describe())?;
    outln!(
        "against the reference, teacher-forced over {} positions:",
        all.positions
    )?;
    outln!("  max |Δlogit|          {:.3e}", all.max_abs_logit)?;
    outln!(
        "  KL(ref ‖ hw) mean/max {:.3e} / {:.3e} nats",
        all.mean_kl,
        all.max_kl
    )?;
    outln!(
        "  top-1 agreement       {}/{} positions ({:.1} %)",
        all.top1_agree,
        all.positions,
        100.0 * all.top1_fraction()
    )?;
    if steps > 0 {
        outln!(
            "  greedy tokens         {}/{} agree teacher-forced, {same}/{steps} free-running{}",
            decode.top1_agree,
            steps,
            match first_diff {
                Some(i) => format!(" (first divergence at step {})", i + 1),
                None => String::new(),
            }
        )?;
    }
    Ok(())
}
