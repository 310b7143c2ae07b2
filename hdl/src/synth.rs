//! Synthesis with Yosys: the generic flow (latch check, `$mul` count before
//! arithmetic mapping) and `synth_xilinx` resource counts. Both take an
//! [`ArrayConfig`] so design-space sweeps can call them directly.

use crate::design::ArrayDesign;
use crate::emit::verilog;
use crate::error::HdlError;
use serde::Serialize;
use std::collections::BTreeMap;
use std::process::Command;
use tritone_sim::ArrayConfig;

/// Generic (technology-independent) synthesis of an array.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GenericSynth {
    /// `$mul` cells after `proc; flatten; opt` (before `alumacc` folds them into `$macc`).
    pub mul_cells: u64,
    /// Latch cells after the full `synth` (any is a design error).
    pub latches: u64,
    /// Every cell type after `synth`, with its count.
    pub cells: BTreeMap<String, u64>,
}

/// Resources after `synth_xilinx` (7-series cells).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SynthStats {
    /// LUT1 … LUT6.
    pub luts: u64,
    /// Flip-flops (FDRE, FDSE, FDCE, FDPE).
    pub ffs: u64,
    /// Shift-register LUTs (SRL16E, SRLC32E) Yosys packed delay chains into.
    pub srls: u64,
    /// Block RAMs (RAMB18E1, RAMB36E1).
    pub brams: u64,
    /// DSP48E1 slices.
    pub dsps: u64,
    /// Every cell type with its count.
    pub cells: BTreeMap<String, u64>,
}

/// Runs the generic Yosys flow on the generated Verilog of `cfg`.
pub fn synth_generic(cfg: &ArrayConfig) -> Result<GenericSynth, HdlError> {
    let design = ArrayDesign::new(cfg)?;
    let top = design.top_name();
    let stats = yosys(
        &design,
        &format!(
            "hierarchy -check -top {top}; proc; flatten; opt; tee -q -o coarse.stat stat; \
             synth -flatten -top {top}; tee -q -o final.stat stat"
        ),
        &["coarse.stat", "final.stat"],
    )?;
    let count = |cells: &BTreeMap<String, u64>, pred: &dyn Fn(&str) -> bool| -> u64 {
        cells.iter().filter(|(k, _)| pred(k)).map(|(_, v)| v).sum()
    };
    let latch = |k: &str| k.to_ascii_lowercase().contains("latch");
    Ok(GenericSynth {
        mul_cells: count(&stats[0], &|k| k == "$mul"),
        latches: count(&stats[0], &latch) + count(&stats[1], &latch),
        cells: stats[1].clone(),
    })
}

/// How `synth_xilinx` treats the PE hierarchy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum Hierarchy {
    /// Flatten: constants and unused logic are optimized across PE
    /// boundaries (the accurate count; slow beyond ~32×32).
    #[default]
    Flatten,
    /// Synthesize the PE once and count it R·C times: fast at any size, but
    /// nothing is optimized across PE ports (e.g. an unused second weight
    /// bank of a single-buffered array stays).
    KeepPe,
}

/// Runs `synth_xilinx -flatten` (7-series) on the generated Verilog of `cfg`.
pub fn synth_xilinx(cfg: &ArrayConfig) -> Result<SynthStats, HdlError> {
    synth_xilinx_with(cfg, Hierarchy::Flatten)
}

/// Runs `synth_xilinx` (7-series) on the generated Verilog of `cfg`.
pub fn synth_xilinx_with(cfg: &ArrayConfig, hierarchy: Hierarchy) -> Result<SynthStats, HdlError> {
    let design = ArrayDesign::new(cfg)?;
    let top = design.top_name();
    let flatten = match hierarchy {
        Hierarchy::Flatten => " -flatten",
        Hierarchy::KeepPe => "",
    };
    let stats = yosys(
        &design,
        &format!("synth_xilinx{flatten} -top {top}; tee -q -o xilinx.stat stat"),
        &["xilinx.stat"],
    )?;
    let cells = stats.into_iter().next().unwrap_or_default();
    Ok(SynthStats::from_cells(cells))
}

impl SynthStats {
    /// The 7-series resource counts of a Yosys `stat` cell table.
    pub(crate) fn from_cells(cells: BTreeMap<String, u64>) -> SynthStats {
        let sum = |names: &[&str]| {
            names
                .iter()
                .map(|n| cells.get(*n).copied().unwrap_or(0))
                .sum()
        };
        SynthStats {
            luts: sum(&["LUT1", "LUT2", "LUT3", "LUT4", "LUT5", "LUT6"]),
            ffs: sum(&["FDRE", "FDSE", "FDCE", "FDPE"]),
            srls: sum(&["SRL16E", "SRLC32E"]),
            brams: sum(&["RAMB18E1", "RAMB36E1"]),
            dsps: sum(&["DSP48E1"]),
            cells,
        }
    }
}

/// Runs Yosys on the design with `script`; parses the cell counts of each
/// `stat` file named in `stats`.
fn yosys(
    design: &ArrayDesign,
    script: &str,
    stats: &[&str],
) -> Result<Vec<BTreeMap<String, u64>>, HdlError> {
    yosys_on(&design.top_name(), &verilog(design), script, stats)
}

/// Runs Yosys on Verilog `text` (file `<top>.v`) with `script`; parses the
/// cell counts of each `stat` file named in `stats`.
pub(crate) fn yosys_on(
    top: &str,
    text: &str,
    script: &str,
    stats: &[&str],
) -> Result<Vec<BTreeMap<String, u64>>, HdlError> {
    Ok(yosys_files(top, text, script, stats)?
        .iter()
        .map(|t| parse_stat(t))
        .collect())
}

/// ABC's LUT-mapping script as Yosys 0.23's `abc -luts` runs it, with the
/// mapper's depth target made explicit: `None` maps for the least depth
/// (what `synth_xilinx` does), `Some(d)` lets ABC trade depth up to `d` LUT
/// levels for area. `print_stats` reports the depth reached (`lev = `).
fn abc_lut_script(depth: Option<u64>) -> String {
    let target = depth.map_or(String::new(), |d| format!(",-D,{d}"));
    format!("+strash;&get,-n;&fraig,-x;&put;scorr;dc2;dretime;strash;dch,-f;if{target};mfs2;print_stats")
}

/// `synth_xilinx -flatten -top <top>` (7-series) spelled out around its LUT
/// mapping, so that ABC can be given a depth target (see [`abc_lut_script`]).
/// The same cells as `synth_xilinx` with `depth = None`; ABC's report goes
/// to `abc.log` ([`abc_levels`] reads it).
pub(crate) fn synth_xilinx_script(top: &str, depth: Option<u64>) -> String {
    format!(
        "synth_xilinx -flatten -top {top} -run begin:prepare; proc; flatten; \
         synth_xilinx -flatten -top {top} -run prepare:map_luts; \
         opt_expr -mux_undef -noclkinv; \
         tee -q -o abc.log abc -luts 2:2,3,6:5,10,20 -script {abc}; clean; \
         techmap -map +/xilinx/ff_map.v; xilinx_srl -fixed -minlen 3; \
         techmap -map +/xilinx/lut_map.v -map +/xilinx/cells_map.v -D LUT_WIDTH=6; \
         xilinx_dffopt; opt_lut_ins -tech xilinx; \
         synth_xilinx -top {top} -run finalize:",
        abc = abc_lut_script(depth)
    )
}

/// LUT levels of ABC's mapping from its `print_stats` line (`lev = N`); 0
/// when there was no logic to map.
pub(crate) fn abc_levels(log: &str) -> Result<u64, HdlError> {
    if log.contains("nothing to map") {
        return Ok(0);
    }
    log.lines()
        .rev()
        .find_map(|l| l.split("lev =").nth(1)?.trim().parse().ok())
        .ok_or_else(|| HdlError::Tool {
            tool: "yosys".into(),
            why: format!("no ABC depth in its report: {log}"),
        })
}

/// The installed Yosys's version line (`yosys -V`), or an error naming how
/// to install it: counts depend on it, so caches of counts record it.
pub fn yosys_version() -> Result<String, HdlError> {
    let out =
        tritone_reference::interrupt::output(Command::new("yosys").arg("-V")).map_err(|e| {
            HdlError::Tool {
                tool: "yosys".into(),
                why: format!("{e} (install it with apt-get install -y yosys)"),
            }
        })?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Runs Yosys on Verilog `text` (file `<top>.v`) with `script`; returns the
/// text of each file named in `files` that the script wrote.
pub(crate) fn yosys_files(
    top: &str,
    text: &str,
    script: &str,
    files: &[&str],
) -> Result<Vec<String>, HdlError> {
    let dir = tritone_reference::interrupt::tempdir().map_err(|e| HdlError::Io {
        path: "temporary directory".into(),
        source: e,
    })?;
    let file = dir.path().join(format!("{top}.v"));
    std::fs::write(&file, text).map_err(|e| HdlError::Io {
        path: file.display().to_string(),
        source: e,
    })?;
    let out = tritone_reference::interrupt::output(
        Command::new("yosys")
            .current_dir(dir.path())
            .arg("-q")
            .arg("-p")
            .arg(format!("read_verilog {}; {script}", file.display())),
    )
    .map_err(|e| HdlError::Tool {
        tool: "yosys".into(),
        why: format!("{e} (install it with apt-get install -y yosys)"),
    })?;
    if !out.status.success() {
        return Err(HdlError::Tool {
            tool: "yosys".into(),
            why: format!(
                "{}\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        });
    }
    files
        .iter()
        .map(|name| {
            let path = dir.path().join(name);
            std::fs::read_to_string(&path).map_err(|e| HdlError::Tool {
                tool: "yosys".into(),
                why: format!("no {name} written ({e})"),
            })
        })
        .collect()
}

/// Cell counts of the last block in a Yosys `stat` report (with a kept
/// hierarchy, Yosys ends with the design-wide totals).
pub fn parse_stat(text: &str) -> BTreeMap<String, u64> {
    parse_stat_modules(text)
        .pop()
        .map(|(_, cells)| cells)
        .unwrap_or_default()
}

/// Cell counts of every block of a Yosys `stat` report, in report order,
/// each with its module name (`design hierarchy` for the totals).
pub fn parse_stat_modules(text: &str) -> Vec<(String, BTreeMap<String, u64>)> {
    let mut blocks: Vec<(String, BTreeMap<String, u64>)> = Vec::new();
    let mut in_cells = false;
    for line in text.lines() {
        let t = line.trim();
        if let Some(name) = t.strip_prefix("===").and_then(|r| r.strip_suffix("===")) {
            blocks.push((name.trim().to_string(), BTreeMap::new()));
            in_cells = false;
        } else if t.starts_with("Number of cells:") {
            in_cells = true;
        } else if in_cells {
            let mut parts = t.split_whitespace();
            match (
                parts.next(),
                parts.next().and_then(|n| n.parse::<u64>().ok()),
                parts.next(),
                blocks.last_mut(),
            ) {
                (Some(name), Some(n), None, Some((_, cells))) => {
                    *cells.entry(name.to_string()).or_insert(0) += n;
                }
                _ => in_cells = false,
            }
        }
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_parser_reads_the_last_module_block() {
        let text = "=== sub ===\n   Number of cells: 3\n     LUT2 3\n\n=== top ===\n\n   Number of wires: 9\n   Number of cells:                 7\n     DSP48E1                          2\n     FDRE                             5\n\n   Estimated number of LCs: 0\n";
        let cells = parse_stat(text);
        assert_eq!(cells.len(), 2);
        assert_eq!(cells["DSP48E1"], 2);
        assert_eq!(cells["FDRE"], 5);
        let blocks = parse_stat_modules(text);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].0, "sub");
        assert_eq!(blocks[0].1["LUT2"], 3);
    }

    #[test]
    fn abc_depth_comes_from_its_statistics_line() {
        let log = "ABC: + print_stats \nABC: netlist : i/o = 9054/ 8186  lat =    0  nd =  9896  edge =  33082  cube = 22008  lev = 6\n";
        assert_eq!(abc_levels(log).unwrap(), 6);
        assert_eq!(
            abc_levels("Don't call ABC as there is nothing to map.").unwrap(),
            0
        );
        assert!(abc_levels("ABC: + if").is_err());
    }
}
