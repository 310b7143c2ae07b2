//! Co-simulation of an engine: the emitted Verilog and its testbench run in
//! Icarus Verilog or Verilator; the log's verdict, cycle count and counters
//! are parsed back.

use super::testbench::{
    testbench, testbench_name, EngineStimulus, TestbenchOptions, FAIL_MARK, PASS_MARK,
};
use super::{verilog, EngineDesign};
use crate::cosim::{run, write, Simulator};
use crate::error::HdlError;
use std::process::Command;

/// What one engine co-simulation produced.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineReport {
    /// Whether the testbench's every check passed.
    pub passed: bool,
    /// The `CYCLES` register at the end (from the PASS line), if it passed.
    pub cycles: Option<u64>,
    /// Every counter the testbench printed: (name, value).
    pub counters: Vec<(String, u64)>,
    /// The simulator's output.
    pub log: String,
}

/// Emits `design` and a testbench for `stim`, simulates them with `sim`.
pub fn cosimulate(
    design: &EngineDesign,
    stim: &EngineStimulus,
    opts: TestbenchOptions,
    sim: Simulator,
) -> Result<EngineReport, HdlError> {
    let dir = tritone_reference::interrupt::tempdir().map_err(|e| HdlError::Io {
        path: "temporary directory".into(),
        source: e,
    })?;
    let top = design.top_name();
    let tb = testbench_name(design);
    let design_v = dir.path().join(format!("{top}.v"));
    let tb_v = dir.path().join(format!("{tb}.v"));
    write(&design_v, &verilog(design))?;
    for (name, text) in testbench(design, stim, opts) {
        write(&dir.path().join(name), &text)?;
    }
    let log = match sim {
        Simulator::Icarus => {
            let exe = dir.path().join("tb.vvp");
            run(Command::new("iverilog")
                .args(["-g2005", "-Wall", "-Wno-timescale", "-s", &tb, "-o"])
                .arg(&exe)
                .arg(&tb_v)
                .arg(&design_v))?;
            // The vector files are read by bare name, from the folder.
            run(Command::new("vvp")
                .current_dir(dir.path())
                .arg("-n")
                .arg(&exe))?
        }
        Simulator::Verilator => {
            let obj = dir.path().join("obj");
            run(&mut crate::cosim::verilator_binary(
                &tb,
                &obj,
                &[&tb_v, &design_v],
                &["-Wno-fatal"],
            ))?;
            run(Command::new(obj.join(format!("V{tb}"))).current_dir(dir.path()))?
        }
    };
    Ok(parse_report(&log))
}

/// The verdict, cycles and counters of a testbench log.
pub fn parse_report(log: &str) -> EngineReport {
    let passed = log.lines().any(|l| l.starts_with(PASS_MARK)) && !log.contains(FAIL_MARK);
    let cycles = log.lines().find_map(|l| {
        l.strip_prefix(PASS_MARK)?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    });
    let counters = log
        .lines()
        .filter_map(|l| {
            let mut w = l.strip_prefix("counter ")?.split_whitespace();
            Some((w.next()?.to_string(), w.next()?.parse().ok()?))
        })
        .collect();
    EngineReport {
        passed,
        cycles,
        counters,
        log: log.to_string(),
    }
}
