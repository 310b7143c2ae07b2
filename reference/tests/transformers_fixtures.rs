//! The reference against transformers' own outputs, committed as fixtures by
//! `scripts/fixtures/make_fixtures.py` (transformers' `integrations/bitnet.py`
//! and models, float32, CPU). No Python runs here.
//!
//! - BitLinear: zero mismatches in every integer output (trits, INT8 codes,
//!   accumulators) and every scale (s, transformers' `scale` = 1/γ), and
//!   `BitLinear`'s output bit for bit. `AutoBitLinear` sums floats in
//!   PyTorch's order, so its output is compared within [`AUTO_REL_TOL`].
//! - Checkpoints: logits within [`LOGIT_TOL`] of transformers' at every
//!   position (prompt and 32 greedy steps), and identical greedy ids.

use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, SafeTensors};
use tritone_reference::model::{compare::compare_logits, AttentionOptions, ReferenceBackend};
use tritone_reference::{bitlinear_with_gamma, Matrix, Model, Variant};

/// Largest |Δlogit| accepted against transformers (float32).
const LOGIT_TOL: f32 = 1e-4;
/// Largest difference of AutoBitLinear's output (float sums in another
/// order), relative to the case's largest |output|.
const AUTO_REL_TOL: f32 = 1e-5;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

struct Tensors(Vec<u8>);

impl Tensors {
    fn open(path: &Path) -> Tensors {
        Tensors(std::fs::read(path).unwrap())
    }
    fn st(&self) -> SafeTensors<'_> {
        SafeTensors::deserialize(&self.0).unwrap()
    }
    fn shape(&self, name: &str) -> Vec<usize> {
        self.st().tensor(name).unwrap().shape().to_vec()
    }
    fn f32(&self, name: &str) -> Vec<f32> {
        let st = self.st();
        let t = st.tensor(name).unwrap();
        assert_eq!(t.dtype(), Dtype::F32, "{name}");
        t.data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect()
    }
    fn i8(&self, name: &str) -> Vec<i8> {
        self.st()
            .tensor(name)
            .unwrap()
            .data()
            .iter()
            .map(|&b| b as i8)
            .collect()
    }
    fn i32(&self, name: &str) -> Vec<i32> {
        let st = self.st();
        st.tensor(name)
            .unwrap()
            .data()
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes(c.try_into().unwrap()))
            .collect()
    }
    fn i64(&self, name: &str) -> Vec<i64> {
        let st = self.st();
        st.tensor(name)
            .unwrap()
            .data()
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
            .collect()
    }
    fn cases(&self) -> Vec<String> {
        let (_, meta) = SafeTensors::read_metadata(&self.0).unwrap();
        let fixture = &meta.metadata().as_ref().unwrap()["fixture"];
        let v: serde_json::Value = serde_json::from_str(fixture).unwrap();
        v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect()
    }
}

fn mismatches<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).filter(|(x, y)| x != y).count()
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn bitlinear_matches_transformers_bit_for_bit() {
    let t = Tensors::open(&fixtures().join("bitlinear/cases.safetensors"));
    let cases = t.cases();
    assert!(cases.len() >= 7, "{cases:?}");
    let mut recomputed_trit_flips = 0;
    let mut rows_where_one_division_differs = 0;
    for case in &cases {
        let f = |k: &str| format!("{case}.{k}");
        let (ws, xs) = (t.shape(&f("weight")), t.shape(&f("input")));
        let w = Matrix::new("weight", ws[0], ws[1], t.f32(&f("weight"))).unwrap();
        let x = Matrix::new("input", xs[0], xs[1], t.f32(&f("input"))).unwrap();
        let gamma = t.f32(&f("gamma"))[0];
        let out = bitlinear_with_gamma(&w, &x, Variant::B158, Some(gamma)).unwrap();
        let trits: Vec<i8> = out.weights.iter().map(|t| t.to_i8()).collect();
        assert_eq!(
            mismatches(&trits, &t.i8(&f("weight_ternary"))),
            0,
            "{case}: trits"
        );
        assert_eq!(
            mismatches(&out.activations.q, &t.i8(&f("input_int8"))),
            0,
            "{case}: INT8 codes"
        );
        assert_eq!(
            mismatches(
                &bits(&out.activations.scales),
                &bits(&t.f32(&f("input_scale")))
            ),
            0,
            "{case}: activation scales"
        );
        assert_eq!(
            mismatches(&out.acc, &t.i32(&f("acc"))),
            0,
            "{case}: accumulators"
        );
        assert_eq!(
            out.bitlinear_weight_scale.unwrap().to_bits(),
            t.f32(&f("bitlinear_weight_scale"))[0].to_bits(),
            "{case}: weight scale"
        );
        assert_eq!(
            mismatches(
                &bits(out.output_bitlinear.as_ref().unwrap()),
                &bits(&t.f32(&f("output_bitlinear")))
            ),
            0,
            "{case}: BitLinear output"
        );
        let auto = t.f32(&f("output_autobitlinear"));
        let largest = auto.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let worst = out
            .output
            .iter()
            .zip(&auto)
            .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        println!("{case}: AutoBitLinear max |Δ| {worst:e} (largest |output| {largest:e})");
        assert!(
            worst <= AUTO_REL_TOL * largest,
            "{case}: AutoBitLinear max |Δ| {worst}"
        );
        // Rows where a single f32 division 127 / absmax is not PyTorch's value.
        for (r, &s) in out.activations.scales.iter().enumerate() {
            let absmax = x
                .row(r)
                .iter()
                .fold(0.0f32, |m, v| m.max(v.abs()))
                .max(1e-5);
            rows_where_one_division_differs += usize::from(127.0 / absmax != s);
        }
        // The documented fallback: γ recomputed in f64 may sit 1 ulp from torch's.
        let fallback = bitlinear_with_gamma(&w, &x, Variant::B158, None).unwrap();
        recomputed_trit_flips += mismatches(&fallback.weights, &out.weights);
    }
    println!(
        "recomputed-γ fallback: {recomputed_trit_flips} trit(s) differ over {} cases",
        cases.len()
    );
    println!(
        "rows where 127 / absmax differs from PyTorch's scale: {rows_where_one_division_differs}"
    );
    // The fixtures exercise the difference the reference reproduces.
    assert!(rows_where_one_division_differs > 0);
}

fn check_checkpoint(name: &str) {
    let dir = fixtures().join("checkpoints").join(name);
    let expected = Tensors::open(&dir.join("expected.safetensors"));
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let prompt: Vec<u32> = meta["prompt"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u32)
        .collect();
    let greedy: Vec<u32> = meta["greedy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u32)
        .collect();
    assert!(greedy.len() >= 32);
    let ids: Vec<u32> = expected.i64("ids").iter().map(|&v| v as u32).collect();
    assert_eq!(ids, [prompt.clone(), greedy.clone()].concat());

    let model = Model::from_dir(&dir).unwrap();
    let vocab = model.config.shape.vocab as usize;
    let g = model
        .generate(
            &ReferenceBackend,
            AttentionOptions::default(),
            &prompt,
            greedy.len(),
            &mut |_, _| {},
        )
        .unwrap();
    assert_eq!(g.generated(), &greedy[..], "{name}: greedy ids");
    let d = compare_logits(&expected.f32("logits"), &g.logits, vocab);
    println!(
        "{name}: {} positions, max |Δlogit| {:e}, mean KL {:e}, top-1 agreement {}/{}",
        d.positions, d.max_abs_logit, d.mean_kl, d.top1_agree, d.positions
    );
    assert_eq!(d.positions, prompt.len() + greedy.len());
    assert!(
        d.max_abs_logit <= LOGIT_TOL,
        "{name}: max |Δlogit| {}",
        d.max_abs_logit
    );
}

#[test]
fn bitnet_packed_bitlinear_checkpoint_matches_transformers() {
    check_checkpoint("bitnet-packed");
}

#[test]
fn bitnet_packed_autobitlinear_checkpoint_matches_transformers() {
    check_checkpoint("bitnet-autobitlinear");
}

#[test]
fn bitnet_master_weight_checkpoint_matches_transformers() {
    check_checkpoint("bitnet-master");
}

#[test]
fn llama_sharded_bf16_checkpoint_matches_transformers() {
    check_checkpoint("llama");
}
