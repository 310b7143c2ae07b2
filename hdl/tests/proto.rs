use tritone_hdl::{array, design::ArrayDesign, job::*};
use tritone_sim::{ArrayConfig, ArraySpec, PeKind};
#[test]
fn proto() {
    for (r, c, db, pe) in [(1, 1, false, PeKind::Ternary), (3, 5, true, PeKind::Ternary), (4, 2, false, PeKind::MacInt8), (7, 4, true, PeKind::MacInt8)] {
        let cfg = ArrayConfig::new(ArraySpec { rows: Some(r), cols: Some(c), double_buffer: Some(db), pe: Some(pe), ..Default::default() }).unwrap();
        let d = ArrayDesign::new(&cfg).unwrap();
        let jobs = random_jobs(&d, &[3, 10, 1, 20], 7);
        let st = Stimulus::new(&d, &jobs).unwrap();
        let got = array::simulate(&d, &st).unwrap();
        assert_eq!(got, st.expected, "{r}x{c}");
        let st = Stimulus::new(&d, &extreme_jobs(&d, 9)).unwrap();
        assert_eq!(array::simulate(&d, &st).unwrap(), st.expected);
    }
}
#[test]
fn dump() {
    for (r, c, db, pe) in [(1u32, 1u32, false, PeKind::Ternary), (3, 5, true, PeKind::Ternary), (4, 2, false, PeKind::MacInt8)] {
        let cfg = ArrayConfig::new(ArraySpec { rows: Some(r), cols: Some(c), double_buffer: Some(db), pe: Some(pe), ..Default::default() }).unwrap();
        let d = ArrayDesign::new(&cfg).unwrap();
        std::fs::write(format!("/tmp/h2lint/{}.v", d.top_name()), tritone_hdl::emit::verilog(&d)).unwrap();
    }
}
#[test]
fn cosim_proto() {
    use tritone_hdl::cosim::*;
    for (r, c, db, pe) in [(1u32, 1u32, false, PeKind::Ternary), (3, 5, true, PeKind::Ternary), (4, 2, false, PeKind::MacInt8)] {
        let cfg = ArrayConfig::new(ArraySpec { rows: Some(r), cols: Some(c), double_buffer: Some(db), pe: Some(pe), ..Default::default() }).unwrap();
        let d = ArrayDesign::new(&cfg).unwrap();
        let jobs = random_jobs(&d, &[3, 10, 1, 20], 7);
        let st = Stimulus::new(&d, &jobs).unwrap();
        for s in [Simulator::Icarus, Simulator::Verilator] {
            let t = std::time::Instant::now();
            let rep = cosimulate(&d, &st, s).unwrap();
            eprintln!("{s:?} {r}x{c} {:?}", t.elapsed());
            assert!(rep.passed, "{}", rep.log);
            assert_eq!(rep.beats, st.expected);
        }
    }
}
#[test]
fn synth_proto() {
    for pe in [PeKind::Ternary, PeKind::MacInt8] {
        let cfg = ArrayConfig::new(ArraySpec { rows: Some(8), cols: Some(8), double_buffer: Some(true), pe: Some(pe), ..Default::default() }).unwrap();
        let t = std::time::Instant::now();
        let g = tritone_hdl::synth::synth_generic(&cfg).unwrap();
        eprintln!("{pe:?} generic {:?} mul {} latch {} {:?}", t.elapsed(), g.mul_cells, g.latches, g.cells);
        let t = std::time::Instant::now();
        let x = tritone_hdl::synth::synth_xilinx(&cfg).unwrap();
        eprintln!("{pe:?} xilinx {:?} {:?}", t.elapsed(), x);
    }
}
