//! Sweep throughput: 1000 design points of the 3B model (prefill 512,
//! decode 128) evaluated by the simulator and the 7 nm energy model on all
//! cores. The target is at least 1000 points per second (docs/sweeps.md).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tritone_energy::Node;
use tritone_reports::sweep::run::evaluate_points;
use tritone_reports::sweep::{ModelEvaluator, Param, SweepSpec};

/// 5 × 5 × 2 × 4 × 5 = 1000 points of the 3B model.
fn thousand_points() -> SweepSpec {
    let mut spec = SweepSpec::default();
    for (p, v) in [
        (Param::Rows, "8..128:x2"),
        (Param::Cols, "8..128:x2"),
        (Param::Pe, "ternary,mac-int8"),
        (Param::DramGbps, "16..128:x2"),
        (Param::ClockMhz, "200..1000:+200"),
        (Param::Model, "bitnet-b1.58-3b"),
        (Param::Prefill, "512"),
        (Param::Decode, "128"),
    ] {
        spec.set(p, v).expect("valid spec");
    }
    spec
}

fn bench(c: &mut Criterion) {
    let spec = thousand_points();
    let n = spec.len().expect("small sweep");
    assert_eq!(n, 1000);
    let indices: Vec<u64> = (0..n).collect();
    let evaluator = ModelEvaluator::new(Node::Nm7);
    let mut group = c.benchmark_group("sweep");
    group.throughput(Throughput::Elements(n));
    group.sample_size(10);
    group.bench_function("3b_prefill512_decode128_1000_points", |b| {
        b.iter(|| evaluate_points(&spec, &evaluator, &indices, false))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // Criterion's own plots need system fonts; the numbers are what matter.
    config = Criterion::default().without_plots();
    targets = bench
}
criterion_main!(benches);
