//! Sweep throughput: 1000 design points evaluated on all cores by the one
//! evaluation (`tritone_eval`: simulator and 7 nm energy model), each row
//! journaled as a sweep does. A fresh evaluator per iteration, so GEMMs are
//! shared only between the points of one run, as in `tritone sweep`.
//! Targets (issue 10, 2 cores): 5000 points/s for the 3B model, 1000 for
//! the 70B (prefill 512, decode 128).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tritone_energy::Node;
use tritone_reports::sweep::journal::Journal;
use tritone_reports::sweep::run::evaluate_points;
use tritone_reports::sweep::{ModelEvaluator, SweepSpec};

/// 5 × 5 × 2 × 4 × 5 = 1000 points of `model`, arrays of `dims` rows and columns.
fn thousand_points(model: &str, dims: &str) -> SweepSpec {
    let mut spec = SweepSpec::default();
    for (p, v) in [
        ("rows", dims),
        ("cols", dims),
        // Room for the largest double-buffered INT8 tile (1024 × 1024 × 8 bits × 2).
        ("weight_kib", "4096"),
        ("pe", "ternary,mac-int8"),
        ("dram_gbps", "16..128:x2"),
        ("clock_mhz", "200..1000:+200"),
        ("model", model),
        ("prefill", "512"),
        ("decode", "128"),
    ] {
        spec.set(p, v).expect("valid spec");
    }
    spec
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let journal = Journal::start(
        &dir.path().join("bench-journal.csv"),
        &[],
        &Default::default(),
    )
    .expect("journal");
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    // Small arrays make many folds per GEMM (the simulator's cost grows with
    // their runs); large arrays show the rate when folds are few.
    for (model, name, dims) in [
        ("bitnet-b1.58-3b", "3b", "8..128:x2"),
        ("bitnet-b1.58-3b", "3b", "64..1024:x2"),
        ("bitnet-b1.58-70b", "70b", "8..128:x2"),
    ] {
        let spec = thousand_points(model, dims);
        let n = spec.len().expect("small sweep");
        assert_eq!(n, 1000);
        let indices: Vec<u64> = (0..n).collect();
        // Every point must really be simulated: an invalid point would be free.
        let probe = ModelEvaluator::new(Node::Nm7);
        let rows = evaluate_points(&spec, &probe, &indices, false, None).expect("evaluates");
        assert!(rows.iter().all(|r| r.outcome.status() == "ok"));
        group.throughput(Throughput::Elements(n));
        let id = format!(
            "{name}_prefill512_decode128_1000_points_arrays_{}",
            dims.replace("..", "_to_").replace(":x2", "")
        );
        group.bench_function(id, |b| {
            b.iter(|| {
                let evaluator = ModelEvaluator::new(Node::Nm7);
                evaluate_points(&spec, &evaluator, &indices, false, Some(&journal))
                    .expect("evaluates")
            })
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
