//! Causal grouped-query attention over a KV cache, in f32 as transformers'
//! eager attention computes it (`softmax(q·kᵀ · head_dim^−½) · v`), or with
//! the integer arithmetic a hardware design assumes:
//!
//! - [`KvCache`] bits 8 or 4: every cached key and value vector (one token,
//!   one KV head) is quantized symmetrically with its own absmax scale,
//!   `s = q_max / max(absmax, 1e-5)` (q_max = 127 or 7), codes
//!   `clamp(round(x·s), −q_max−1, q_max)`, and read back as `code / s`.
//! - [`AttentionPrecision::Int8`]: QKᵀ and AV take INT8 operands and sum in
//!   i32. A query vector (one token, one head) is quantized per vector like
//!   BitLinear's activations; keys and values use the cache's codes (quantized
//!   to INT8 per vector when the cache is wider). Scores are `acc / (s_q·s_k)`
//!   times head_dim^−½; softmax stays f32. For AV, with a scale s_j per cached
//!   value, `Σ_j p_j·v_j = Σ_j (p_j / s_j)·code_j`, so the row `u_j = p_j / s_j`
//!   is quantized to INT8 (absmax over the row) and `out = acc / s_u`.
//!
//! These are the simulator's `attention` and `kv_bits` architecture fields
//! (`tritone_sim::config`): the simulator prices the operations and DRAM
//! traffic; this module computes what they do to the values. KV bits 16 and
//! FP16 attention run in f32, like the reference.

use crate::quant::{absmax_scale, Q_B};

/// How the KV cache stores keys and values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KvCache {
    /// Full precision (the reference; the simulator's 16 bits).
    #[default]
    Float,
    /// 8-bit codes per element, one scale per token and KV head.
    Int8,
    /// 4-bit codes per element, one scale per token and KV head.
    Int4,
}

impl KvCache {
    /// The cache for a bit width: 16, 8 or 4; `None` for others.
    pub fn from_bits(bits: u32) -> Option<KvCache> {
        match bits {
            16 => Some(KvCache::Float),
            8 => Some(KvCache::Int8),
            4 => Some(KvCache::Int4),
            _ => None,
        }
    }

    /// The largest positive code (`None` for full precision).
    fn q_max(self) -> Option<f32> {
        match self {
            KvCache::Float => None,
            KvCache::Int8 => Some(127.0),
            KvCache::Int4 => Some(7.0),
        }
    }
}

/// Arithmetic of QKᵀ and AV.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AttentionPrecision {
    /// f32 (the reference; the simulator's FP16).
    #[default]
    Float,
    /// INT8 operands, i32 sums.
    Int8,
}

/// The attention arithmetic of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AttentionOptions {
    /// QKᵀ and AV precision.
    pub precision: AttentionPrecision,
    /// KV-cache storage.
    pub kv_cache: KvCache,
}

/// One cached vector: its values as stored, and, when quantized, its codes and scale.
#[derive(Clone, Debug)]
struct Cached {
    values: Vec<f32>,
    codes: Vec<i8>,
    scale: f32,
}

/// Symmetric absmax codes of one vector with the largest code `q_max`.
fn quantize_vector(x: &[f32], q_max: f32) -> (Vec<i8>, f32) {
    let s = absmax_scale(x, q_max);
    let codes = x
        .iter()
        .map(|&v| (v * s).round_ties_even().clamp(-q_max - 1.0, q_max) as i8)
        .collect();
    (codes, s)
}

impl Cached {
    fn new(x: &[f32], opts: &AttentionOptions) -> Cached {
        match (opts.kv_cache.q_max(), opts.precision) {
            (Some(q_max), _) => {
                let (codes, scale) = quantize_vector(x, q_max);
                let values = codes.iter().map(|&c| c as f32 / scale).collect();
                Cached {
                    values,
                    codes,
                    scale,
                }
            }
            (None, AttentionPrecision::Int8) => {
                let (codes, scale) = quantize_vector(x, Q_B);
                Cached {
                    values: x.to_vec(),
                    codes,
                    scale,
                }
            }
            (None, AttentionPrecision::Float) => Cached {
                values: x.to_vec(),
                codes: Vec::new(),
                scale: 1.0,
            },
        }
    }
}

/// The keys and values of one layer, per position and KV head.
#[derive(Clone, Debug, Default)]
pub struct LayerCache {
    /// `keys[pos][kv_head]`.
    keys: Vec<Vec<Cached>>,
    /// `values[pos][kv_head]`.
    values: Vec<Vec<Cached>>,
}

impl LayerCache {
    /// Cached positions.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether nothing is cached yet.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Appends one position's keys and values (`kv_heads · head_dim` each).
    pub fn push(&mut self, k: &[f32], v: &[f32], head_dim: usize, opts: &AttentionOptions) {
        let split = |x: &[f32]| {
            x.chunks_exact(head_dim)
                .map(|h| Cached::new(h, opts))
                .collect()
        };
        self.keys.push(split(k));
        self.values.push(split(v));
    }
}

/// Attention of one query position over cached positions `0..=pos`:
/// `q` is `heads · head_dim` (already rotated), the result likewise.
pub fn attend(
    q: &[f32],
    cache: &LayerCache,
    pos: usize,
    heads: usize,
    kv_heads: usize,
    head_dim: usize,
    opts: &AttentionOptions,
) -> Vec<f32> {
    let group = heads / kv_heads;
    let scaling = (head_dim as f32).powf(-0.5);
    let mut out = vec![0.0f32; heads * head_dim];
    for h in 0..heads {
        let g = h / group;
        let qh = &q[h * head_dim..(h + 1) * head_dim];
        let keys = cache.keys[..=pos].iter().map(|k| &k[g]);
        let mut scores: Vec<f32> = match opts.precision {
            AttentionPrecision::Float => keys.map(|k| dot_f32(qh, &k.values) * scaling).collect(),
            AttentionPrecision::Int8 => {
                let (qc, sq) = quantize_vector(qh, Q_B);
                keys.map(|k| {
                    let acc: i32 = qc
                        .iter()
                        .zip(&k.codes)
                        .map(|(&a, &b)| a as i32 * b as i32)
                        .sum();
                    acc as f32 / (sq * k.scale) * scaling
                })
                .collect()
            }
        };
        softmax(&mut scores);
        let oh = &mut out[h * head_dim..(h + 1) * head_dim];
        let values = cache.values[..=pos].iter().map(|v| &v[g]);
        match opts.precision {
            AttentionPrecision::Float => {
                for (p, v) in scores.iter().zip(values) {
                    for (o, &x) in oh.iter_mut().zip(&v.values) {
                        *o += p * x;
                    }
                }
            }
            AttentionPrecision::Int8 => {
                let values: Vec<&Cached> = values.collect();
                let u: Vec<f32> = scores
                    .iter()
                    .zip(&values)
                    .map(|(p, v)| p / v.scale)
                    .collect();
                let (uc, su) = quantize_vector(&u, Q_B);
                for (d, o) in oh.iter_mut().enumerate() {
                    let acc: i32 = uc
                        .iter()
                        .zip(&values)
                        .map(|(&a, v)| a as i32 * v.codes[d] as i32)
                        .sum();
                    *o = acc as f32 / su;
                }
            }
        }
    }
    out
}

fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// In-place softmax in f32: `exp(x − max) / Σ exp(x − max)`.
pub fn softmax(x: &mut [f32]) {
    let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0f32;
    for v in x.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in x.iter_mut() {
        *v /= sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache_of(keys: &[[f32; 2]], opts: &AttentionOptions) -> LayerCache {
        let mut c = LayerCache::default();
        for k in keys {
            c.push(k, k, 2, opts);
        }
        c
    }

    #[test]
    fn one_position_returns_its_value() {
        let opts = AttentionOptions::default();
        let c = cache_of(&[[0.5, -2.0]], &opts);
        assert_eq!(attend(&[1.0, 1.0], &c, 0, 1, 1, 2, &opts), vec![0.5, -2.0]);
    }

    #[test]
    fn equal_scores_average_the_values() {
        let opts = AttentionOptions::default();
        // q = 0 gives equal scores: the mean of the values.
        let c = cache_of(&[[1.0, 0.0], [0.0, 1.0]], &opts);
        assert_eq!(attend(&[0.0, 0.0], &c, 1, 1, 1, 2, &opts), vec![0.5, 0.5]);
        // Causal: position 0 sees only itself.
        assert_eq!(attend(&[0.0, 0.0], &c, 0, 1, 1, 2, &opts), vec![1.0, 0.0]);
    }

    #[test]
    fn int4_cache_rounds_to_seven_levels_per_sign() {
        // absmax 1 → s = 7: 0.5·7 = 3.5 ties to 4 → 4/7.
        let opts = AttentionOptions {
            kv_cache: KvCache::Int4,
            ..Default::default()
        };
        let c = cache_of(&[[1.0, 0.5]], &opts);
        assert_eq!(
            attend(&[1.0, 1.0], &c, 0, 1, 1, 2, &opts),
            vec![1.0, 4.0 / 7.0]
        );
    }

    #[test]
    fn int8_attention_is_close_to_float() {
        let f = AttentionOptions::default();
        let i = AttentionOptions {
            precision: AttentionPrecision::Int8,
            kv_cache: KvCache::Int8,
        };
        let keys = [[0.3, -1.2], [2.0, 0.7], [-0.4, 0.1]];
        let (cf, ci) = (cache_of(&keys, &f), cache_of(&keys, &i));
        let q = [0.9, -0.2];
        let (a, b) = (
            attend(&q, &cf, 2, 1, 1, 2, &f),
            attend(&q, &ci, 2, 1, 1, 2, &i),
        );
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 0.02, "{a:?} vs {b:?}");
        }
        assert_ne!(a, b);
    }
}
