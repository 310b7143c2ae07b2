//! Sweep throughput: 1000 design points of the 3B model (prefill 512,
//! decode 128) evaluated by the simulator and the 7 nm energy model on all
//! cores. The target is at least 1000 points per second (docs/sweeps.md).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tritone_energy::Node;
use tritone_reports::sweep::run::evaluate_points;
use tritone_reports::sweep::{ModelEvaluator, Param, SweepSpec};

/// 5 × 5 × 2 × 4 × 5 = 1000 points of the 3B model, arrays of `dims` rows and columns.
fn thousand_points(dims: &str) -> SweepSpec {
    let mut spec = SweepSpec::default();
    for (p, v) in [
        (Param::Rows, dims),
        (Param::Cols, dims),
        // Room for the largest double-buffered INT8 tile (1024 × 1024 × 8 bits × 2).
        (Param::WeightKib, "4096"),
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
    let evaluator = ModelEvaluator::new(Node::Nm7);
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    // Small arrays make many folds per GEMM (the simulator's cost grows with
    // them); large arrays show the rate when folds are few.
    for (name, dims) in [
        ("arrays_8_to_128", "8..128:x2"),
        ("arrays_64_to_1024", "64..1024:x2"),
    ] {
        let spec = thousand_points(dims);
        let n = spec.len().expect("small sweep");
        assert_eq!(n, 1000);
        let indices: Vec<u64> = (0..n).collect();
        // Every point must really be simulated: an invalid point would be free.
        let rows = evaluate_points(&spec, &evaluator, &indices[..1], false);
        assert_eq!(rows[0].outcome.status(), "ok");
        group.throughput(Throughput::Elements(n));
        group.bench_function(format!("3b_prefill512_decode128_1000_points_{name}"), |b| {
            b.iter(|| evaluate_points(&spec, &evaluator, &indices, false))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // Criterion's own plots need system fonts; the numbers are what matter.
    config = Criterion::default().without_plots();
    targets = bench
}
criterion_main!(benches);
