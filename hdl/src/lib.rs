//! hdl
pub mod array;
pub mod cosim;
mod dispatch;
pub mod design;
pub mod emit;
pub mod error;
pub mod job;
pub mod pe;
pub mod synth;
pub mod testbench;
