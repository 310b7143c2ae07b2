//! The emitted Verilog, simulated by Icarus Verilog with the generated
//! testbench: every output beat equals the reference at its contract edge.

mod common;

use common::{design, workload};
use tritone_hdl::cosim::{cosimulate, Simulator};
use tritone_hdl::job::Stimulus;
use tritone_sim::PeKind::{MacInt8, Ternary};

fn check(d: &tritone_hdl::ArrayDesign, stim: &Stimulus) {
    let rep = cosimulate(d, stim, Simulator::Icarus).unwrap();
    assert!(
        rep.passed,
        "{}: testbench failed:\n{}",
        d.top_name(),
        rep.log
    );
    assert_eq!(rep.beats, stim.expected, "{}", d.top_name());
}

#[test]
fn spread_of_shapes_bit_exact_in_icarus() {
    for (r, c, pe, db) in [
        (1, 1, Ternary, false),
        (1, 8, Ternary, true),
        (8, 1, Ternary, false),
        (3, 5, Ternary, true),
        (7, 4, Ternary, false),
        (16, 16, Ternary, true),
        (32, 8, Ternary, false),
        (1, 1, MacInt8, true),
        (8, 1, MacInt8, false),
        (3, 5, MacInt8, true),
        (7, 4, MacInt8, false),
        (16, 16, MacInt8, true),
    ] {
        let d = design(r, c, pe, db, 1);
        check(&d, &workload(&d, (r * 31 + c) as u64));
    }
}

#[test]
fn four_and_eight_weight_banks_in_icarus() {
    for (r, c, pe, banks, l) in [
        (4, 3, Ternary, 4, 2),
        (5, 4, MacInt8, 4, 1),
        (3, 6, Ternary, 8, 3),
    ] {
        let d = common::design_banks(r, c, pe, banks, l);
        check(&d, &workload(&d, 23));
    }
}

#[test]
fn several_weight_rows_per_beat_in_icarus() {
    for (r, c, l, db) in [(5, 3, 2, false), (7, 4, 3, true)] {
        let d = design(r, c, Ternary, db, l);
        check(&d, &workload(&d, 11));
    }
}

#[test]
fn the_testbench_reports_a_wrong_value_and_a_wrong_edge() {
    let d = design(3, 2, Ternary, true, 1);
    let stim = workload(&d, 4);
    let mut wrong_value = stim.clone();
    wrong_value.expected[2].values[0] += 1;
    let rep = cosimulate(&d, &wrong_value, Simulator::Icarus).unwrap();
    assert!(!rep.passed);
    assert!(rep.log.contains("ERROR: beat 2 is"), "{}", rep.log);
    let mut wrong_edge = stim.clone();
    wrong_edge.expected[5].edge += 1;
    let rep = cosimulate(&d, &wrong_edge, Simulator::Icarus).unwrap();
    assert!(!rep.passed);
    assert!(
        rep.log.contains("ERROR: beat 5 valid after edge"),
        "{}",
        rep.log
    );
    // The beats the Verilog produced are still the reference's.
    assert_eq!(rep.beats, stim.expected);
}
