//! `tritone report`.

/// Arguments of `tritone report`.
#[derive(clap::Args)]
pub struct ReportArgs {}

/// Runs `tritone report`.
pub fn run(_args: ReportArgs) -> anyhow::Result<()> {
    anyhow::bail!("tritone report is not built yet")
}
