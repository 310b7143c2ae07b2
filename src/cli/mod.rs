//! One module per subcommand: argument types and a `run` that calls a library crate.

pub mod design;
pub mod energy;
pub mod models;
pub mod reference;
pub mod report;
pub mod run;
pub mod simulate;
pub mod sweep;
pub mod verilog;

/// Refuses an output path that is one of the inputs: an output never
/// overwrites what it was computed from.
pub fn refuse_overwrite(out: &std::path::Path, inputs: &[&std::path::Path]) -> anyhow::Result<()> {
    let same = |a: &std::path::Path, b: &std::path::Path| match (a.canonicalize(), b.canonicalize())
    {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    };
    if let Some(input) = inputs.iter().find(|i| same(out, i)) {
        anyhow::bail!(
            "--out {} is an input file ({}): refusing to overwrite it",
            out.display(),
            input.display()
        );
    }
    Ok(())
}
