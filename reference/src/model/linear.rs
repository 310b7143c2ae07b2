//! The linear layers of a model: ternary BitLinear (INT8 activations, an
//! integer product, then the layer class's dequantization) or full precision,
//! and the [`LinearBackend`] trait that computes BitLinear's integer product,
//! so a hardware model can stand in for the reference.

use std::sync::OnceLock;

use rayon::prelude::*;

use crate::bitlinear::WeightScale;
use crate::matmul::{ternary_matmul_prepared, PreparedTernary};
use crate::quant::{quantize_rows_absmax, Int8Range};
use crate::trit::Trit;

/// Computes BitLinear's integer product: `acc[M, N] = x[M, K] · w[N, K]ᵀ`
/// for INT8 activations and ternary weights. The reference is exact; a
/// hardware model may wrap, saturate or reorder as its design does.
pub trait LinearBackend: Sync {
    /// The accumulators, row-major `[m, n]`, of `x` `[m, k]` and `w` `[n, k]`.
    fn ternary_matmul(&self, x: &[i8], w: &TernaryLinear, m: usize, k: usize, n: usize)
        -> Vec<i32>;
}

/// The bit-exact reference product ([`crate::matmul::ternary_matmul`]), with
/// each layer's select masks built once.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReferenceBackend;

impl LinearBackend for ReferenceBackend {
    fn ternary_matmul(
        &self,
        x: &[i8],
        w: &TernaryLinear,
        m: usize,
        k: usize,
        n: usize,
    ) -> Vec<i32> {
        let prepared = w
            .prepared
            .get_or_init(|| PreparedTernary::new(&w.trits, n, k));
        ternary_matmul_prepared(x, prepared, m)
    }
}

/// A ternary BitLinear layer: `[n, k]` trits and their scale.
#[derive(Clone, Debug, PartialEq)]
pub struct TernaryLinear {
    /// Row-major `[n, k]` trits.
    pub trits: Vec<Trit>,
    /// The scale in its layer class's convention.
    pub scale: WeightScale,
    /// The reference kernel's form of the trits, built on first use.
    prepared: OnceLock<PreparedTernary>,
}

impl TernaryLinear {
    /// A layer of row-major `[n, k]` trits.
    pub fn new(trits: Vec<Trit>, scale: WeightScale) -> TernaryLinear {
        TernaryLinear {
            trits,
            scale,
            prepared: OnceLock::new(),
        }
    }
}

/// One linear layer `y = x · Wᵀ` (no bias: BitNet and LLaMA have none).
#[derive(Clone, Debug, PartialEq)]
pub enum Linear {
    /// BitLinear: per-token absmax INT8 activations, ternary weights.
    Ternary(TernaryLinear),
    /// Full precision: row-major `[n, k]` f32 weights.
    Dense(Vec<f32>),
}

/// A linear layer with its dimensions.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearLayer {
    /// The checkpoint name of its weight (for messages).
    pub name: String,
    /// Output features.
    pub n: usize,
    /// Input features.
    pub k: usize,
    /// The weights.
    pub linear: Linear,
}

impl LinearLayer {
    /// `y[m, n]` for `x[m, k]`; BitLinear's integer product runs on `backend`.
    pub fn forward(&self, x: &[f32], backend: &dyn LinearBackend) -> Vec<f32> {
        let m = x.len() / self.k;
        match &self.linear {
            Linear::Ternary(t) => {
                let q = quantize_rows_absmax(x, self.k, Int8Range::Full);
                let acc = backend.ternary_matmul(&q.q, t, m, self.k, self.n);
                t.scale.dequantize(&acc, &q.scales, self.n)
            }
            Linear::Dense(w) => dense_matmul(x, w, m, self.k, self.n),
        }
    }
}

/// `y[m][n] = Σ_k x[m][k] · w[n][k]` in f32, parallel over output features.
/// Each dot product sums in 8 interleaved lanes (so it vectorizes), then
/// adds the lanes pairwise: a fixed order, independent of the thread count.
pub fn dense_matmul(x: &[f32], w: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
    assert_eq!(x.len(), m * k, "x must be [M, K]");
    assert_eq!(w.len(), n * k, "w must be [N, K]");
    // Transposed result [n][m] so every task writes one contiguous row.
    let mut yt = vec![0.0f32; n * m];
    yt.par_chunks_mut(m.max(1))
        .zip(w.par_chunks(k.max(1)))
        .for_each(|(out, wr)| {
            for (o, xr) in out.iter_mut().zip(x.chunks_exact(k.max(1))) {
                *o = dot(xr, wr);
            }
        });
    let mut y = vec![0.0f32; m * n];
    for (j, col) in yt.chunks_exact(m.max(1)).enumerate() {
        for (i, &v) in col.iter().enumerate() {
            y[i * n + j] = v;
        }
    }
    y
}

/// f32 dot product in 8 interleaved lanes.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    const L: usize = 8;
    let mut lanes = [0.0f32; L];
    let body = a.len() / L * L;
    for (ac, bc) in a[..body].chunks_exact(L).zip(b[..body].chunks_exact(L)) {
        for l in 0..L {
            lanes[l] += ac[l] * bc[l];
        }
    }
    let mut tail = 0.0f32;
    for (x, y) in a[body..].iter().zip(&b[body..]) {
        tail += x * y;
    }
    let [a0, a1, a2, a3, a4, a5, a6, a7] = lanes;
    ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7)) + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_matmul_hand_computed() {
        // x = [[1, 2], [3, 4]], w = [[1, 0], [0, 1], [1, 1]] → [[1, 2, 3], [3, 4, 7]].
        let y = dense_matmul(
            &[1.0, 2.0, 3.0, 4.0],
            &[1.0, 0.0, 0.0, 1.0, 1.0, 1.0],
            2,
            2,
            3,
        );
        assert_eq!(y, vec![1.0, 2.0, 3.0, 3.0, 4.0, 7.0]);
    }

    #[test]
    fn ternary_layer_is_bitlinear() {
        // One token [2, −1, 0.5, 0]: s = 63.5 → [127, −64, 32, 0]; trits [+1, −1, 0, +1]
        // → acc = 191; BitLinear class: 191 / (2 · 63.5).
        let layer = LinearLayer {
            name: "t".into(),
            n: 1,
            k: 4,
            linear: Linear::Ternary(TernaryLinear::new(
                vec![Trit::Pos, Trit::Neg, Trit::Zero, Trit::Pos],
                WeightScale::BitLinear(2.0),
            )),
        };
        let y = layer.forward(&[2.0, -1.0, 0.5, 0.0], &ReferenceBackend);
        assert_eq!(y, vec![191.0 / (2.0 * 63.5)]);
    }
}
