//! `tritone`: the command line. Parsing and printing only; the work is done
//! by the library crates.

use clap::{Parser, Subcommand};

mod cli;

/// Toolchain for 1.58-bit (ternary) LLM hardware.
#[derive(Parser)]
#[command(name = "tritone", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the bit-exact reference model.
    #[command(subcommand)]
    Reference(cli::reference::ReferenceCommand),
    /// List the model zoo, or show what a config.json becomes.
    Models(cli::models::ModelsArgs),
    /// Generate the systolic array as Verilog (with manifest and testbench).
    Verilog(cli::verilog::VerilogArgs),
    /// Cycle-accurate simulation of a tile, a GEMM or a whole model.
    #[command(subcommand)]
    Simulate(cli::simulate::SimulateCommand),
    /// Energy of a model, or the paper's figures reproduced.
    Energy(cli::energy::EnergyArgs),
    /// Whole-model report: Markdown, CSV, JSON and plots.
    Report(cli::report::ReportArgs),
    /// Design-space sweep with Pareto fronts.
    Sweep(cli::sweep::SweepArgs),
    /// Run a HuggingFace checkpoint: logits, greedy decoding, hardware choices.
    Run(cli::run::RunArgs),
}

fn main() {
    cli::output::guard_println();
    // Without the handler an interrupt would leave temporaries and children
    // behind, but the command itself can still run: warn and go on.
    if let Err(e) = tritone_reference::interrupt::install() {
        eprintln!("warning: no clean-up on interrupt ({e})");
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Reference(c) => cli::reference::run(c),
        Command::Models(a) => cli::models::run(a),
        Command::Verilog(a) => cli::verilog::run(a),
        Command::Simulate(c) => cli::simulate::run(c),
        Command::Energy(a) => cli::energy::run(a),
        Command::Report(a) => cli::report::run(a),
        Command::Sweep(a) => cli::sweep::run(a),
        Command::Run(a) => cli::run::run(a),
    };
    std::process::exit(cli::output::finish(result));
}
