//! Engine resources: `cargo run --release -p tritone-hdl --example engine_synth -- flat|hier|verilog R C [ternary|mac] [small] [five]`.
//!
//! The buffers are those of `examples/arch/fpga-32x32.toml` (128 KiB of
//! weights, 64 KiB of activations, 64 KiB of outputs; the stream derived from
//! the default DRAM, 32 bytes at 8×8 and 64 from 16×16 on), a size
//! FPGA parts hold at every array size; `small` takes the synthesis test's
//! (4 KiB each; the stream derived from the default DRAM: 32 bytes at 8×8,
//! 64 from 16×16 on). `five` stores weights five trits per byte
//! (the engine then decodes them, `examples/arch/fpga-32x32.toml`'s
//! packing); otherwise two bits each. `verilog` prints the engine's Verilog.
use tritone_hdl::engine::synth::{synth_flat, synth_hierarchical};
use tritone_hdl::engine::EngineDesign;
use tritone_sim::config::{Buffers, WeightPacking};
use tritone_sim::{ArrayConfig, ArraySpec, PeKind};

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let (mode, r, c) = (a[0].as_str(), a[1].parse().unwrap(), a[2].parse().unwrap());
    let has = |word: &str| a[3..].iter().any(|w| w == word);
    let pe = if has("mac") {
        PeKind::MacInt8
    } else {
        PeKind::Ternary
    };
    let buffers = if has("small") {
        Buffers {
            weight_kib: 4,
            act_kib: 4,
            out_kib: 4,
            width_bits: 64,
        }
    } else {
        Buffers {
            weight_kib: 128,
            act_kib: 64,
            out_kib: 64,
            width_bits: 128,
        }
    };
    let cfg = ArrayConfig::new(ArraySpec {
        rows: Some(r),
        cols: Some(c),
        pe: Some(pe),
        buffers: Some(buffers),
        weight_packing: Some(if has("five") {
            WeightPacking::FiveTritsPerByte
        } else {
            WeightPacking::TwoBit
        }),
        ..Default::default()
    })
    .unwrap();
    let d = EngineDesign::new(&cfg).unwrap();
    if mode == "verilog" {
        print!("{}", tritone_hdl::engine::verilog(&d));
        return;
    }
    let t = std::time::Instant::now();
    let s = if mode == "flat" {
        synth_flat(&d)
    } else {
        synth_hierarchical(&d)
    }
    .unwrap();
    println!(
        "{mode} {r}x{c} {}{}: LUT {} FF {} SRL {} BRAM {} DSP {} PE LUT levels {} LUT levels {} ({:.1} s)",
        pe.name(),
        if has("five") { " five-trit" } else { "" },
        s.stats.luts,
        s.stats.ffs,
        s.stats.srls,
        s.stats.brams,
        s.stats.dsps,
        s.pe_lut_levels,
        s.lut_levels,
        t.elapsed().as_secs_f64()
    );
    println!("cells: {:?}", s.stats.cells);
}
