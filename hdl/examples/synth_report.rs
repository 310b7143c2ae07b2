//! Verilog size and Yosys `synth_xilinx` resources of ternary and mac-int8
//! arrays side by side.
//!
//! `cargo run --release -p tritone-hdl --example synth_report -- 8 32 128`

use std::time::Instant;
use tritone_hdl::{emit::verilog, synth::synth_xilinx, ArrayDesign};
use tritone_sim::{ArrayConfig, ArraySpec, PeKind};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sizes: Vec<u32> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    println!("| array | PE | A | Verilog bytes | LUTs | FFs | SRLs | DSPs | BRAMs | synth s |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for n in sizes {
        for pe in [PeKind::Ternary, PeKind::MacInt8] {
            let cfg = ArrayConfig::new(ArraySpec {
                rows: Some(n),
                cols: Some(n),
                pe: Some(pe),
                double_buffer: Some(false),
                ..Default::default()
            })?;
            let design = ArrayDesign::new(&cfg)?;
            let bytes = verilog(&design).len();
            let t = Instant::now();
            let s = synth_xilinx(&cfg)?;
            println!(
                "| {n}×{n} | {} | {} | {bytes} | {} | {} | {} | {} | {} | {:.0} |",
                pe.name(),
                design.acc_bits(),
                s.luts,
                s.ffs,
                s.srls,
                s.dsps,
                s.brams,
                t.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}
