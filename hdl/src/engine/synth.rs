//! Synthesis of the engine with Yosys: the generic checks (no latch, no
//! multiplier in a ternary engine, memories kept as memories for block RAM)
//! and `synth_xilinx` resource counts — flat, or hierarchical (the array's
//! rows with their PEs, its top and delay lines, and the engine around the
//! array synthesized apart and added up: exact in block RAM and DSP, within
//! 2 % in flip-flops and within 10 % in LUTs of flat synthesis where that
//! was run, and reaching 256×256, which flat synthesis does not).

use super::{verilog, EngineDesign};
use crate::emit::{self, delay_name, row_name};
use crate::error::HdlError;
use crate::synth::{
    abc_levels, parse_stat, parse_stat_modules, synth_xilinx_script, yosys_files, yosys_on,
    SynthStats,
};
use rayon::prelude::*;
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
    /// LUT levels of ABC's 7-series mapping (carry chains, mapped before
    /// ABC, not included): of the whole design (flat), or of the engine
    /// around the array, whose depth the array's parts are mapped within
    /// (hierarchical).
    pub lut_levels: u64,
}

/// Cell counts by cell type.
type Cells = BTreeMap<String, u64>;

/// Cell types Yosys reports that are I/O buffers, not logic.
const IO_CELLS: [&str; 3] = ["IBUF", "OBUF", "BUFG"];

/// One part of a hierarchical count: a module of the engine's Verilog,
/// synthesized alone after `setup` (modules below it made black boxes).
struct Part<'a> {
    top: &'a str,
    setup: String,
}

/// `synth_xilinx` of one part with ABC's depth target `depth`: the cell
/// counts without black boxes and I/O buffers, and the LUT levels ABC's
/// mapping reached.
fn xilinx(
    text: &str,
    part: &Part,
    depth: Option<u64>,
) -> Result<(BTreeMap<String, u64>, u64), HdlError> {
    let top = part.top;
    let out = yosys_files(
        top,
        text,
        &format!(
            "{setup}hierarchy -top {top}; {synth}; tee -q -o xilinx.stat stat",
            setup = part.setup,
            synth = synth_xilinx_script(top, depth)
        ),
        &["xilinx.stat", "abc.log"],
    )?;
    let mut cells = parse_stat(&out[0]);
    // Black boxes are counted as parts of their own.
    cells.retain(|k, _| {
        let k = k.strip_prefix("$paramod\\").unwrap_or(k);
        !k.starts_with(TOP_PREFIX) && !IO_CELLS.contains(&k)
    });
    Ok((cells, abc_levels(&out[1])?))
}

/// Start of every module name of an engine (`EngineDesign::top_name`).
const TOP_PREFIX: &str = "tritone_engine_";

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

/// Flat `synth_xilinx` of the whole engine (the reference; minutes beyond
/// 16×16).
pub fn synth_flat(design: &EngineDesign) -> Result<EngineSynth, HdlError> {
    let top = design.top_name();
    let pieces = super::verilog::pieces(design);
    let text = pieces.joined();
    let (cells, lut_levels) = xilinx(
        &text,
        &Part {
            top: &top,
            setup: String::new(),
        },
        None,
    )?;
    Ok(EngineSynth {
        stats: SynthStats::from_cells(cells),
        pe_lut_levels: pe_levels(design, &pieces.array)?,
        lut_levels,
    })
}

/// The rows of an R×C array as flat synthesis sees them, each synthesized
/// once with its C PEs inside and counted as often as it occurs: the top
/// row, whose partial-sum input the array's top ties to zero (counted
/// through [`emit::top_row_wrapper`], which ties it the same way), once;
/// the row module itself R − 1 times. A row, not a PE, is the unit because
/// its PEs share the row's weight-write inputs (`w_en`, `w_bank`): flat
/// synthesis decodes them once per row (one LUT2 per bank for the whole
/// row), where PEs counted one by one would each decode them (two LUT2 per
/// PE: 8,192 LUTs too many at 64×64 mac-int8, 18 % of the engine). The
/// last column's unused activation and bank outputs are inside the row too.
/// Returned as (module, Verilog it needs beyond the array's, times).
fn row_kinds(design: &EngineDesign, array: &str) -> [(String, String, u64); 2] {
    [
        (
            emit::top_row_name(array),
            emit::top_row_wrapper(design.array(), array),
            1,
        ),
        (row_name(array), String::new(), design.geometry().rows - 1),
    ]
}

/// Version of [`synth_hierarchical`]'s method: raised whenever a change to
/// it changes the counts of an unchanged Verilog text, so caches of counts
/// (`tritone sweep --synth`) are not reused across methods.
pub const HIERARCHICAL_METHOD: u32 = 4;

/// Hierarchical count: the engine with the array as a black box; the
/// array's top with its rows and delay lines as black boxes (and without
/// the nets between rows, [`emit::top_without_partial_sums`]); the row with
/// its PEs, in each of its positions (`row_kinds`), counted as often as it
/// occurs; every delay line (input skew, output de-skew), from 1-bit
/// lines of each depth synthesized in one run (its bits are independent
/// registers, so a `W`-bit line costs `W` times a 1-bit one); and, in a
/// five-trit engine, the base-3 decoder, counted once per instance (the
/// engine part holds it as a black box: the 1,024 decoders of a 256×256
/// engine with four weight rows per beat are 62 % of the engine part's
/// LUTs and 57 % of its Yosys time, `docs/engine.md`). No part holds
/// more than one row's PE instances, so the count reaches arrays flat
/// synthesis cannot. Flat synthesis maps
/// LUTs for the depth of the engine's longest path and recovers area
/// everywhere shallower; the array's parts are given that depth as ABC's target, as
/// they have it in the flat design (mapped alone for the least depth, the
/// PE's adder takes about 40 % more LUTs). The parts add up to flat
/// synthesis of the array alone (exactly at 8×8, a unit test checks it),
/// and the whole count to flat synthesis of the engine within a few
/// percent, as close as flat synthesis is to itself with its modules in
/// another order; `docs/engine.md` gives the measured gaps.
///
/// The parts are separate Yosys runs, run side by side on rayon's pool: the
/// delay lines and the PE's levels beside the engine part, then the array's
/// top and rows (which need the engine part's depth) together.
pub fn synth_hierarchical(design: &EngineDesign) -> Result<EngineSynth, HdlError> {
    let top = design.top_name();
    debug_assert!(top.starts_with(TOP_PREFIX));
    let pieces = super::verilog::pieces(design);
    let text = pieces.joined();
    let array = format!("{top}_array");
    let decoders = super::verilog::base3_decoders(design);
    let engine = Part {
        top: &top,
        setup: match &decoders {
            Some((decoder, _)) => format!("blackbox {array} {decoder}; "),
            None => format!("blackbox {array}; "),
        },
    };
    let lines = emit::delay_lines(design.array());
    // Independent Yosys runs go side by side (one per core); the array's
    // parts wait for the engine part, whose depth is their ABC target.
    let (engine, (delays, pe_lut_levels)) = rayon::join(
        || xilinx(&text, &engine, None),
        || {
            rayon::join(
                || delay_line_cells(&pieces.array, &delay_name(&array), &lines),
                || pe_levels(design, &pieces.array),
            )
        },
    );
    let (mut cells, depth) = engine?;
    add_up(
        &mut cells,
        &mapped_parts(design, &pieces, decoders.as_ref(), depth)?,
    );
    add_up(&mut cells, &delays?);
    Ok(EngineSynth {
        stats: SynthStats::from_cells(cells),
        pe_lut_levels: pe_lut_levels?,
        lut_levels: depth,
    })
}

/// Adds each part's cells to `cells` as often as the part is counted.
fn add_up(cells: &mut Cells, parts: &[(Cells, u64)]) {
    for (counted, times) in parts {
        for (k, v) in counted {
            *cells.entry(k.clone()).or_insert(0) += v * times;
        }
    }
}

/// The parts mapped for ABC's depth target `depth`, each with the times it
/// is counted: the array's top (without the nets between rows), its rows
/// ([`row_kinds`]) and the base-3 decoder of a five-trit engine
/// (`decoders`: its module and instances). The delay lines are counted
/// apart ([`delay_line_cells`]).
fn mapped_parts(
    design: &EngineDesign,
    pieces: &super::verilog::Pieces,
    decoders: Option<&(String, u64)>,
    depth: u64,
) -> Result<Vec<(Cells, u64)>, HdlError> {
    let text = pieces.array.as_str();
    let array = format!("{}_array", design.top_name());
    let (row, delay) = (row_name(&array), delay_name(&array));
    // The top's own logic, without the nets between rows, which carry none.
    let top_text = emit::top_without_partial_sums(design.array(), &array);
    let rows: Vec<_> = row_kinds(design, &array)
        .into_iter()
        .filter(|(_, _, times)| *times > 0)
        .map(|(module, extra, times)| (format!("{text}{extra}"), module, times))
        .collect();
    let mut parts = vec![(
        top_text.as_str(),
        array.as_str(),
        format!("blackbox {row} {delay}; "),
        1,
    )];
    for (text, module, times) in &rows {
        parts.push((text.as_str(), module.as_str(), String::new(), *times));
    }
    if let Some((decoder, times)) = decoders {
        parts.push((&pieces.helpers, decoder, String::new(), *times));
    }
    parts
        .into_par_iter()
        .map(|(text, part, setup, times)| {
            let part = Part { top: part, setup };
            Ok((xilinx(text, &part, Some(depth))?.0, times))
        })
        .collect()
}

/// The cells of the delay lines `lines` (bits, registers) of module
/// `delay`: a 1-bit line of each distinct depth, each in a wrapper Yosys
/// keeps apart, synthesized in one run; returned per depth with the bits
/// of that depth in `lines`.
fn delay_line_cells(
    text: &str,
    delay: &str,
    lines: &[(u32, usize)],
) -> Result<Vec<(Cells, u64)>, HdlError> {
    let mut bits: BTreeMap<usize, u64> = BTreeMap::new();
    for &(w, d) in lines {
        *bits.entry(d).or_insert(0) += u64::from(w);
    }
    if bits.is_empty() {
        return Ok(Vec::new());
    }
    let top = format!("{delay}_count");
    let wrap = |d: usize| format!("{delay}_d{d}");
    let mut v = text.to_string();
    for &d in bits.keys() {
        v.push_str(&format!(
            "(* keep_hierarchy *)\nmodule {w} (input wire clk, input wire d, output wire q);\n    {delay} #(.W(1), .D({d})) u (.clk(clk), .d(d), .q(q));\nendmodule\n",
            w = wrap(d)
        ));
    }
    let n = bits.len();
    v.push_str(&format!(
        "module {top} (input wire clk, input wire [{m}:0] d, output wire [{m}:0] q);\n",
        m = n - 1
    ));
    for (i, &d) in bits.keys().enumerate() {
        v.push_str(&format!(
            "    {w} u{i} (.clk(clk), .d(d[{i}]), .q(q[{i}]));\n",
            w = wrap(d)
        ));
    }
    v.push_str("endmodule\n");
    let out = yosys_files(
        &top,
        &v,
        &format!(
            "hierarchy -top {top}; synth_xilinx -flatten -top {top}; tee -q -o xilinx.stat stat"
        ),
        &["xilinx.stat"],
    )?;
    let blocks: BTreeMap<String, BTreeMap<String, u64>> =
        parse_stat_modules(&out[0]).into_iter().collect();
    bits.into_iter()
        .map(|(d, b)| {
            let cells = blocks
                .get(&wrap(d))
                .cloned()
                .ok_or_else(|| HdlError::Tool {
                    tool: "yosys".into(),
                    why: format!("no statistics for the {d}-register delay line"),
                })?;
            Ok((cells, b))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tritone_sim::{ArrayConfig, ArraySpec, PeKind};

    /// The array's top counted without the nets between rows has the
    /// cells it has with them.
    #[test]
    fn the_top_without_partial_sums_has_the_same_cells() {
        for (rows, cols, pe, banks) in [
            (4, 4, PeKind::Ternary, None),
            (8, 4, PeKind::MacInt8, Some(4)),
        ] {
            let cfg = ArrayConfig::new(ArraySpec {
                rows: Some(rows),
                cols: Some(cols),
                pe: Some(pe),
                weight_banks: banks,
                ..Default::default()
            })
            .unwrap();
            let design = EngineDesign::new(&cfg).unwrap();
            let array = format!("{}_array", design.top_name());
            let part = Part {
                top: &array,
                setup: format!("blackbox {} {}; ", row_name(&array), delay_name(&array)),
            };
            let full = xilinx(&verilog(&design), &part, Some(4)).unwrap().0;
            let lean = xilinx(
                &emit::top_without_partial_sums(design.array(), &array),
                &part,
                Some(4),
            )
            .unwrap()
            .0;
            assert!(full.get("FDRE").is_some_and(|&n| n > 0), "{full:?}");
            assert_eq!(full, lean, "{rows}x{cols} {pe:?}");
        }
    }

    /// The array's parts (top, rows with their PEs, delay lines) add up to
    /// flat synthesis of the array module alone, at the same depth target,
    /// for both PE kinds, within 2 % in LUTs (measured at 8×8: exactly,
    /// ternary 1,019, mac-int8 547) and 10 % in registers. A part that
    /// misses or repeats logic is off by more: PEs counted one by one, each
    /// decoding its row's weight-write inputs, put 8×8 mac-int8 20 % over
    /// (112 LUT2); the top row with its zero partial sums tied off in the
    /// netlist rather than through its port put ternary 5.9 % under (959).
    #[test]
    fn the_array_parts_add_up_to_the_flat_array() {
        for pe in [PeKind::Ternary, PeKind::MacInt8] {
            let cfg = ArrayConfig::new(ArraySpec {
                rows: Some(8),
                cols: Some(8),
                pe: Some(pe),
                ..Default::default()
            })
            .unwrap();
            let design = EngineDesign::new(&cfg).unwrap();
            let pieces = super::super::verilog::pieces(&design);
            let array = format!("{}_array", design.top_name());
            let depth = 6;
            let mut parts = Cells::new();
            let lines = emit::delay_lines(design.array());
            let delays = delay_line_cells(&pieces.array, &delay_name(&array), &lines).unwrap();
            add_up(
                &mut parts,
                &mapped_parts(&design, &pieces, None, depth).unwrap(),
            );
            add_up(&mut parts, &delays);
            let flat = Part {
                top: &array,
                setup: String::new(),
            };
            let flat = xilinx(&pieces.array, &flat, Some(depth)).unwrap().0;
            let (p, f) = (
                SynthStats::from_cells(parts.clone()),
                SynthStats::from_cells(flat.clone()),
            );
            assert_eq!(p.dsps, f.dsps, "{pe:?}");
            assert!(f.luts > 0 && f.ffs > 0, "{flat:?}");
            let within =
                |a: u64, b: u64, pct: f64| (a as f64 - b as f64).abs() <= pct / 100.0 * b as f64;
            assert!(
                within(p.luts, f.luts, 2.0),
                "{pe:?} LUTs: parts {parts:?} flat {flat:?}"
            );
            assert!(
                within(p.ffs + p.srls, f.ffs + f.srls, 10.0),
                "{pe:?} registers: parts {parts:?} flat {flat:?}"
            );
        }
    }

    /// In the flat engine every ternary PE's adder takes `p_in` as the
    /// operand on the carry chain's DI inputs and its select as the other,
    /// so each PE maps alike however Yosys numbers its nets: the count's
    /// row parts and flat synthesis then map the PE to the same LUTs. (With
    /// a 12-bit select `alumacc` ordered the two by net-name hashes: 27 of
    /// the 8×8 engine's 56 adders below the top row put the select on DI.)
    #[test]
    fn every_pe_adder_carries_its_partial_sum_on_di() {
        let cfg = ArrayConfig::new(ArraySpec {
            rows: Some(8),
            cols: Some(8),
            ..Default::default()
        })
        .unwrap();
        let design = EngineDesign::new(&cfg).unwrap();
        let top = design.top_name();
        let out = yosys_files(
            &top,
            &verilog(&design),
            &format!("synth -flatten -top {top} -run begin:fine; tee -q -o alu.txt dump t:$alu"),
            &["alu.txt"],
        )
        .unwrap();
        let port = |cell: &str, p: &str| {
            cell.lines()
                .find_map(|l| l.trim().strip_prefix(&format!("connect \\{p} ")))
                .unwrap_or_default()
                .to_string()
        };
        let adders: Vec<_> = out[0]
            .split("cell $alu")
            .filter(|c| port(c, "Y").ends_with("u_pe.p.d"))
            .collect();
        assert_eq!(adders.len(), 64, "{}", out[0]);
        // The top row adds no partial sum; the 56 adders below it do.
        let below: Vec<_> = adders
            .iter()
            .filter(|c| format!("{}{}", port(c, "A"), port(c, "B")).contains("u_pe.p.q"))
            .collect();
        assert_eq!(below.len(), 56, "{}", out[0]);
        for cell in below {
            let (a, b) = (port(cell, "A"), port(cell, "B"));
            assert!(
                a.contains("u_pe.p.q") && b.contains("u_pe.select"),
                "{cell}"
            );
        }
    }

    /// The count's premise: a `W`-bit delay line costs `W` times a 1-bit
    /// one (plain registers, shift-register LUTs, and their cascade).
    #[test]
    fn a_wide_delay_line_costs_its_width_times_a_one_bit_line() {
        let cfg = ArrayConfig::new(ArraySpec {
            rows: Some(4),
            cols: Some(4),
            ..Default::default()
        })
        .unwrap();
        let design = EngineDesign::new(&cfg).unwrap();
        let text = verilog(&design);
        let delay = delay_name(&format!("{}_array", design.top_name()));
        for (w, d) in [(8u32, 2usize), (13, 5), (8, 40)] {
            let one = delay_line_cells(&text, &delay, &[(w, d)]).unwrap();
            assert_eq!(one.len(), 1);
            assert_eq!(one[0].1, u64::from(w));
            let top = format!("{delay}_wide");
            let wide = format!(
                "{text}module {top} (input wire clk, input wire [{m}:0] d, output wire [{m}:0] q);\n    {delay} #(.W({w}), .D({d})) u (.clk(clk), .d(d), .q(q));\nendmodule\n",
                m = w - 1
            );
            let out = yosys_files(
                &top,
                &wide,
                &format!(
                    "hierarchy -top {top}; synth_xilinx -flatten -top {top}; tee -q -o x.stat stat"
                ),
                &["x.stat"],
            )
            .unwrap();
            let mut cells = parse_stat(&out[0]);
            cells.retain(|k, _| !IO_CELLS.contains(&k.as_str()));
            let scaled: BTreeMap<String, u64> = one[0]
                .0
                .iter()
                .map(|(k, v)| (k.clone(), v * u64::from(w)))
                .collect();
            assert_eq!(cells, scaled, "{w} bits, {d} registers");
            assert!(!cells.is_empty());
        }
    }
}
