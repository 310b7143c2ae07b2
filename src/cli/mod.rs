//! One module per subcommand: argument types and a `run` that calls a library crate.

pub mod design;
pub mod energy;
pub mod models;
pub mod reference;
pub mod report;
pub mod simulate;
pub mod sweep;
pub mod verilog;
