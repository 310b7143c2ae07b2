//! The emitted Verilog, compiled by Verilator (one build per design, many
//! vectors per run): every output beat equals the reference at its contract edge.

mod common;

use common::{design, workload};
use tritone_hdl::cosim::{cosimulate, Simulator};
use tritone_sim::PeKind::{MacInt8, Ternary};

#[test]
fn verilator_runs_are_bit_exact() {
    for (r, c, pe, db, l) in [
        (3, 5, Ternary, true, 1),
        (16, 16, Ternary, false, 1),
        (1, 8, Ternary, true, 1),
        (8, 1, MacInt8, false, 1),
        (7, 4, MacInt8, true, 2),
    ] {
        let d = design(r, c, pe, db, l);
        let stim = workload(&d, (r * 7 + c) as u64);
        let rep = cosimulate(&d, &stim, Simulator::Verilator).unwrap();
        assert!(
            rep.passed,
            "{}: testbench failed:\n{}",
            d.top_name(),
            rep.log
        );
        assert_eq!(rep.beats, stim.expected, "{}", d.top_name());
    }
}
