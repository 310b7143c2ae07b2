//! `tritone reference ...`.

/// Subcommands of `tritone reference`.
#[derive(clap::Subcommand)]
pub enum ReferenceCommand {}

/// Runs `tritone reference`.
pub fn run(cmd: ReferenceCommand) -> anyhow::Result<()> {
    match cmd {}
}
