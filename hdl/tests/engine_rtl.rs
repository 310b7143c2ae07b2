//! The engine's Verilog as tools see it: Verilator lint, Yosys (no latch,
//! no multiplier in a ternary engine, memories for block RAM), refusals,
//! the manifest and the documented register map.

use std::process::Command;
use tritone_hdl::engine::synth::checks;
use tritone_hdl::engine::{manifest::manifest, regs, verilog, EngineDesign};
use tritone_hdl::HdlError;
use tritone_sim::config::{Buffers, WeightPacking};
use tritone_sim::{ArrayConfig, ArraySpec, PeKind};

fn design(
    r: u32,
    c: u32,
    l: u32,
    pe: PeKind,
    five: bool,
    db: bool,
    stream: Option<u32>,
) -> EngineDesign {
    EngineDesign::new(
        &ArrayConfig::new(ArraySpec {
            rows: Some(r),
            cols: Some(c),
            weight_rows_per_cycle: Some(l),
            pe: Some(pe),
            double_buffer: Some(db),
            weight_packing: Some(if five {
                WeightPacking::FiveTritsPerByte
            } else {
                WeightPacking::TwoBit
            }),
            buffers: Some(Buffers {
                weight_kib: 16,
                act_kib: 16,
                out_kib: 16,
                width_bits: 64,
            }),
            stream_bytes: stream,
            ..Default::default()
        })
        .unwrap(),
    )
    .unwrap()
}

#[test]
fn verilator_lint_wall_is_silent() {
    for d in [
        design(8, 8, 1, PeKind::Ternary, false, true, None),
        design(4, 4, 4, PeKind::Ternary, false, false, Some(64)),
        design(16, 16, 1, PeKind::Ternary, true, true, Some(8)),
        design(8, 32, 2, PeKind::Ternary, false, true, Some(2)),
        design(8, 8, 1, PeKind::MacInt8, false, true, None),
        design(64, 64, 1, PeKind::Ternary, false, true, None),
    ] {
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
fn yosys_finds_no_latch_no_multiplier_in_ternary_and_keeps_memories() {
    let t = checks(&design(8, 8, 1, PeKind::Ternary, false, true, None)).unwrap();
    assert_eq!((t.latches, t.mul_cells), (0, 0), "{t:?}");
    // Weight, activation and both output banks: at least one memory each.
    assert!(t.memories >= 4, "{t:?}");
    let f = checks(&design(8, 8, 1, PeKind::Ternary, true, true, Some(8))).unwrap();
    assert_eq!((f.latches, f.mul_cells), (0, 0), "{f:?}");
    let m = checks(&design(4, 4, 1, PeKind::MacInt8, false, true, None)).unwrap();
    assert_eq!(m.latches, 0);
    assert_eq!(m.mul_cells, 16, "one multiplier per PE: {m:?}");
}

#[test]
fn engines_that_cannot_run_are_refused_with_the_reason() {
    let cfg = |spec: ArraySpec| ArrayConfig::new(spec).unwrap();
    let why = |c: ArrayConfig| match EngineDesign::new(&c) {
        Err(HdlError::Unsupported(why)) => why,
        other => panic!("accepted: {other:?}"),
    };
    assert!(why(cfg(ArraySpec {
        rows: Some(12),
        cols: Some(8),
        ..Default::default()
    }))
    .contains("rows = 12"));
    assert!(why(cfg(ArraySpec {
        rows: Some(8),
        cols: Some(1),
        ..Default::default()
    }))
    .contains("fill at least one byte"));
    assert!(why(cfg(ArraySpec {
        rows: Some(8),
        cols: Some(8),
        pe: Some(PeKind::MacFp16),
        ..Default::default()
    }))
    .contains("mac-fp16"));
    // A weight buffer smaller than one tile never becomes a design at all.
    let small = ArrayConfig::new(ArraySpec {
        rows: Some(256),
        cols: Some(256),
        buffers: Some(Buffers {
            weight_kib: 8,
            act_kib: 64,
            out_kib: 64,
            width_bits: 64,
        }),
        ..Default::default()
    });
    assert!(small.unwrap_err().to_string().contains("weight_kib"));
}

#[test]
fn the_manifest_and_the_doc_carry_the_register_map() {
    let d = design(8, 8, 1, PeKind::Ternary, false, true, None);
    let m = manifest(&d);
    assert_eq!(m.registers.len(), regs::REGISTERS.len());
    assert_eq!(m.config_word, d.config_word());
    let json = serde_json::to_value(&m).unwrap();
    for key in [
        "ports",
        "registers",
        "buffers",
        "mapping_rule",
        "input_stream",
        "output_stream",
        "timing",
    ] {
        assert!(json.get(key).is_some(), "manifest lacks {key}");
    }
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/engine.md")).unwrap();
    assert!(
        doc.contains(&regs::markdown_table()),
        "docs/engine.md's register table differs from regs::REGISTERS"
    );
}
