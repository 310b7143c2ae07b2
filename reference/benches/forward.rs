//! Speed of a whole-model forward pass on a 134 M-parameter random-weight
//! BitNet checkpoint (12 × 768, vocab 32000; packed U8 weights as
//! transformers writes them), generated here at bench time and never
//! committed: greedy decoding of 16 tokens after an 8-token prompt.
//!
//! `cargo bench -p tritone-reference --bench forward`
//! (throughput = positions per second, prompt and decode together; the
//! `decode` group times one decode step after the prompt).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use tritone_reference::model::synthetic::SyntheticModel;
use tritone_reference::model::{AttentionOptions, ReferenceBackend, Session};
use tritone_reference::Model;

const PROMPT: [u32; 8] = [1, 2, 3, 4, 5, 6, 7, 8];
const DECODE: usize = 16;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let spec = SyntheticModel::SMALL_134M;
    spec.write(dir.path()).expect("checkpoint written");
    let model = Model::from_dir(dir.path()).expect("checkpoint loads");
    assert!(model.config.shape.params().total() >= 100_000_000);

    let mut g = c.benchmark_group("bitnet_134m");
    g.sample_size(10);
    g.throughput(Throughput::Elements((PROMPT.len() + DECODE) as u64));
    g.bench_function("generate_8_plus_16", |b| {
        b.iter(|| {
            model
                .generate(
                    &ReferenceBackend,
                    AttentionOptions::default(),
                    &PROMPT,
                    DECODE,
                    &mut |_, _| {},
                )
                .expect("runs")
        })
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("decode", |b| {
        b.iter_batched_ref(
            || {
                let mut s = Session::new(&model, &ReferenceBackend, AttentionOptions::default());
                s.forward(&PROMPT).expect("prompt runs");
                s
            },
            |s| s.forward(&[9]).expect("decode step runs"),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
