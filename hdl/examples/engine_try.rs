use tritone_hdl::engine::testbench::{testbench, EngineJob, EngineStimulus, Pacing, TestbenchOptions};
use tritone_hdl::engine::{verilog, EngineDesign};
use tritone_sim::config::{Buffers, Dram};
use tritone_sim::gemm::GemmShape;
use tritone_sim::{ArrayConfig, ArraySpec};

fn main() {
    let args: Vec<u64> = std::env::args().skip(1).map(|a| a.parse().unwrap()).collect();
    let (r, c, m, k, n, gbps, db, wk, ak, ok, l, random) = (args[0] as u32, args[1] as u32, args[2], args[3], args[4], args[5] as f64 / 10.0, args[6] == 1, args[7] as u32, args[8] as u32, args[9] as u32, args[10] as u32, args[11]);
    let cfg = ArrayConfig::new(ArraySpec {
        rows: Some(r), cols: Some(c), double_buffer: Some(db), weight_rows_per_cycle: Some(l),
        clock_mhz: Some(100.0),
        buffers: Some(Buffers { weight_kib: wk, act_kib: ak, out_kib: ok, width_bits: 64 }),
        dram: Some(Dram { kind: "ddr4".parse().unwrap(), bandwidth_gbps: gbps }),
        stream_bytes: if args.len() > 12 && args[12] > 0 { Some(args[12] as u32) } else { None },
        pe: Some(if args.len() > 13 && args[13] == 1 { tritone_sim::PeKind::MacInt8 } else { tritone_sim::PeKind::Ternary }),
        weight_packing: Some(if args.len() > 14 && args[14] == 1 { tritone_sim::config::WeightPacking::FiveTritsPerByte } else { tritone_sim::config::WeightPacking::TwoBit }),
        ..Default::default()
    }).unwrap();
    let d = EngineDesign::new(&cfg).unwrap();
    let job = EngineJob::random(&d, GemmShape { m, k, n }, 7);
    let stim = EngineStimulus::new(&d, &job).unwrap();
    let pacing = if random == 0 { Pacing::Dram } else { Pacing::Random { seed: random, valid_percent: 60, ready_percent: 60 } };
    std::fs::write("/tmp/eng/engine.v", verilog(&d)).unwrap();
    std::fs::write("/tmp/eng/tb.v", testbench(&d, &stim, TestbenchOptions { pacing, vcd: true })).unwrap();
    println!("{} {} cycles={} in={} out={}", d.top_name(), tritone_hdl::engine::testbench::testbench_name(&d), stim.cycles, stim.input.beats.len(), stim.output.beats.len());
    println!("{:?}", d.geometry());
    if std::env::var("TRACE").is_ok() { trace(&cfg, GemmShape { m, k, n }); }
    let g = tritone_sim::engine::Geometry::of(&cfg).unwrap();
    println!("{:?}", tritone_sim::engine::program::Mapping::of(&g, &GemmShape { m, k, n }, tritone_sim::gemm::OperandHome::Dram).unwrap());
}
#[allow(dead_code)]
fn trace(cfg: &ArrayConfig, shape: GemmShape) {
    let g = tritone_sim::engine::Geometry::of(cfg).unwrap();
    let p = tritone_sim::engine::program::Program { geometry: &g, shape, mapping: tritone_sim::engine::program::Mapping::of(&g, &shape, tritone_sim::gemm::OperandHome::Dram).unwrap() };
    let mut t = tritone_sim::engine::spec::Trace::default();
    tritone_sim::engine::spec::run(cfg, &p, Some(&mut t)).unwrap();
    for f in t.folds.iter().take(40) { println!("{:?}", f); }
}
