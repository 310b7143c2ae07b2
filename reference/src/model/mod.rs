//! A whole decoder forward pass from a HuggingFace checkpoint: LLaMA (full
//! precision) and BitNet b1.58 (transformers' `BitNetForCausalLM`, or any
//! architecture with a BitNet `quantization_config`).
//!
//! Embedding → per layer: RMSNorm, q/k/v projections, RoPE, causal
//! grouped-query attention over a KV cache, BitNet's `attn_sub_norm`, o_proj,
//! residual; RMSNorm, gate/up, SiLU (SwiGLU) or ReLU² gating, BitNet's
//! `ffn_sub_norm`, down_proj, residual → final RMSNorm → LM head (tied to the
//! embedding or not; always full precision, as transformers keeps it).
//! Everything is f32; BitLinear's integer product runs on a
//! [`LinearBackend`], the reference's by default.

pub mod attention;
pub mod compare;
pub mod linear;
mod load;
pub mod rope;
pub mod synthetic;

use crate::error::{ReferenceError, Result};
use crate::hf_config::ModelConfig;
use crate::zoo::FfnKind;

pub use attention::{AttentionOptions, AttentionPrecision, KvCache, LayerCache};
pub use linear::{LinearBackend, LinearLayer, ReferenceBackend};

/// One decoder layer's weights.
#[derive(Clone, Debug)]
pub struct DecoderLayer {
    /// RMSNorm gain before attention.
    pub input_norm: Vec<f32>,
    /// q, k, v and o projections.
    pub q: LinearLayer,
    /// k projection.
    pub k: LinearLayer,
    /// v projection.
    pub v: LinearLayer,
    /// o projection.
    pub o: LinearLayer,
    /// BitNet's RMSNorm before o_proj.
    pub attn_sub_norm: Option<Vec<f32>>,
    /// RMSNorm gain before the FFN.
    pub post_attention_norm: Vec<f32>,
    /// gate projection.
    pub gate: LinearLayer,
    /// up projection.
    pub up: LinearLayer,
    /// down projection.
    pub down: LinearLayer,
    /// BitNet's RMSNorm before down_proj.
    pub ffn_sub_norm: Option<Vec<f32>>,
}

/// A loaded model.
#[derive(Clone, Debug)]
pub struct Model {
    /// The checkpoint's configuration.
    pub config: ModelConfig,
    /// `[vocab, hidden]` token embedding.
    pub embed: Vec<f32>,
    /// Decoder layers.
    pub layers: Vec<DecoderLayer>,
    /// Final RMSNorm gain.
    pub norm: Vec<f32>,
    /// `[vocab, hidden]` LM head; `None` when tied to the embedding.
    pub lm_head: Option<Vec<f32>>,
}

/// RMSNorm as transformers computes it: `w · (x · rsqrt(mean(x²) + ε))`, f32
/// (the mean of squares is summed in f64 and rounded once).
pub fn rms_norm(x: &[f32], weight: &[f32], eps: f32) -> Vec<f32> {
    let d = weight.len();
    let mut y = Vec::with_capacity(x.len());
    for row in x.chunks_exact(d) {
        let ms = (row.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>() / d as f64) as f32;
        let r = 1.0 / (ms + eps).sqrt();
        y.extend(row.iter().zip(weight).map(|(&v, &w)| w * (v * r)));
    }
    y
}

/// SiLU, `x · sigmoid(x)`, as `x / (1 + exp(−x))`.
fn silu(x: f32) -> f32 {
    x / (1.0 + (-x).exp())
}

/// The result of a greedy run.
#[derive(Clone, Debug, PartialEq)]
pub struct Generation {
    /// The prompt followed by the generated ids.
    pub ids: Vec<u32>,
    /// `[ids.len(), vocab]` logits: row i is the distribution of the token after `ids[i]`.
    pub logits: Vec<f32>,
    /// Prompt length.
    pub prompt_len: usize,
}

impl Generation {
    /// The generated ids.
    pub fn generated(&self) -> &[u32] {
        &self.ids[self.prompt_len..]
    }
}

/// A running inference: the model, the arithmetic, and the KV cache.
pub struct Session<'m> {
    model: &'m Model,
    backend: &'m dyn LinearBackend,
    attention: AttentionOptions,
    inv_freq: Vec<f32>,
    caches: Vec<LayerCache>,
}

impl<'m> Session<'m> {
    /// A session with an empty cache.
    pub fn new(
        model: &'m Model,
        backend: &'m dyn LinearBackend,
        attention: AttentionOptions,
    ) -> Session<'m> {
        let c = &model.config;
        Session {
            model,
            backend,
            attention,
            inv_freq: rope::inv_freq(&c.rope, c.head_dim as usize),
            caches: vec![LayerCache::default(); c.shape.layers as usize],
        }
    }

    /// Positions processed so far.
    pub fn position(&self) -> usize {
        self.caches.first().map_or(0, LayerCache::len)
    }

    /// Feeds `ids` after the cached positions and returns their `[len, vocab]` logits.
    ///
    /// Errors: [`ReferenceError::TokenId`] for an id outside the vocabulary.
    pub fn forward(&mut self, ids: &[u32]) -> Result<Vec<f32>> {
        let c = &self.model.config;
        let (h, vocab) = (c.shape.hidden as usize, c.shape.vocab as usize);
        let start = self.position();
        let mut x = Vec::with_capacity(ids.len() * h);
        for (i, &id) in ids.iter().enumerate() {
            if id as usize >= vocab {
                return Err(ReferenceError::TokenId {
                    id,
                    position: start + i,
                    vocab,
                });
            }
            x.extend_from_slice(&self.model.embed[id as usize * h..(id as usize + 1) * h]);
        }
        for l in 0..self.model.layers.len() {
            x = self.layer(l, x, start);
        }
        let x = rms_norm(&x, &self.model.norm, c.rms_norm_eps);
        let head = self.model.lm_head.as_ref().unwrap_or(&self.model.embed);
        Ok(linear::dense_matmul(&x, head, ids.len(), h, vocab))
    }

    fn layer(&mut self, l: usize, x: Vec<f32>, start: usize) -> Vec<f32> {
        let c = &self.model.config;
        let layer = &self.model.layers[l];
        let backend = self.backend;
        let (h, eps) = (c.shape.hidden as usize, c.rms_norm_eps);
        let (heads, kv_heads, hd) = (
            c.shape.heads as usize,
            c.shape.kv_heads as usize,
            c.head_dim as usize,
        );
        let t = x.len() / h;
        let normed = rms_norm(&x, &layer.input_norm, eps);
        let mut q = layer.q.forward(&normed, backend);
        let mut k = layer.k.forward(&normed, backend);
        let v = layer.v.forward(&normed, backend);
        let cache = &mut self.caches[l];
        let mut attn = Vec::with_capacity(t * heads * hd);
        for i in 0..t {
            let (cos, sin) = rope::cos_sin(&self.inv_freq, start + i);
            for head in q[i * heads * hd..(i + 1) * heads * hd].chunks_exact_mut(hd) {
                rope::rotate(head, &cos, &sin);
            }
            for head in k[i * kv_heads * hd..(i + 1) * kv_heads * hd].chunks_exact_mut(hd) {
                rope::rotate(head, &cos, &sin);
            }
            cache.push(
                &k[i * kv_heads * hd..(i + 1) * kv_heads * hd],
                &v[i * kv_heads * hd..(i + 1) * kv_heads * hd],
                hd,
                &self.attention,
            );
            attn.extend(attention::attend(
                &q[i * heads * hd..(i + 1) * heads * hd],
                cache,
                start + i,
                heads,
                kv_heads,
                hd,
                &self.attention,
            ));
        }
        if let Some(w) = &layer.attn_sub_norm {
            attn = rms_norm(&attn, w, eps);
        }
        let o = layer.o.forward(&attn, backend);
        let x: Vec<f32> = x.iter().zip(&o).map(|(a, b)| a + b).collect();
        let normed = rms_norm(&x, &layer.post_attention_norm, eps);
        let gate = layer.gate.forward(&normed, backend);
        let up = layer.up.forward(&normed, backend);
        let mut act: Vec<f32> = gate
            .iter()
            .zip(&up)
            .map(|(&g, &u)| match c.shape.ffn_kind {
                FfnKind::SwiGlu => silu(g) * u,
                FfnKind::ReluSquaredGated => {
                    let r = g.max(0.0);
                    (r * r) * u
                }
            })
            .collect();
        if let Some(w) = &layer.ffn_sub_norm {
            act = rms_norm(&act, w, eps);
        }
        let down = layer.down.forward(&act, backend);
        x.iter().zip(&down).map(|(a, b)| a + b).collect()
    }
}

impl Model {
    /// Greedy decoding: feeds `prompt`, then `decode` times picks the most
    /// likely token (the lowest id among equal maxima, like `argmax`) and feeds
    /// it. `progress` is called with (positions done, positions in all).
    pub fn generate(
        &self,
        backend: &dyn LinearBackend,
        attention: AttentionOptions,
        prompt: &[u32],
        decode: usize,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Generation> {
        if prompt.is_empty() {
            return Err(ReferenceError::Shape("the prompt has no token ids".into()));
        }
        let vocab = self.config.shape.vocab as usize;
        let total = prompt.len() + decode;
        let mut session = Session::new(self, backend, attention);
        let mut logits = session.forward(prompt)?;
        progress(prompt.len(), total);
        let mut ids = prompt.to_vec();
        for _ in 0..decode {
            let last = &logits[logits.len() - vocab..];
            let next = argmax(last);
            ids.push(next);
            logits.extend(session.forward(&[next])?);
            progress(ids.len(), total);
        }
        Ok(Generation {
            ids,
            logits,
            prompt_len: prompt.len(),
        })
    }

    /// Logits of every position of `ids` in one pass (teacher forcing).
    pub fn score(
        &self,
        backend: &dyn LinearBackend,
        attention: AttentionOptions,
        ids: &[u32],
    ) -> Result<Vec<f32>> {
        Session::new(self, backend, attention).forward(ids)
    }
}

/// The index of the largest value (the first among equal maxima).
pub fn argmax(row: &[f32]) -> u32 {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best as u32
}
