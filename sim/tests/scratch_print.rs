use tritone_sim::model::*;
use tritone_sim::*;
#[test]
fn print() {
    let cfg = ArrayConfig::default();
    for (name, p, d) in [("bitnet-b1.58-3b", 512, 128), ("bitnet-b1.58-70b", 512, 512)] {
        let m = tritone_reference::model(name).unwrap();
        let t = std::time::Instant::now();
        let s = simulate_with_baseline(&cfg, &m, &Workload { prefill: p, decode: d, batch: 1 }).unwrap();
        eprintln!("{name}: {:?}", t.elapsed());
        for st in [&s.model, &s.fp16] {
            eprintln!("{} prefill {} decode {} ttft {:.3}s tok/s {:.2} util {:.3} stalls {} wbytes {} kv {} dram {}", st.model, st.prefill_cycles, st.decode_cycles, st.ttft_s, st.tokens_per_s, st.utilization, st.stall_cycles, st.weight_bytes, st.kv_cache_bytes, st.dram_bytes);
            for o in st.ops.iter() { eprintln!("  {:?} {} cyc {} stall {} dram {}", o.phase, o.name, o.cycles, o.stall_cycles, o.dram_bytes); }
        }
    }
    let t = std::time::Instant::now();
    let g = simulate_gemm(&cfg, &GemmShape{m:512,k:3200,n:8640}, &GemmOptions::default()).unwrap();
    eprintln!("gemm {:?} {:?}", t.elapsed(), g);
}
