//! `tritone energy`.

/// Arguments of `tritone energy`.
#[derive(clap::Args)]
pub struct EnergyArgs {}

/// Runs `tritone energy`.
pub fn run(_args: EnergyArgs) -> anyhow::Result<()> {
    anyhow::bail!("tritone energy is not built yet")
}
