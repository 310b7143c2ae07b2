//! Speed of the reference hot path: the add-only ternary product and the whole
//! BitLinear forward on a 4096×4096 layer (BitNet 7B's q/k/v/o shape).
//!
//! `cargo bench -p tritone-reference`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use tritone_reference::{bitlinear, ternary_matmul, Matrix, Trit, Variant};

/// A deterministic LCG so the bench needs no RNG crate.
fn lcg(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *seed >> 33
}

fn bench(c: &mut Criterion) {
    let (k, n) = (4096usize, 4096usize);
    let mut seed = 7u64;
    let w: Vec<Trit> = (0..n * k)
        .map(|_| Trit::ALL[(lcg(&mut seed) % 3) as usize])
        .collect();
    let mut g = c.benchmark_group("ternary_matmul_4096x4096");
    g.sample_size(10);
    for m in [1usize, 64, 512] {
        let x: Vec<i8> = (0..m * k).map(|_| lcg(&mut seed) as i8).collect();
        g.throughput(Throughput::Elements((m * n * k) as u64));
        g.bench_with_input(BenchmarkId::from_parameter(m), &x, |b, x| {
            b.iter(|| ternary_matmul(x, &w, m, k, n))
        });
    }
    g.finish();

    let to_f32 = |v: u64| (v % 2001) as f32 / 1000.0 - 1.0;
    let wf = Matrix::new(
        "weight",
        n,
        k,
        (0..n * k).map(|_| to_f32(lcg(&mut seed)) * 0.02).collect(),
    )
    .unwrap();
    let xf = Matrix::new(
        "input",
        512,
        k,
        (0..512 * k).map(|_| to_f32(lcg(&mut seed))).collect(),
    )
    .unwrap();
    let mut g = c.benchmark_group("bitlinear_4096x4096_m512");
    g.sample_size(10);
    g.bench_function("b1.58", |b| {
        b.iter(|| bitlinear(&wf, &xf, Variant::B158).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
