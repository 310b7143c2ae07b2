//! `tritone sweep`.

/// Arguments of `tritone sweep`.
#[derive(clap::Args)]
pub struct SweepArgs {}

/// Runs `tritone sweep`.
pub fn run(_args: SweepArgs) -> anyhow::Result<()> {
    anyhow::bail!("tritone sweep is not built yet")
}
