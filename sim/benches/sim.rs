//! Speed of the simulator on the built-in default design: a whole 70B model
//! (512-token prefill + 512 decode steps, and a 32768 + 32768 long context),
//! the 3B model (512 + 128), and the BitNet 3B FFN GEMM M=512, K=3200, N=8640.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use tritone_sim::gemm::{simulate_gemm, GemmOptions, GemmShape};
use tritone_sim::model::{simulate_model, Workload};
use tritone_sim::ArrayConfig;

fn benches(c: &mut Criterion) {
    let cfg = ArrayConfig::default();
    let m70 = tritone_reference::model("bitnet-b1.58-70b").expect("zoo has the 70B");
    let m3 = tritone_reference::model("bitnet-b1.58-3b").expect("zoo has the 3B");
    let mut g = c.benchmark_group("sim");
    g.sample_size(10);
    for (name, model, prefill, decode) in [
        ("model 70B prefill 512 + decode 512", &m70, 512, 512),
        ("model 70B prefill 32768 + decode 32768", &m70, 32768, 32768),
        ("model 3B prefill 512 + decode 128", &m3, 512, 128),
    ] {
        let w = Workload {
            prefill,
            decode,
            batch: 1,
        };
        g.bench_function(name, |b| {
            b.iter(|| simulate_model(black_box(&cfg), model, &w).unwrap())
        });
    }
    let label = format!("gemm 512x3200x8640 on {}x{}", cfg.rows(), cfg.cols());
    g.bench_function(label, |b| {
        let s = GemmShape {
            m: 512,
            k: 3200,
            n: 8640,
        };
        b.iter(|| simulate_gemm(black_box(&cfg), &s, &GemmOptions::default()).unwrap())
    });
    g.finish();
}

criterion_group!(sim, benches);
criterion_main!(sim);
