//! `tritone reference ...`: run the bit-exact BitLinear on safetensors files,
//! or show it on built-in demo data.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use tritone_reference::{
    bitlinear_with_gamma, demo, read_matrix, read_tensor_f32, write_tensors, BitLinearOutput,
    NamedTensor, ReferenceError, TensorData, Trit, Variant,
};

use super::output::outln;

/// Default of `--max-outputs`: 2²⁷ output values (M·N), 512 MiB per [M, N]
/// tensor, about 3.5 GiB of memory at the peak (for example 4,096 tokens of
/// a 28,672-wide layer, the 70B model's FFN).
pub const DEFAULT_MAX_OUTPUTS: u64 = 1 << 27;

/// Subcommands of `tritone reference`.
#[derive(clap::Subcommand)]
pub enum ReferenceCommand {
    /// BitLinear on safetensors files: reads `weight` [N, K] and `input` [M, K]
    /// (F32/F16/BF16) and, when present, `weight_scale` (γ) from the weight
    /// file; writes weight_ternary, weight_scale, input_int8, input_scale, acc
    /// and output, plus bitlinear_weight_scale, output_bitlinear and
    /// output_autobitlinear (transformers' two layer classes) for b1.58.
    Bitlinear(BitlinearArgs),
    /// BitLinear on small seeded demo data, printed stage by stage.
    Demo {
        /// Quantizer: BitNet b1.58 (ternary) or the original 1-bit BitNet.
        #[arg(long, value_enum, default_value = "b1.58")]
        variant: CliVariant,
    },
}

/// Arguments of `tritone reference bitlinear`.
#[derive(clap::Args)]
pub struct BitlinearArgs {
    /// safetensors file holding the tensor `weight`, [N, K].
    #[arg(long)]
    weight: PathBuf,
    /// safetensors file holding the tensor `input`, [M, K].
    #[arg(long)]
    input: PathBuf,
    /// Output safetensors file (written atomically).
    #[arg(long)]
    out: PathBuf,
    /// Quantizer: BitNet b1.58 (ternary) or the original 1-bit BitNet.
    #[arg(long, value_enum, default_value = "b1.58")]
    variant: CliVariant,
    /// γ = mean|W| as PyTorch computed it (b1.58); overrides a `weight_scale`
    /// tensor in the weight file. Without either, γ is recomputed.
    #[arg(long)]
    weight_scale: Option<f32>,
    /// Most output values M·N to compute: each takes about 28 bytes of memory
    /// at the peak and 12 to 16 bytes in the file (see docs/limits.md).
    #[arg(long, default_value_t = DEFAULT_MAX_OUTPUTS, value_name = "N")]
    max_outputs: u64,
}

/// `--variant` values.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum CliVariant {
    /// BitNet b1.58: absmean ternary weights, scale γ.
    #[value(name = "b1.58")]
    B158,
    /// Original 1-bit BitNet: Sign(W − α), scale β.
    #[value(name = "bitnet")]
    Bitnet,
}

impl From<CliVariant> for Variant {
    fn from(v: CliVariant) -> Variant {
        match v {
            CliVariant::B158 => Variant::B158,
            CliVariant::Bitnet => Variant::BitNet1,
        }
    }
}

/// Runs `tritone reference`.
pub fn run(cmd: ReferenceCommand) -> anyhow::Result<()> {
    match cmd {
        ReferenceCommand::Bitlinear(a) => run_bitlinear(a),
        ReferenceCommand::Demo { variant } => print_demo(variant.into()),
    }
}

fn run_bitlinear(a: BitlinearArgs) -> anyhow::Result<()> {
    super::refuse_overwrite(
        &[("--out", &a.out)],
        &[("--weight", &a.weight), ("--input", &a.input)],
    )?;
    let weight = read_matrix(&a.weight, "weight")
        .with_context(|| format!("reading --weight {}", a.weight.display()))?;
    let input = read_matrix(&a.input, "input")
        .with_context(|| format!("reading --input {}", a.input.display()))?;
    let (m, n) = (input.rows() as u64, weight.rows() as u64);
    let outputs = m.saturating_mul(n);
    if outputs > a.max_outputs {
        bail!(
            "output [M, N] = [{m}, {n}] has {outputs} values, more than --max-outputs {} \
             (raise it if the memory is there: about 28 bytes a value at the peak)",
            a.max_outputs
        );
    }
    let variant = Variant::from(a.variant);
    let gamma = match (a.weight_scale, variant) {
        (Some(g), _) => Some(g),
        (None, Variant::B158) => stored_gamma(&a.weight)
            .with_context(|| format!("reading --weight {}", a.weight.display()))?,
        (None, Variant::BitNet1) => None,
    };
    let out = bitlinear_with_gamma(&weight, &input, variant, gamma)?;
    let (m, k, n) = (out.m(), out.k(), out.n);
    write_tensors(&a.out, &output_tensors(&out))
        .with_context(|| format!("writing --out {}", a.out.display()))?;

    let scale_name = match variant {
        Variant::B158 => "γ",
        Variant::BitNet1 => "β",
    };
    let count = |t: Trit| out.weights.iter().filter(|&&w| w == t).count() as f64;
    let pct = |t: Trit| 100.0 * count(t) / out.weights.len() as f64;
    outln!(
        "BitLinear ({}): weight [{n}, {k}], input [{m}, {k}] -> output [{m}, {n}] \
         ({} additions for {} outputs)",
        variant.cli_name(),
        m as u128 * n as u128 * k as u128,
        m as u128 * n as u128
    )?;
    outln!(
        "  {scale_name} = {:e}; weights −1 {:.1} %, 0 {:.1} %, +1 {:.1} %",
        out.weight_scale,
        pct(Trit::Neg),
        pct(Trit::Zero),
        pct(Trit::Pos)
    )?;
    let names: Vec<String> = output_tensors(&out)
        .iter()
        .map(|t| format!("{} {:?}", t.name, t.shape))
        .collect();
    outln!("  wrote {}: {}", a.out.display(), names.join(", "))?;
    Ok(())
}

/// The weight file's `weight_scale` (γ, one value) when it has one.
fn stored_gamma(path: &Path) -> anyhow::Result<Option<f32>> {
    match read_tensor_f32(path, "weight_scale") {
        Ok(t) => match t.data[..] {
            [g] => Ok(Some(g)),
            _ => anyhow::bail!(
                "tensor `weight_scale` has shape {:?}; expected one value (γ)",
                t.shape
            ),
        },
        Err(ReferenceError::MissingTensor { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The tensors `tritone reference bitlinear` writes, in file order.
fn output_tensors(out: &BitLinearOutput) -> Vec<NamedTensor> {
    let (m, k, n) = (out.m(), out.k(), out.n);
    let trits = out.weights.iter().map(|t| t.to_i8()).collect();
    let mut tensors = vec![
        NamedTensor::new("weight_ternary", &[n, k], TensorData::I8(trits)),
        NamedTensor::new(
            "weight_scale",
            &[1],
            TensorData::F32(vec![out.weight_scale]),
        ),
        NamedTensor::new(
            "input_int8",
            &[m, k],
            TensorData::I8(out.activations.q.clone()),
        ),
        NamedTensor::new(
            "input_scale",
            &[m],
            TensorData::F32(out.activations.scales.clone()),
        ),
        NamedTensor::new("acc", &[m, n], TensorData::I32(out.acc.clone())),
        NamedTensor::new("output", &[m, n], TensorData::F32(out.output.clone())),
    ];
    // transformers' two b1.58 layer classes, named after them.
    if let (Some(inv), Some(y)) = (out.bitlinear_weight_scale, &out.output_bitlinear) {
        tensors.extend([
            NamedTensor::new("bitlinear_weight_scale", &[1], TensorData::F32(vec![inv])),
            NamedTensor::new("output_bitlinear", &[m, n], TensorData::F32(y.clone())),
            NamedTensor::new(
                "output_autobitlinear",
                &[m, n],
                TensorData::F32(out.output.clone()),
            ),
        ]);
    }
    tensors
}

fn print_demo(variant: Variant) -> anyhow::Result<()> {
    let d = demo(variant);
    let r = &d.result;
    let (m, k, n) = (r.m(), r.k(), r.n);
    let scale_name = match variant {
        Variant::B158 => "γ",
        Variant::BitNet1 => "β",
    };
    outln!(
        "BitLinear ({}) on seeded demo data: W [{n}, {k}], x [{m}, {k}]",
        variant.cli_name()
    )?;
    outln!(
        "\nweights W (f32) -> ternary, {scale_name} = {}",
        r.weight_scale
    )?;
    for row in 0..n {
        let f: Vec<String> = d
            .weight
            .row(row)
            .iter()
            .map(|v| format!("{v:7.3}"))
            .collect();
        let t: Vec<String> = r.weights[row * k..(row + 1) * k]
            .iter()
            .map(|t| format!("{:2}", t.to_i8()))
            .collect();
        outln!("  [{}]  ->  [{}]", f.join(" "), t.join(" "))?;
    }
    outln!("\ninputs x (f32) -> int8, s per token")?;
    for row in 0..m {
        let f: Vec<String> = d
            .input
            .row(row)
            .iter()
            .map(|v| format!("{v:7.3}"))
            .collect();
        let q: Vec<String> = r.activations.q[row * k..(row + 1) * k]
            .iter()
            .map(|q| format!("{q:4}"))
            .collect();
        outln!(
            "  [{}]  ->  [{}]  s = {}",
            f.join(" "),
            q.join(" "),
            r.activations.scales[row]
        )?;
    }
    outln!("\nacc (i32, add/subtract only) | output = acc / s * {scale_name} | f32 x·Wᵀ")?;
    for row in 0..m {
        let cells =
            |f: &dyn Fn(usize) -> String| -> String { (0..n).map(f).collect::<Vec<_>>().join(" ") };
        outln!(
            "  [{}] | [{}] | [{}]",
            cells(&|c| format!("{:5}", r.acc[row * n + c])),
            cells(&|c| format!("{:8.4}", r.output[row * n + c])),
            cells(&|c| format!("{:8.4}", d.float_output[row * n + c])),
        )?;
    }
    outln!("\nmax |output − f32 x·Wᵀ| = {}", d.max_abs_error)?;
    Ok(())
}
