//! The bytes on the engine's streams: what a host (or a testbench) sends on
//! the input stream for a GEMM's operands, and how the output stream's beats
//! map back to `Y`. The order of transfers is [`Program::transfers`]; this
//! module fills them (`docs/engine.md`, "Stream formats").
//!
//! - A weight tile is the R × C block of W for (N-block, K-block), zero-padded
//!   past K and N, as B weight beats of L rows: in a beat, row `i` column `j`
//!   is the code at bit `w·(C·i + j)` (w = 2 for ternary codes `01` = +1,
//!   `11` = −1, `00` = 0; w = 8 for INT8), bits little-endian in bytes. With
//!   five-trits-per-byte packing the tile is ⌈B/5⌉ groups of C·L bytes: byte
//!   `j` of group `g` holds position `j` of beats 5g … 5g+4 as base-3 digits
//!   (digit `d` = trit + 1 of beat 5g+d, least significant first; a beat
//!   past B counts as trit 0, digit 1).
//! - A token's activations are R bytes per K-block (INT8, zero-padded past K).
//!   A chunk transfer holds its tokens in order, each with all its K-blocks;
//!   a slice transfer holds its chunk's tokens' activations of one K-block.
//! - A result transfer holds its chunk's tokens in order, each as C
//!   little-endian 32-bit sums of the N-block's columns (columns past N are 0).
//! - Every transfer is padded with zero bytes to whole beats; `tlast` marks
//!   its last beat.

use super::program::{GemmShape, OperandHome, Program, Transfer};
use super::{Geometry, OUT_WORD_BYTES, TRITS_PER_BYTE};
use crate::error::SimError;
use crate::functional::WeightMatrix;
use crate::pe::WeightCodes;
use crate::{ArrayConfig, PeKind};

/// One stream beat: `stream_bytes` bytes and the `tlast` flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Beat {
    /// `TDATA`, byte 0 in bits 7..0.
    pub data: Vec<u8>,
    /// `TLAST`: the last beat of a transfer.
    pub last: bool,
}

/// A GEMM's operands as the engine's input stream sees them.
pub struct Operands<'a> {
    /// `X` `[M, K]`, row-major INT8.
    pub x: &'a [i8],
    /// `W` `[N, K]`, row-major (like `nn.Linear`).
    pub w: WeightMatrix<'a>,
}

/// The engine's program of `shape` on `cfg` of geometry `g` (standalone:
/// operands in DRAM), with the fold plan of `cfg`'s dataflow.
pub fn program<'g>(
    cfg: &ArrayConfig,
    g: &'g Geometry,
    shape: &GemmShape,
) -> Result<Program<'g>, SimError> {
    Ok(Program {
        geometry: g,
        shape: *shape,
        mapping: cfg.dataflow().mapping(g, shape, OperandHome::Dram)?,
    })
}

/// Splits transfer payloads into beats, padding each to whole beats.
fn push_transfer(beats: &mut Vec<Beat>, d: usize, payload: &[u8]) {
    let n = payload.len().div_ceil(d).max(1);
    for i in 0..n {
        let mut data = vec![0u8; d];
        let lo = (i * d).min(payload.len());
        let hi = ((i + 1) * d).min(payload.len());
        data[..hi - lo].copy_from_slice(&payload[lo..hi]);
        beats.push(Beat {
            data,
            last: i + 1 == n,
        });
    }
}

/// Sets `bits` bits at bit position `pos` of `buf` (little-endian).
fn put_bits(buf: &mut [u8], pos: usize, bits: usize, value: u64) {
    for b in 0..bits {
        if value >> b & 1 == 1 {
            buf[(pos + b) / 8] |= 1 << ((pos + b) % 8);
        }
    }
}

/// The stored bytes of weight tile (`n_block`, `k_block`).
fn tile_bytes(
    pe: PeKind,
    g: &Geometry,
    shape: &GemmShape,
    w: &WeightMatrix<'_>,
    n_block: u64,
    k_block: u64,
) -> Vec<u8> {
    let (r, c, l) = (g.rows as usize, g.cols as usize, g.rows_per_beat as usize);
    let (k, n) = (shape.k as usize, shape.n as usize);
    // The weight at tile row `row`, column `col` (zero outside W).
    let at = |row: usize, col: usize| -> i8 {
        let (kk, nn) = (k_block as usize * r + row, n_block as usize * c + col);
        if row < r && kk < k && nn < n {
            w.get(nn * k + kk)
        } else {
            0
        }
    };
    let mut out = vec![0u8; g.tile_bytes as usize];
    if g.five_trit_groups() {
        // Five-trit groups: byte j of group q holds position j of beats 5q..5q+4.
        let group = g.weight_word_bytes as usize;
        for q in 0..g.weight_reads as usize {
            for j in 0..group {
                let (i, col) = (j / c, j % c);
                let mut v = 0u32;
                for d in (0..TRITS_PER_BYTE as usize).rev() {
                    let beat = q * TRITS_PER_BYTE as usize + d;
                    let t = if beat < g.beats as usize {
                        at(beat * l + i, col)
                    } else {
                        0
                    };
                    v = v * 3 + (t + 1) as u32;
                }
                out[q * group + j] = v as u8;
            }
        }
    } else {
        let bits = pe.weight_bits() as usize;
        for b in 0..g.beats as usize {
            let base = b * g.weight_beat_bytes as usize;
            for i in 0..l {
                for col in 0..c {
                    let code = pe.weight_code(at(b * l + i, col));
                    put_bits(&mut out[base..], bits * (c * i + col), bits, code);
                }
            }
        }
    }
    out
}

/// A token's activations of K-block `k_block` (R bytes, zero past K).
fn slice(g: &Geometry, shape: &GemmShape, x: &[i8], token: u64, k_block: u64, out: &mut Vec<u8>) {
    let k = shape.k as usize;
    for r in 0..g.rows as usize {
        let kk = k_block as usize * g.rows as usize + r;
        out.push(if kk < k {
            x[token as usize * k + kk] as u8
        } else {
            0
        });
    }
}

/// Every beat of the input stream for `shape` with `ops` on `cfg`'s engine.
pub fn input_beats(
    cfg: &ArrayConfig,
    shape: &GemmShape,
    ops: &Operands<'_>,
) -> Result<Vec<Beat>, SimError> {
    let g = Geometry::of(cfg)?;
    let p = program(cfg, &g, shape)?;
    check_operands(cfg, &g, shape, ops)?;
    let d = g.stream_bytes as usize;
    let mut beats = Vec::new();
    for t in p.transfers() {
        let mut payload = Vec::with_capacity(p.bytes(&t) as usize);
        match t {
            Transfer::XChunk { chunk } => {
                let first = chunk * p.mapping.chunk_tokens;
                for tok in first..first + p.mapping.chunk_len(shape.m, chunk) {
                    for kb in 0..p.mapping.k_blocks {
                        slice(&g, shape, ops.x, tok, kb, &mut payload);
                    }
                }
            }
            Transfer::WTile {
                n_block, k_block, ..
            } => {
                payload = tile_bytes(cfg.pe(), &g, shape, &ops.w, n_block, k_block);
            }
            Transfer::XSlice { chunk, k_block, .. } => {
                let first = chunk * p.mapping.chunk_tokens;
                for tok in first..first + p.mapping.chunk_len(shape.m, chunk) {
                    slice(&g, shape, ops.x, tok, k_block, &mut payload);
                }
            }
        }
        push_transfer(&mut beats, d, &payload);
    }
    Ok(beats)
}

fn check_operands(
    cfg: &ArrayConfig,
    g: &Geometry,
    shape: &GemmShape,
    ops: &Operands<'_>,
) -> Result<(), SimError> {
    let (m, k, n) = (shape.m as usize, shape.k as usize, shape.n as usize);
    if ops.x.len() != m * k || ops.w.len() != n * k {
        return Err(SimError::Functional(format!(
            "operands do not match M={m}, K={k}, N={n}: X has {} values (needs {}), W has {} (needs {})",
            ops.x.len(),
            m * k,
            ops.w.len(),
            n * k
        )));
    }
    let pe = cfg.pe();
    let Some(f) = pe.functional() else {
        return Err(SimError::Functional(format!(
            "a {} engine has no stream format: the PE has no integer weights",
            pe.name()
        )));
    };
    if let Some(i) = (0..ops.w.len()).find(|&i| !f.accepts(ops.w.get(i))) {
        return Err(SimError::Functional(format!(
            "weight {i} is {}: a {} engine takes {} only",
            ops.w.get(i),
            pe.name(),
            f.weights()
        )));
    }
    if g.act_elem_bytes != 1 {
        return Err(SimError::Functional(format!(
            "a {} engine has no stream format for {}-byte activations",
            pe.name(),
            g.act_elem_bytes
        )));
    }
    Ok(())
}

/// The output stream's beats for results `y` `[M, N]` (what the engine must send).
pub fn output_beats(
    cfg: &ArrayConfig,
    shape: &GemmShape,
    y: &[i32],
) -> Result<Vec<Beat>, SimError> {
    let g = Geometry::of(cfg)?;
    let p = program(cfg, &g, shape)?;
    let (m, n) = (shape.m as usize, shape.n as usize);
    if y.len() != m * n {
        return Err(SimError::Functional(format!(
            "Y has {} values, M·N = {}",
            y.len(),
            m * n
        )));
    }
    let mut beats = Vec::new();
    for chunk in 0..p.mapping.chunks {
        let first = (chunk * p.mapping.chunk_tokens) as usize;
        let len = p.mapping.chunk_len(shape.m, chunk) as usize;
        for nb in 0..p.mapping.n_blocks as usize {
            let mut payload = Vec::with_capacity(len * g.out_token_bytes as usize);
            for t in first..first + len {
                for j in 0..g.cols as usize {
                    let col = nb * g.cols as usize + j;
                    let v = if col < n { y[t * n + col] } else { 0 };
                    payload.extend_from_slice(&v.to_le_bytes());
                }
            }
            push_transfer(&mut beats, g.stream_bytes as usize, &payload);
        }
    }
    Ok(beats)
}

/// `Y` `[M, N]` from the output stream's beats (checks their number and `tlast`).
pub fn decode_outputs(
    cfg: &ArrayConfig,
    shape: &GemmShape,
    beats: &[Beat],
) -> Result<Vec<i32>, SimError> {
    let g = Geometry::of(cfg)?;
    let p = program(cfg, &g, shape)?;
    let (m, n) = (shape.m as usize, shape.n as usize);
    let mut y = vec![0i32; m * n];
    let mut at = 0usize;
    for chunk in 0..p.mapping.chunks {
        let first = (chunk * p.mapping.chunk_tokens) as usize;
        let len = p.mapping.chunk_len(shape.m, chunk) as usize;
        let nbeats = g.beats_of(p.out_bytes(chunk)) as usize;
        for nb in 0..p.mapping.n_blocks as usize {
            let part = beats.get(at..at + nbeats).ok_or_else(|| {
                SimError::Functional(format!("output stream ends after {} beats", beats.len()))
            })?;
            if let Some(i) = part
                .iter()
                .position(|b| b.last != std::ptr::eq(b, &part[nbeats - 1]))
            {
                return Err(SimError::Functional(format!(
                    "output beat {} has tlast wrong",
                    at + i
                )));
            }
            let bytes: Vec<u8> = part.iter().flat_map(|b| b.data.iter().copied()).collect();
            for t in 0..len {
                for j in 0..g.cols as usize {
                    let col = nb * g.cols as usize + j;
                    if col < n {
                        let o = (t * g.cols as usize + j) * OUT_WORD_BYTES as usize;
                        y[(first + t) * n + col] =
                            i32::from_le_bytes(bytes[o..o + 4].try_into().expect("4 bytes"));
                    }
                }
            }
            at += nbeats;
        }
    }
    if at != beats.len() {
        return Err(SimError::Functional(format!(
            "output stream has {} beats, expected {at}",
            beats.len()
        )));
    }
    Ok(y)
}
