//! The engine's emitted Verilog against the reference and the simulator:
//! whole BitLinear layers bit-exact, start-to-done cycles equal to
//! `tritone simulate gemm`, every activity counter equal to the simulator's
//! counts, under the DRAM model's pacing and under random handshakes, in
//! Icarus Verilog and Verilator.

use tritone_hdl::cosim::Simulator;
use tritone_hdl::engine::cosim::cosimulate;
use tritone_hdl::engine::testbench::{EngineJob, EngineStimulus, Pacing, TestbenchOptions};
use tritone_hdl::engine::EngineDesign;
use tritone_sim::config::{Buffers, Dram, WeightPacking};
use tritone_sim::engine::program::{ActivationFeed, Mapping};
use tritone_sim::engine::Geometry;
use tritone_sim::gemm::{simulate_gemm, GemmOptions, GemmShape, OperandHome, ZeroWeights};
use tritone_sim::{ArrayConfig, ArraySpec, PeKind};

/// One engine under test.
#[derive(Clone, Copy, Debug)]
struct Case {
    r: u32,
    c: u32,
    l: u32,
    banks: u32,
    pe: PeKind,
    five: bool,
    /// DRAM GB/s at 100 MHz (10 × bytes per edge).
    gbps: f64,
    kib: (u32, u32, u32),
    stream: Option<u32>,
    shape: (u64, u64, u64),
}

impl Case {
    fn new(r: u32, c: u32, gbps: f64, kib: (u32, u32, u32), shape: (u64, u64, u64)) -> Case {
        Case {
            r,
            c,
            l: 1,
            banks: 2,
            pe: PeKind::Ternary,
            five: false,
            gbps,
            kib,
            // 16-byte beats at 100 MHz: 1.6 GB/s is one beat per edge, less throttles.
            stream: Some(16),
            shape,
        }
    }

    fn config(&self) -> ArrayConfig {
        ArrayConfig::new(ArraySpec {
            rows: Some(self.r),
            cols: Some(self.c),
            weight_rows_per_cycle: Some(self.l),
            weight_banks: Some(self.banks),
            pe: Some(self.pe),
            weight_packing: Some(if self.five {
                WeightPacking::FiveTritsPerByte
            } else {
                WeightPacking::TwoBit
            }),
            clock_mhz: Some(100.0),
            buffers: Some(Buffers {
                weight_kib: self.kib.0,
                act_kib: self.kib.1,
                out_kib: self.kib.2,
                width_bits: 64,
            }),
            dram: Some(Dram {
                kind: "ddr4".parse().unwrap(),
                bandwidth_gbps: self.gbps,
            }),
            stream_bytes: self.stream,
            ..Default::default()
        })
        .unwrap_or_else(|e| panic!("{self:?}: {e}"))
    }

    fn shape(&self) -> GemmShape {
        GemmShape {
            m: self.shape.0,
            k: self.shape.1,
            n: self.shape.2,
        }
    }
}

/// Runs `job` on `case`'s engine; asserts the testbench passed and, paced as
/// DRAM, that its cycles equal `simulate_gemm`'s. Returns the cycles.
fn check(case: &Case, job: &EngineJob, pacing: Pacing, sim: Simulator) -> u64 {
    let design = EngineDesign::new(&case.config()).unwrap();
    let stim = EngineStimulus::new(&design, job).unwrap();
    let rep = cosimulate(&design, &stim, TestbenchOptions { pacing, vcd: false }, sim).unwrap();
    assert!(rep.passed, "{case:?} {pacing:?}:\n{}", rep.log);
    let cycles = rep.cycles.expect("the PASS line carries the cycles");
    if pacing == Pacing::Dram {
        // The fast model (with jumps) agrees too, not only the stepped spec.
        let zeros = job.w.iter().filter(|&&w| w == 0).count() as u64;
        let s = simulate_gemm(
            &case.config(),
            &case.shape(),
            &GemmOptions {
                zero_weights: ZeroWeights::Count(zeros),
                operands: OperandHome::Dram,
            },
        )
        .unwrap();
        assert_eq!(cycles, s.cycles, "{case:?}");
        let counter = |name: &str| {
            rep.counters
                .iter()
                .find(|(n, _)| n == name)
                .map(|c| c.1)
                .unwrap_or_else(|| panic!("no counter {name}"))
        };
        assert_eq!(counter("ADDS"), s.pe_adds);
        assert_eq!(counter("W_READ_BITS"), s.buffers.weight.read_bits);
    }
    cycles
}

fn mapping(case: &Case) -> Mapping {
    Mapping::of(
        &Geometry::of(&case.config()).unwrap(),
        &case.shape(),
        OperandHome::Dram,
    )
    .unwrap()
}

/// Shapes and engines chosen so that together they cover every mapping
/// (per-chunk and per-fold activations, resident and refetched weights,
/// several M-chunks), slow and fast streams, every stream width against
/// every buffer word, both PEs, both packings, single buffering and
/// several weight rows per beat; K and N well beyond R and C and not multiples.
fn cases() -> Vec<Case> {
    let mut v = vec![
        Case::new(4, 4, 1.6, (1, 1, 1), (3, 10, 9)),
        Case::new(8, 8, 0.8, (1, 1, 1), (20, 50, 30)),
        Case::new(8, 8, 0.1, (1, 1, 1), (20, 50, 30)),
        Case::new(8, 8, 3.2, (1, 1, 1), (200, 50, 30)),
        Case::new(8, 8, 0.1, (1, 1, 1), (20, 200, 100)),
        Case::new(8, 8, 0.8, (1, 1, 1), (30, 1100, 20)),
        Case::new(8, 32, 0.1, (1, 1, 1), (9, 40, 70)),
        Case::new(16, 16, 0.2, (1, 1, 1), (1, 300, 33)),
        Case::new(16, 8, 25.6, (2, 2, 2), (37, 47, 23)),
    ];
    let mut single = Case::new(8, 8, 20.0, (1, 1, 1), (20, 50, 30));
    single.banks = 1;
    v.push(single);
    let mut wide = Case::new(4, 4, 6.4, (1, 1, 1), (9, 40, 70));
    wide.stream = Some(64);
    v.push(wide);
    let mut narrow = Case::new(8, 32, 0.4, (1, 1, 1), (5, 20, 40));
    narrow.stream = Some(2);
    v.push(narrow);
    let mut rows = Case::new(8, 8, 0.8, (1, 1, 1), (1, 50, 30));
    rows.l = 8;
    v.push(rows);
    let mut rows4 = Case::new(4, 8, 0.1, (1, 1, 1), (7, 100, 17));
    rows4.l = 2;
    v.push(rows4);
    let mut mac = Case::new(8, 8, 0.8, (1, 1, 1), (13, 50, 30));
    mac.pe = PeKind::MacInt8;
    v.push(mac);
    let mut mac_single = Case::new(4, 8, 3.2, (1, 1, 1), (30, 100, 20));
    mac_single.pe = PeKind::MacInt8;
    mac_single.banks = 1;
    v.push(mac_single);
    let mut five = Case::new(8, 8, 0.8, (1, 1, 1), (13, 50, 30));
    five.five = true;
    v.push(five);
    let mut five16 = Case::new(16, 16, 1.6, (1, 1, 1), (13, 70, 50));
    five16.five = true;
    v.push(five16);
    let mut five_refetch = Case::new(8, 8, 0.2, (1, 1, 1), (40, 100, 300));
    five_refetch.five = true;
    v.push(five_refetch);
    v.push(Case::new(8, 8, 100.0, (8, 8, 8), (70, 300, 90)));
    // More banks: one-token folds reload the array faster than a bank drains.
    let mut four = Case::new(8, 8, 3.2, (1, 1, 1), (1, 200, 90));
    four.banks = 4;
    four.l = 2;
    v.push(four);
    let mut eight = Case::new(4, 8, 1.6, (1, 1, 1), (3, 60, 50));
    eight.banks = 8;
    eight.l = 4;
    v.push(eight);
    v
}

/// The shapes cover every mapping feature (the co-simulations below run
/// them all).
#[test]
fn the_cases_cover_every_mapping() {
    let cases = cases();
    assert!(cases.len() >= 20, "{} shapes", cases.len());
    let maps: Vec<Mapping> = cases.iter().map(mapping).collect();
    assert!(maps
        .iter()
        .any(|m| m.activations == ActivationFeed::PerFold));
    assert!(maps
        .iter()
        .any(|m| m.activations == ActivationFeed::PerChunk && m.chunks > 1));
    assert!(maps.iter().any(|m| !m.weights_resident && m.chunks > 1));
    assert!(maps.iter().any(|m| m.chunk_tokens == 1));
}

/// Runs every `half`-th case (of two halves, so the test threads share them).
fn icarus_half(half: usize) {
    for (i, case) in cases().iter().enumerate().skip(half).step_by(2) {
        let job = EngineJob::random(
            &EngineDesign::new(&case.config()).unwrap(),
            case.shape(),
            i as u64,
        );
        check(case, &job, Pacing::Dram, Simulator::Icarus);
    }
}

#[test]
fn whole_gemms_are_bit_cycle_and_activity_exact_in_icarus_even_cases() {
    icarus_half(0);
}

#[test]
fn whole_gemms_are_bit_cycle_and_activity_exact_in_icarus_odd_cases() {
    icarus_half(1);
}

/// The shapes above include streams slow enough to throttle the engine and
/// fast enough not to: cycles against the same engine whose streams move a
/// beat every edge.
#[test]
fn the_cases_span_throttled_and_unthrottled_streams() {
    let ratios: Vec<f64> = cases()
        .iter()
        .map(|case| {
            let cycles = simulate_gemm(&case.config(), &case.shape(), &GemmOptions::default())
                .unwrap()
                .cycles;
            let mut fast = *case;
            fast.gbps = 100_000.0;
            let free = simulate_gemm(&fast.config(), &case.shape(), &GemmOptions::default())
                .unwrap()
                .cycles;
            cycles as f64 / free as f64
        })
        .collect();
    let throttled = ratios.iter().filter(|&&r| r > 1.5).count();
    let free = ratios.iter().filter(|&&r| r < 1.05).count();
    assert!(
        throttled >= 4 && free >= 4,
        "cycles / unthrottled cycles: {ratios:.2?}"
    );
}

#[test]
fn extreme_and_zero_operands_are_exact() {
    for case in [Case::new(8, 8, 1.6, (1, 1, 1), (6, 100, 20)), {
        let mut c = Case::new(4, 8, 1.6, (1, 1, 1), (6, 100, 20));
        c.pe = PeKind::MacInt8;
        c
    }] {
        let design = EngineDesign::new(&case.config()).unwrap();
        check(
            &case,
            &EngineJob::extreme(&design, case.shape()),
            Pacing::Dram,
            Simulator::Icarus,
        );
        let mut zero = EngineJob::random(&design, case.shape(), 3);
        zero.x.iter_mut().for_each(|v| *v = 0);
        check(&case, &zero, Pacing::Dram, Simulator::Icarus);
    }
}

/// A vendor DMA in simple mode sends the whole input as one transfer, with
/// TLAST on its last beat only: the engine frames the stream by its own
/// counts, so results, cycles and counters are those of the framed stream,
/// and STATUS ends DONE without ERROR (the testbench checks it).
#[test]
fn one_tlast_for_the_whole_input_is_accepted() {
    let case = Case::new(8, 8, 0.8, (1, 1, 1), (20, 72, 72));
    let design = EngineDesign::new(&case.config()).unwrap();
    let job = EngineJob::random(&design, case.shape(), 21);
    let framed = check(&case, &job, Pacing::Dram, Simulator::Icarus);
    let mut stim = EngineStimulus::new(&design, &job).unwrap();
    let n = stim.input.beats.len();
    assert!(
        stim.input.beats[..n - 1].iter().any(|b| b.last),
        "one transfer only"
    );
    for (i, b) in stim.input.beats.iter_mut().enumerate() {
        b.last = i == n - 1;
    }
    let rep = cosimulate(
        &design,
        &stim,
        TestbenchOptions {
            pacing: Pacing::Dram,
            vcd: false,
        },
        Simulator::Icarus,
    )
    .unwrap();
    assert!(rep.passed, "{}", rep.log);
    assert_eq!(rep.cycles, Some(framed));
}

#[test]
fn random_handshake_gaps_change_cycles_never_results() {
    for (i, case) in cases().iter().enumerate().step_by(3) {
        let design = EngineDesign::new(&case.config()).unwrap();
        let job = EngineJob::random(&design, case.shape(), 100 + i as u64);
        // Paced as DRAM, the RTL takes the simulator's cycles (the first test
        // runs these shapes so); cycles do not depend on the values.
        let paced = simulate_gemm(&case.config(), &case.shape(), &GemmOptions::default())
            .unwrap()
            .cycles;
        let gappy = check(
            case,
            &job,
            Pacing::Random {
                seed: i as u64 + 1,
                valid_percent: 40,
                ready_percent: 35,
            },
            Simulator::Icarus,
        );
        assert_ne!(paced, gappy, "{case:?}: random gaps left the cycles alone");
    }
}

#[test]
fn verilator_runs_are_exact() {
    let mut forward = Case::new(4, 128, 0.1, (8, 8, 1), (3, 20, 300));
    forward.l = 4;
    forward.stream = Some(64);
    let mut five = Case::new(16, 16, 1.6, (1, 1, 1), (13, 70, 50));
    five.five = true;
    for (case, pacing) in [
        (
            Case::new(8, 8, 0.1, (1, 1, 1), (20, 200, 100)),
            Pacing::Dram,
        ),
        (
            Case::new(8, 8, 0.8, (1, 1, 1), (30, 1100, 20)),
            Pacing::Random {
                seed: 9,
                valid_percent: 50,
                ready_percent: 50,
            },
        ),
        (five, Pacing::Dram),
        // One token per chunk, one weight beat per tile, a slow output
        // stream: consecutive K-blocks of a token leave the array one edge
        // apart, and the accumulator forwards the sum it is writing.
        (forward, Pacing::Dram),
    ] {
        if case.c == 128 {
            assert!(forwards(&case), "the forwarding case no longer forwards");
        }
        let design = EngineDesign::new(&case.config()).unwrap();
        check(
            &case,
            &EngineJob::random(&design, case.shape(), 5),
            pacing,
            Simulator::Verilator,
        );
    }
}

/// Whether two consecutive folds of `case` accept the same token one edge
/// apart (the accumulator must forward the sum it is writing).
fn forwards(case: &Case) -> bool {
    use tritone_sim::engine::program::Program;
    use tritone_sim::engine::spec::{run, Trace};
    let cfg = case.config();
    let g = Geometry::of(&cfg).unwrap();
    let p = Program {
        geometry: &g,
        shape: case.shape(),
        mapping: mapping(case),
    };
    let mut t = Trace::default();
    run(&cfg, &p, Some(&mut t)).unwrap();
    t.folds.windows(2).any(|w| {
        w[0].0 .1 == w[1].0 .1
            && w[1].1.first_accept == w[0].1.last_accept + 1
            && p.mapping.chunk_tokens == 1
    })
}

#[test]
fn the_control_interface_follows_the_protocol_in_icarus_and_verilator() {
    use tritone_hdl::engine::testbench::{protocol_testbench, PASS_MARK};
    let case = Case::new(8, 8, 1.6, (1, 1, 1), (3, 32, 5));
    let design = EngineDesign::new(&case.config()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let top = design.top_name();
    let rtl = dir.path().join(format!("{top}.v"));
    let tb = dir.path().join(format!("{top}_ptb.v"));
    std::fs::write(&rtl, tritone_hdl::engine::verilog(&design)).unwrap();
    std::fs::write(&tb, protocol_testbench(&design)).unwrap();
    let run = |cmd: &mut std::process::Command| {
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let exe = dir.path().join("ptb.vvp");
    run(std::process::Command::new("iverilog")
        .args(["-g2005", "-s", &format!("{top}_ptb"), "-o"])
        .arg(&exe)
        .arg(&tb)
        .arg(&rtl));
    let log = run(std::process::Command::new("vvp").arg("-n").arg(&exe));
    assert!(log.contains(PASS_MARK), "{log}");
    let obj = dir.path().join("obj");
    run(&mut tritone_hdl::cosim::verilator_binary(
        &format!("{top}_ptb"),
        &obj,
        &[&tb, &rtl],
        &["-Wno-fatal"],
    ));
    let log = run(&mut std::process::Command::new(
        obj.join(format!("V{top}_ptb")),
    ));
    assert!(log.contains(PASS_MARK), "{log}");
}
