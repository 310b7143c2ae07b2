//! `tritone models`.

/// Arguments of `tritone models`.
#[derive(clap::Args)]
pub struct ModelsArgs {}

/// Runs `tritone models`.
pub fn run(_args: ModelsArgs) -> anyhow::Result<()> {
    anyhow::bail!("tritone models is not built yet")
}
