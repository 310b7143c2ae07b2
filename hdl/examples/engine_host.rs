//! What a host driver does around the engine, in Rust: quantize a BitLinear
//! layer's operands with the reference, lay them out as the engine's input
//! stream (one buffer for one DMA transfer list, `TLAST` at each transfer's
//! end), and turn the result stream back into the layer's output.
//!
//! `cargo run -p tritone-hdl --example engine_host` writes `engine-input.bin`
//! (the beats, back to back) and prints the transfer list and the layer's
//! output; a board run would DMA the file to `s_axis`, program M, K, N and
//! START over AXI4-Lite, and collect `m_axis_y` into the result buffer that
//! `decode_outputs` reads.

use tritone_hdl::engine::EngineDesign;
use tritone_reference::{bitlinear, Matrix, Variant};
use tritone_sim::engine::stream::{decode_outputs, input_beats, output_beats, Operands};
use tritone_sim::functional::WeightMatrix;
use tritone_sim::gemm::GemmShape;
use tritone_sim::{ArrayConfig, ArraySpec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cfg = ArrayConfig::new(ArraySpec {
        rows: Some(16),
        cols: Some(16),
        ..Default::default()
    })?;
    let design = EngineDesign::new(&cfg)?;
    // A layer: W [N = 40, K = 50] and 3 tokens of X [M = 3, K = 50].
    let (m, k, n) = (3usize, 50usize, 40usize);
    let w = Matrix::new(
        "weight",
        n,
        k,
        (0..n * k)
            .map(|i| ((i * 37 % 11) as f32 - 5.0) / 7.0)
            .collect(),
    )?;
    let x = Matrix::new(
        "input",
        m,
        k,
        (0..m * k)
            .map(|i| ((i * 13 % 17) as f32 - 8.0) / 3.0)
            .collect(),
    )?;
    // The reference quantizes both (γ, per-token s) and computes the sums.
    let layer = bitlinear(&w, &x, Variant::B158)?;
    let shape = GemmShape {
        m: m as u64,
        k: k as u64,
        n: n as u64,
    };
    let ops = Operands {
        x: &layer.activations.q,
        w: WeightMatrix::Ternary(&layer.weights),
    };
    let beats = input_beats(&cfg, &shape, &ops)?;
    let mut bytes = Vec::new();
    let mut transfers = Vec::new();
    let mut first = 0usize;
    for (i, b) in beats.iter().enumerate() {
        bytes.extend_from_slice(&b.data);
        if b.last {
            transfers.push((first * b.data.len(), (i + 1 - first) * b.data.len()));
            first = i + 1;
        }
    }
    std::fs::write("engine-input.bin", &bytes)?;
    println!(
        "{}: {} input beats of {} bytes in {} transfers (offset, bytes): {:?}",
        design.top_name(),
        beats.len(),
        design.geometry().stream_bytes,
        transfers.len(),
        transfers
    );
    // The engine's result stream for these operands (here: the reference's
    // sums laid out as the engine sends them), decoded back to Y [M, N].
    let out = output_beats(&cfg, &shape, &layer.acc)?;
    let acc = decode_outputs(&cfg, &shape, &out)?;
    assert_eq!(acc, layer.acc);
    // Dequantize on the host: y = acc / s · γ.
    let y = tritone_reference::dequantize(&acc, &layer.activations.scales, n, layer.weight_scale);
    println!(
        "y[0][0..4] = {:?} (reference {:?})",
        &y[..4],
        &layer.output[..4]
    );
    Ok(())
}
