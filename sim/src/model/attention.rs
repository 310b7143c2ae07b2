//! The attention array: QKᵀ and AV on a second systolic array of
//! multiply-accumulate PEs (`AttentionUnit::Array`), timed per attended
//! context.
//!
//! The array is weight-stationary like the main one, with the KV cache's
//! operand stationary — Kᵀ tiles (head dimension on the rows, keys on the
//! columns) for QKᵀ, V tiles (keys on the rows, head dimension on the
//! columns) for AV — and the queries (score rows) of the query heads that
//! share a KV head streamed through it. Per sequence and KV head:
//!
//! - a tile streams the query rows that attend to its keys: in a causal
//!   prefill of `P` tokens, key block `j` of `s` keys is attended by the
//!   `P − j·s` queries at or after it (times the group of query heads); in a
//!   decode step, every tile streams the step's `group` query rows;
//! - a tile takes `max(R, rows streamed)` cycles: its `R` rows are loaded one
//!   per cycle into the second bank while the previous tile streams
//!   (double-buffered), and each streamed row takes one cycle;
//! - the product adds one fill and drain of the wavefront, `R + C − 1`.
//!
//! Its operands arrive from DRAM as the vector unit's did (the KV cache
//! traffic is the same); an operator takes `max(compute, DRAM)` cycles like a
//! vector operator. This is a throughput-level model of a unit with no RTL:
//! no bank conflicts, no output-buffer limits, scores leave to the vector
//! unit's softmax as they are produced.

use super::graph::{AttnProduct, AttnWork, Phase};

/// The attention array's compute cycles for one run of `w` at context `x`
/// (ignored by a prefill) on an `rows × cols` array.
pub fn compute_cycles(w: &AttnWork, rows: u64, cols: u64, x: u64) -> u128 {
    let (r, c) = (rows as u128, cols as u128);
    let hd = w.head_dim as u128;
    // Key block per tile (keys on the columns for QKᵀ, on the rows for AV)
    // and tiles across the head dimension.
    let (key_block, dim_tiles) = match w.product {
        AttnProduct::Scores => (c, hd.div_ceil(r)),
        AttnProduct::Values => (r, hd.div_ceil(c)),
    };
    let group = w.group as u128;
    let per_head = match w.phase {
        Phase::Prefill => {
            // Key block j is attended by the queries at positions ≥ j·block.
            let p = w.prompt as u128;
            let blocks = p.div_ceil(key_block);
            (0..blocks)
                .map(|j| r.max(group * (p - j * key_block)))
                .sum::<u128>()
                * dim_tiles
        }
        Phase::Decode => (x as u128).div_ceil(key_block) * dim_tiles * r.max(group),
    };
    let fill = r + c - 1;
    (w.sequences * w.kv_heads) as u128 * (per_head + fill)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::graph::{Arith, Lin};

    fn work(product: AttnProduct, phase: Phase, group: u64, prompt: u64) -> AttnWork {
        AttnWork {
            product,
            sequences: 2,
            kv_heads: 3,
            group,
            head_dim: 128,
            phase,
            prompt,
            arith: Arith::Vector,
            dram_read_bits: Lin::default(),
        }
    }

    #[test]
    fn decode_step_by_hand() {
        // 64×64 array, head_dim 128: QKᵀ has 2 row tiles per key block of 64.
        // x = 100 keys → 2 key blocks, 4 tiles, each max(64, 8 queries) = 64.
        let w = work(AttnProduct::Scores, Phase::Decode, 8, 0);
        assert_eq!(compute_cycles(&w, 64, 64, 100), 6 * (4 * 64 + 127));
        // AV: keys on the rows (2 blocks of 64), 2 column tiles over 128.
        let v = work(AttnProduct::Values, Phase::Decode, 8, 0);
        assert_eq!(compute_cycles(&v, 64, 64, 100), 6 * (4 * 64 + 127));
        // A group larger than the rows streams longer than it loads.
        let g = work(AttnProduct::Scores, Phase::Decode, 100, 0);
        assert_eq!(compute_cycles(&g, 64, 64, 64), 6 * (2 * 100 + 127));
    }

    #[test]
    fn causal_prefill_by_hand_and_close_to_the_mac_bound() {
        // P = 128, block 64: block 0 streams 8·128 rows, block 1 8·64.
        let w = work(AttnProduct::Scores, Phase::Prefill, 8, 128);
        assert_eq!(
            compute_cycles(&w, 64, 64, 0),
            6 * (2 * (8 * 128 + 8 * 64) + 127)
        );
        // At P = 2048 the array runs near its MAC rate: MACs / (R·C) is a
        // lower bound within a few per cent.
        let big = work(AttnProduct::Values, Phase::Prefill, 8, 2048);
        let macs = big.scores().fixed as u128 * 128;
        let cycles = compute_cycles(&big, 64, 64, 0);
        assert!(cycles * 64 * 64 >= macs);
        assert!((cycles * 64 * 64) as f64 / (macs as f64) < 1.05, "{cycles}");
    }
}
