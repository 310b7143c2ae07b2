//! The rust-hdl simulation of the array against the reference, beat by beat
//! (value and clock edge).

mod common;

use common::{design, workload};
use proptest::prelude::*;
use tritone_hdl::array::simulate;
use tritone_hdl::job::{random_jobs, Stimulus};
use tritone_sim::tile::stream_latency;
use tritone_sim::PeKind::{MacInt8, Ternary};

#[test]
fn spread_of_shapes_matches_the_reference_at_contract_edges() {
    for (r, c) in [(1, 1), (1, 8), (8, 1), (3, 5), (7, 4), (16, 16), (32, 8)] {
        for pe in [Ternary, MacInt8] {
            for db in [false, true] {
                let d = design(r, c, pe, db, 1);
                let stim = workload(&d, (r * 1000 + c) as u64);
                assert_eq!(
                    simulate(&d, &stim).unwrap(),
                    stim.expected,
                    "{}",
                    d.top_name()
                );
            }
        }
    }
}

#[test]
fn several_weight_rows_per_beat_including_a_partial_last_beat() {
    for (r, c, l) in [(4, 3, 2), (5, 2, 2), (7, 3, 3), (6, 4, 6)] {
        for db in [false, true] {
            let d = design(r, c, Ternary, db, l);
            let stim = workload(&d, 99);
            assert_eq!(
                simulate(&d, &stim).unwrap(),
                stim.expected,
                "{}",
                d.top_name()
            );
        }
    }
}

#[test]
fn four_and_eight_weight_banks_match_the_reference() {
    for (r, c, pe, banks, l) in [
        (4, 3, Ternary, 4, 2),
        (5, 4, MacInt8, 4, 1),
        (3, 6, Ternary, 8, 3),
    ] {
        let d = common::design_banks(r, c, pe, banks, l);
        // Many short tiles in a row: every bank is loaded and reused.
        let stim =
            Stimulus::new(&d, &random_jobs(&d, &[1, 1, 2, 1, 1, 3, 1, 1, 1, 9, 1], 17)).unwrap();
        assert_eq!(
            simulate(&d, &stim).unwrap(),
            stim.expected,
            "{}",
            d.top_name()
        );
        let stim = workload(&d, 4);
        assert_eq!(
            simulate(&d, &stim).unwrap(),
            stim.expected,
            "{}",
            d.top_name()
        );
    }
}

#[test]
fn back_to_back_stream_latency_is_the_documented_formula() {
    let d = design(5, 3, Ternary, false, 1);
    for m in [1usize, 2, 9, 40] {
        let stim = Stimulus::new(&d, &random_jobs(&d, &[m], 5)).unwrap();
        let got = simulate(&d, &stim).unwrap();
        let first_accept = stim.x_beats[0].edge;
        assert_eq!(got.len(), m);
        assert_eq!(
            got[m - 1].edge - first_accept,
            stream_latency(d.config(), m as u64)
        );
        assert_eq!(got[m - 1].edge - first_accept, 5 + 3 + m as u64 - 2);
    }
}

#[test]
fn a_wrong_expectation_is_caught() {
    // The comparison is not vacuous: a shifted edge or a changed value differs.
    let d = design(3, 2, Ternary, true, 1);
    let stim = workload(&d, 3);
    let got = simulate(&d, &stim).unwrap();
    let mut late = stim.expected.clone();
    late[0].edge += 1;
    assert_ne!(got, late);
    let mut off = stim.expected.clone();
    off[3].values[1] += 1;
    assert_ne!(got, off);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn random_shapes_match_the_reference(
        r in 1u32..12, c in 1u32..12, mac in any::<bool>(), db in any::<bool>(),
        tiles in proptest::collection::vec(1usize..30, 1..4), seed in any::<u64>(),
    ) {
        let d = design(r, c, if mac { MacInt8 } else { Ternary }, db, 1);
        let stim = Stimulus::new(&d, &random_jobs(&d, &tiles, seed)).unwrap();
        prop_assert_eq!(simulate(&d, &stim).unwrap(), stim.expected);
    }
}
