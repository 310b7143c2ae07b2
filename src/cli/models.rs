//! `tritone models`: the model zoo with shapes and parameter counts, one zoo
//! model by name, or what a HuggingFace `config.json` becomes.

use std::path::PathBuf;

use serde_json::{json, Value};
use tritone_reference::{load_config, model, zoo, FfnKind, ModelShape, WeightKind};

use super::output::outln;

/// Arguments of `tritone models`.
#[derive(clap::Args)]
pub struct ModelsArgs {
    /// Show only this zoo model.
    #[arg(conflicts_with = "config")]
    name: Option<String>,
    /// Show what this HuggingFace config.json becomes instead of the zoo.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Print a JSON array (stable field and model order) instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs `tritone models`.
pub fn run(args: ModelsArgs) -> anyhow::Result<()> {
    let models = match (&args.config, &args.name) {
        (Some(path), _) => vec![load_config(path)?],
        (None, Some(name)) => vec![model(name)?],
        (None, None) => zoo(),
    };
    if args.json {
        let arr: Vec<Value> = models.iter().map(to_json).collect();
        super::output::print(&(serde_json::to_string_pretty(&arr)? + "\n"))?;
    } else {
        print_table(&models)?;
    }
    Ok(())
}

fn to_json(m: &ModelShape) -> Value {
    let p = m.params();
    json!({
        "name": m.name,
        "weights": m.weights,
        "hidden": m.hidden,
        "ffn": m.ffn,
        "layers": m.layers,
        "heads": m.heads,
        "kv_heads": m.kv_heads,
        "head_dim": m.head_dim(),
        "vocab": m.vocab,
        "ffn_kind": m.ffn_kind,
        "tied_embeddings": m.tied_embeddings,
        "subln": m.subln,
        "source": m.source,
        "params": {
            "ternary": p.ternary(),
            "full_precision": p.full_precision(),
            "total": p.total(),
            "linear": p.linear,
            "embedding": p.embedding,
            "lm_head": p.lm_head,
            "norms": p.norms,
        },
    })
}

/// Parameters in millions or billions, 4 significant digits.
fn human(count: u64) -> String {
    match count {
        0 => "0".to_string(),
        c if c >= 1_000_000_000 => format!("{:.3} B", c as f64 / 1e9),
        c => format!("{:.1} M", c as f64 / 1e6),
    }
}

fn print_table(models: &[ModelShape]) -> anyhow::Result<()> {
    let header = [
        "model",
        "weights",
        "hidden",
        "ffn",
        "layers",
        "heads/kv",
        "vocab",
        "ffn type",
        "tied",
        "subln",
        "ternary",
        "full-prec",
        "total",
    ];
    let rows: Vec<Vec<String>> = models
        .iter()
        .map(|m| {
            let p = m.params();
            vec![
                m.name.clone(),
                match m.weights {
                    WeightKind::Ternary => "ternary",
                    WeightKind::Fp16 => "fp16",
                }
                .to_string(),
                m.hidden.to_string(),
                m.ffn.to_string(),
                m.layers.to_string(),
                format!("{}/{}", m.heads, m.kv_heads),
                m.vocab.to_string(),
                match m.ffn_kind {
                    FfnKind::SwiGlu => "SwiGLU",
                    FfnKind::ReluSquaredGated => "ReLU²-gated",
                }
                .to_string(),
                if m.tied_embeddings { "yes" } else { "no" }.to_string(),
                if m.subln { "yes" } else { "no" }.to_string(),
                human(p.ternary()),
                human(p.full_precision()),
                human(p.total()),
            ]
        })
        .collect();
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([header[i].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..header.len()).map(width).collect();
    // Text columns left-aligned, numbers right-aligned.
    let line = |cells: &[String]| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = " ".repeat(widths[i] - c.chars().count());
                if i < 2 || (7..10).contains(&i) {
                    format!("{c}{pad}")
                } else {
                    format!("{pad}{c}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    outln!("{}", line(&header.map(String::from)))?;
    for r in &rows {
        outln!("{}", line(r))?;
    }
    for m in models {
        outln!("{}: {}", m.name, m.source)?;
    }
    Ok(())
}
