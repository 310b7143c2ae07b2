//! Verilog quality: Verilator lint, Yosys synthesis (no latches, no
//! multiplier in the ternary array, DSPs only in the mac-int8 baseline),
//! size, determinism and the generator's refusals.

mod common;

use common::design;
use std::process::Command;
use tritone_hdl::emit::verilog;
use tritone_hdl::synth::{synth_generic, synth_xilinx, synth_xilinx_with, Hierarchy};
use tritone_hdl::{ArrayDesign, HdlError};
use tritone_sim::PeKind::{MacFp16, MacInt8, Ternary};
use tritone_sim::{ArrayConfig, ArraySpec};

#[test]
fn verilator_lint_wall_is_silent() {
    for (r, c, pe, db, l) in [
        (1, 1, Ternary, false, 1),
        (1, 1, MacInt8, true, 1),
        (2, 9, Ternary, true, 2),
        (8, 8, MacInt8, false, 3),
        (64, 64, Ternary, true, 1),
    ] {
        let d = design(r, c, pe, db, l);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(format!("{}.v", d.top_name()));
        std::fs::write(&file, verilog(&d)).unwrap();
        let out = Command::new("verilator")
            .args(["--lint-only", "-Wall"])
            .arg(&file)
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && log.trim().is_empty(),
            "{}:\n{log}",
            d.top_name()
        );
    }
}

#[test]
fn ternary_array_synthesizes_without_multiplier_latch_or_dsp() {
    let d = design(8, 8, Ternary, true, 1);
    let g = synth_generic(d.config()).unwrap();
    assert_eq!(g.mul_cells, 0);
    assert_eq!(g.latches, 0);
    assert!(g.cells.keys().any(|k| k.contains("DFF")), "{:?}", g.cells);
    let x = synth_xilinx(d.config()).unwrap();
    assert_eq!(x.dsps, 0, "{x:?}");
    assert!(x.luts > 0 && x.ffs > 0, "{x:?}");
    // Kept hierarchy: the PE counted R·C times, never less than the flattened netlist.
    let h = synth_xilinx_with(d.config(), Hierarchy::KeepPe).unwrap();
    assert_eq!(h.dsps, 0, "{h:?}");
    assert!(h.luts >= x.luts && h.ffs >= x.ffs, "{h:?} vs {x:?}");
}

#[test]
fn mac_int8_baseline_has_multipliers_and_uses_dsps() {
    let d = design(4, 4, MacInt8, false, 1);
    let g = synth_generic(d.config()).unwrap();
    assert_eq!(g.mul_cells, 16);
    assert_eq!(g.latches, 0);
    let x = synth_xilinx(d.config()).unwrap();
    assert_eq!(x.dsps, 16, "{x:?}");
}

#[test]
fn one_pe_module_keeps_a_128x128_array_small_and_output_deterministic() {
    let d = design(128, 128, Ternary, true, 1);
    let v = verilog(&d);
    assert!(v.len() < 64 * 1024, "{} bytes", v.len());
    assert_eq!(
        v.matches(&format!("module {}_pe(", d.top_name())).count(),
        1
    );
    assert_eq!(
        v.matches("\nmodule ").count() + usize::from(v.starts_with("module ")),
        10,
        "top, row, delay line, PE and its 6 submodules"
    );
    assert_eq!(v, verilog(&d));
}

#[test]
fn unsupported_architectures_are_refused_by_name() {
    let cfg = |spec: ArraySpec| ArrayConfig::new(spec).unwrap();
    let err = |c: ArrayConfig| match ArrayDesign::new(&c) {
        Err(HdlError::Unsupported(why)) => why,
        other => panic!("accepted: {other:?}"),
    };
    assert!(err(cfg(ArraySpec {
        rows: Some(257),
        cols: Some(4),
        ..Default::default()
    }))
    .contains("rows = 257"));
    assert!(err(cfg(ArraySpec {
        rows: Some(4),
        cols: Some(300),
        ..Default::default()
    }))
    .contains("cols = 300"));
    assert!(err(cfg(ArraySpec {
        rows: Some(4),
        cols: Some(4),
        pe: Some(MacFp16),
        ..Default::default()
    }))
    .contains("mac-fp16"));
    assert!(err(cfg(ArraySpec {
        rows: Some(4),
        cols: Some(4),
        acc_bits: Some(40),
        ..Default::default()
    }))
    .contains("acc_bits = 40"));
}
