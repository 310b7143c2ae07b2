//! Co-simulation: the emitted Verilog and its testbench run in Icarus
//! Verilog or Verilator, in a temporary directory; the printed output beats
//! are parsed back so callers can compare them with the reference.

use crate::design::ArrayDesign;
use crate::emit::verilog;
use crate::error::HdlError;
use crate::job::{Bus, Stimulus, YBeat};
use crate::testbench::{testbench, testbench_name, TestbenchOptions, FAIL_MARK, PASS_MARK};
use std::path::Path;
use std::process::Command;

/// A Verilog simulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Simulator {
    /// Icarus Verilog (`iverilog` + `vvp`).
    Icarus,
    /// Verilator (`verilator --binary`).
    Verilator,
}

/// What one co-simulation produced.
#[derive(Clone, Debug, PartialEq)]
pub struct CosimReport {
    /// The simulator.
    pub simulator: Simulator,
    /// Whether the testbench's own check passed.
    pub passed: bool,
    /// Every output beat the simulated Verilog produced.
    pub beats: Vec<YBeat>,
    /// The simulator's output.
    pub log: String,
}

/// Emits `design` and a testbench for `stim`, simulates them with `sim`.
pub fn cosimulate(
    design: &ArrayDesign,
    stim: &Stimulus,
    sim: Simulator,
) -> Result<CosimReport, HdlError> {
    let dir = tritone_reference::interrupt::tempdir().map_err(|e| HdlError::Io {
        path: "temporary directory".into(),
        source: e,
    })?;
    let top = design.top_name();
    let tb = testbench_name(design);
    let design_v = dir.path().join(format!("{top}.v"));
    let tb_v = dir.path().join(format!("{tb}.v"));
    write(&design_v, &verilog(design))?;
    write(&tb_v, &testbench(design, stim, TestbenchOptions::default()))?;
    let log = match sim {
        Simulator::Icarus => {
            let exe = dir.path().join("tb.vvp");
            run(Command::new("iverilog")
                .args(["-g2005", "-Wall", "-s", &tb, "-o"])
                .arg(&exe)
                .arg(&tb_v)
                .arg(&design_v))?;
            run(Command::new("vvp").arg("-n").arg(&exe))?
        }
        Simulator::Verilator => {
            let obj = dir.path().join("obj");
            run(&mut verilator_binary(&tb, &obj, &[&tb_v, &design_v], &[]))?;
            run(&mut Command::new(obj.join(format!("V{tb}"))))?
        }
    };
    let beats = parse_beats(design, &log)?;
    let passed = log.lines().any(|l| l.starts_with(PASS_MARK)) && !log.contains(FAIL_MARK);
    Ok(CosimReport {
        simulator: sim,
        passed,
        beats,
        log,
    })
}

pub(crate) fn write(path: &Path, text: &str) -> Result<(), HdlError> {
    std::fs::write(path, text).map_err(|e| HdlError::Io {
        path: path.display().to_string(),
        source: e,
    })
}

/// Runs a tool to completion; its stdout, or an error naming the tool.
pub(crate) fn run(cmd: &mut Command) -> Result<String, HdlError> {
    let tool = cmd.get_program().to_string_lossy().into_owned();
    let out = tritone_reference::interrupt::output(cmd).map_err(|e| HdlError::Tool {
        tool: tool.clone(),
        why: format!("{e} (install Icarus Verilog, Verilator and Yosys: apt-get install -y iverilog verilator yosys)"),
    })?;
    if !out.status.success() {
        return Err(HdlError::Tool {
            tool,
            why: format!(
                "{}\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The `y <edge> <hex>` lines of a testbench log, as output beats.
pub fn parse_beats(design: &ArrayDesign, log: &str) -> Result<Vec<YBeat>, HdlError> {
    let cols = design.cols() as usize;
    log.lines()
        .filter_map(|l| l.strip_prefix("y "))
        .map(|rest| {
            let bad = || HdlError::Mismatch(format!("unreadable output beat 'y {rest}'"));
            let (edge, hex) = rest.split_once(' ').ok_or_else(bad)?;
            let edge = edge.parse().map_err(|_| bad())?;
            let bus = Bus::from_hex(design.acc_bits(), cols, hex.trim()).ok_or_else(bad)?;
            Ok(YBeat {
                edge,
                values: (0..cols).map(|j| bus.signed(j)).collect(),
            })
        })
        .collect()
}

/// The `verilator --binary` command that builds testbench `tb` from `files`
/// into `obj`, with `extra` options. The C++ is compiled without
/// optimization: test simulations are short, so the compile dominates
/// (an 8×8 engine testbench builds in 6.6 s instead of 10.2 s).
pub fn verilator_binary(tb: &str, obj: &Path, files: &[&Path], extra: &[&str]) -> Command {
    let mut c = Command::new("verilator");
    c.args(["--binary", "-j", "2", "-O1"])
        .args(extra)
        .args(["-MAKEFLAGS", "OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0"])
        .args(["--top-module", tb, "-Mdir"])
        .arg(obj)
        .args(files);
    c
}
