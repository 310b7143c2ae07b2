//! Synthesis of the engine with Yosys: the generic checks (no latch, no
//! multiplier in a ternary engine, memories kept as memories for block RAM)
//! and `synth_xilinx` resource counts — flat, or hierarchical (the PE, the
//! array around it and the engine around the array synthesized apart and
//! added up: seconds at any size, within a few percent of flat synthesis).

use super::{verilog, EngineDesign};
use crate::error::HdlError;
use crate::synth::{yosys_on, SynthStats};
use serde::Serialize;
use std::collections::BTreeMap;

/// The generic (technology-independent) checks of an engine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EngineChecks {
    /// `$mul` cells after `proc; flatten; opt`.
    pub mul_cells: u64,
    /// Latch cells (`$dlatch`, `$adlatch`, `$dlatchsr`).
    pub latches: u64,
    /// Memories inferred (`$mem` / `$mem_v2` cells, or their read ports).
    pub memories: u64,
}

/// Runs the generic checks on `design`'s Verilog.
pub fn checks(design: &EngineDesign) -> Result<EngineChecks, HdlError> {
    let top = design.top_name();
    let stats = yosys_on(
        &top,
        &verilog(design),
        &format!(
            "hierarchy -check -top {top}; proc; flatten; opt; memory -nomap; opt; tee -q -o coarse.stat stat"
        ),
        &["coarse.stat"],
    )?;
    let cells = &stats[0];
    let count = |pred: &dyn Fn(&str) -> bool| -> u64 {
        cells.iter().filter(|(k, _)| pred(k)).map(|(_, v)| v).sum()
    };
    Ok(EngineChecks {
        mul_cells: count(&|k| k == "$mul"),
        latches: count(&|k| k.contains("latch")),
        memories: count(&|k| k == "$mem" || k == "$mem_v2"),
    })
}

/// Resources of an engine after `synth_xilinx`, and the array's critical path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EngineSynth {
    /// LUT, FF, SRL, BRAM, DSP counts and every cell type.
    pub stats: SynthStats,
    /// LUT levels of the PE's longest register-to-register path (6-input
    /// LUT mapping, `ltp -noff`): the array's critical path, repeated in
    /// every PE.
    pub pe_lut_levels: u64,
}

/// Cell types Yosys reports that are I/O buffers, not logic.
const IO_CELLS: [&str; 3] = ["IBUF", "OBUF", "BUFG"];

/// `synth_xilinx` of `top` in `text`, with `blackbox` modules kept as
/// cells: the cell counts without those cells and the I/O buffers.
fn xilinx(
    top: &str,
    text: &str,
    blackbox: Option<&str>,
) -> Result<BTreeMap<String, u64>, HdlError> {
    let bb = blackbox.map_or(String::new(), |b| format!("blackbox {b}; "));
    let stats = yosys_on(
        top,
        text,
        &format!(
            "{bb}hierarchy -top {top}; synth_xilinx -flatten -top {top}; tee -q -o xilinx.stat stat"
        ),
        &["xilinx.stat"],
    )?;
    let mut cells = stats.into_iter().next().unwrap_or_default();
    if let Some(b) = blackbox {
        cells.remove(b);
    }
    for io in IO_CELLS {
        cells.remove(io);
    }
    Ok(cells)
}

/// LUT levels of the PE: generic 6-input LUT mapping, then the longest
/// path between flip-flops.
fn pe_levels(design: &EngineDesign, text: &str) -> Result<u64, HdlError> {
    let pe = format!("{}_array_pe", design.top_name());
    let dir = tritone_reference::interrupt::tempdir().map_err(|e| HdlError::Io {
        path: "temporary directory".into(),
        source: e,
    })?;
    let ltp = dir.path().join("ltp.txt");
    yosys_on(
        &pe,
        text,
        &format!(
            "hierarchy -top {pe}; synth -flatten -top {pe} -lut 6; tee -q -o {} ltp -noff; tee -q -o pe.stat stat",
            ltp.display()
        ),
        &["pe.stat"],
    )?;
    let t = std::fs::read_to_string(&ltp).map_err(|e| HdlError::Tool {
        tool: "yosys".into(),
        why: format!("no longest-path report ({e})"),
    })?;
    t.lines()
        .find_map(|l| {
            l.split("length=")
                .nth(1)?
                .trim_end_matches([')', ':'])
                .trim()
                .parse()
                .ok()
        })
        .ok_or_else(|| HdlError::Tool {
            tool: "yosys".into(),
            why: format!("unreadable longest-path report: {t}"),
        })
}

/// Flat `synth_xilinx` of the whole engine (accurate; minutes beyond 16×16).
pub fn synth_flat(design: &EngineDesign) -> Result<EngineSynth, HdlError> {
    let text = verilog(design);
    Ok(EngineSynth {
        stats: SynthStats::from_cells(xilinx(&design.top_name(), &text, None)?),
        pe_lut_levels: pe_levels(design, &text)?,
    })
}

/// Hierarchical count: the PE synthesized once and counted R·C times, the
/// array's top with the PE as a black box, and the engine with the array
/// as a black box. Nothing is optimized across those boundaries, so the
/// count is an upper bound of the flat one (`docs/engine.md` gives the gap).
pub fn synth_hierarchical(design: &EngineDesign) -> Result<EngineSynth, HdlError> {
    let top = design.top_name();
    let text = verilog(design);
    let array = format!("{top}_array");
    let pe = format!("{array}_pe");
    let engine = xilinx(&top, &text, Some(&array))?;
    let shell = xilinx(&array, &text, Some(&pe))?;
    let one = xilinx(&pe, &text, None)?;
    let n = design.geometry().rows * design.geometry().cols;
    let mut cells = engine;
    for (k, v) in shell {
        *cells.entry(k).or_insert(0) += v;
    }
    for (k, v) in one {
        *cells.entry(k).or_insert(0) += v * n;
    }
    Ok(EngineSynth {
        stats: SynthStats::from_cells(cells),
        pe_lut_levels: pe_levels(design, &text)?,
    })
}
