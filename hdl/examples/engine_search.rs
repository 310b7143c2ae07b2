use tritone_sim::config::{Buffers, Dram};
use tritone_sim::gemm::{GemmShape, OperandHome};
use tritone_sim::engine::{program::{Mapping, Program}, spec, Geometry};
use tritone_sim::{ArrayConfig, ArraySpec};
fn main() {
    for &(r, c) in &[(4u32, 4u32), (4, 8), (8, 4), (8, 8)] {
        for &d in &[16u32, 32, 64, 128, 256, 512] {
            for &gb in &[0.05f64, 0.1, 0.2, 0.4, 1.0] {
                for &m in &[1u64, 2, 3, 5] {
                    let cfg = match ArrayConfig::new(ArraySpec { rows: Some(r), cols: Some(c), weight_rows_per_cycle: Some(r), clock_mhz: Some(100.0),
                        buffers: Some(Buffers { weight_kib: 8, act_kib: 8, out_kib: 1, width_bits: 64 }),
                        dram: Some(Dram { kind: "ddr4".parse().unwrap(), bandwidth_gbps: gb }), stream_bytes: Some(d), ..Default::default() }) { Ok(c) => c, Err(_) => continue };
                    let g = Geometry::of(&cfg).unwrap();
                    let shape = GemmShape { m, k: 5 * r as u64, n: 3 * c as u64 };
                    let map = Mapping::of(&g, &shape, OperandHome::Dram).unwrap();
                    let p = Program { geometry: &g, shape, mapping: map };
                    let mut t = spec::Trace::default();
                    let timing = spec::run(&cfg, &p, Some(&mut t)).unwrap();
                    let gap1 = t.folds.windows(2).filter(|w| w[1].1.first_accept == w[0].1.last_accept + 1 && w[1].0.1 == w[0].0.1 && map.chunk_tokens == 1).count();
                    if gap1 > 0 { println!("r{r} c{c} d{d} gb{gb} m{m} chunk{} gap1={gap1} cycles={}", map.chunk_tokens, timing.cycles); }
                }
            }
        }
    }
}
