//! `tritone simulate ...`.

/// Subcommands of `tritone simulate`.
#[derive(clap::Subcommand)]
pub enum SimulateCommand {}

/// Runs `tritone simulate`.
pub fn run(cmd: SimulateCommand) -> anyhow::Result<()> {
    match cmd {}
}
