//! `tritone verilog`.

/// Arguments of `tritone verilog`.
#[derive(clap::Args)]
pub struct VerilogArgs {}

/// Runs `tritone verilog`.
pub fn run(_args: VerilogArgs) -> anyhow::Result<()> {
    anyhow::bail!("tritone verilog is not built yet")
}
