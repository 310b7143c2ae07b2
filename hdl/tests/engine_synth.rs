//! Hierarchical synthesis of the engine against flat synthesis: the counts a
//! sweep uses (`tritone sweep --synth`) agree with the accurate ones within
//! 5 % (LUT; measured at 8×8: ternary +1.1 %, mac-int8 +1.0 %, ternary
//! with five-trit weights and their decoders +2.2 %; flat synthesis alone
//! moves by up to 4 % with the order of the modules in its file), 5 % (FF)
//! and exactly (block RAM, DSP) at 8×8, for both PE kinds and both weight
//! packings; `docs/engine.md` gives the measured gaps at the other sizes.

use tritone_hdl::engine::synth::{synth_flat, synth_hierarchical};
use tritone_hdl::engine::EngineDesign;
use tritone_sim::config::{Buffers, WeightPacking};
use tritone_sim::{ArrayConfig, ArraySpec, PeKind};

fn design(r: u32, c: u32, pe: PeKind, packing: WeightPacking) -> EngineDesign {
    let cfg = ArrayConfig::new(ArraySpec {
        rows: Some(r),
        cols: Some(c),
        pe: Some(pe),
        // Small buffers keep flat synthesis inside the suite's budget; they
        // still map to block RAM.
        buffers: Some(Buffers {
            weight_kib: 4,
            act_kib: 4,
            out_kib: 4,
            width_bits: 64,
        }),
        weight_packing: Some(packing),
        ..Default::default()
    })
    .unwrap();
    EngineDesign::new(&cfg).unwrap()
}

/// `hier` is within `percent` % of `flat`, either way.
fn within(what: &str, hier: u64, flat: u64, percent: u64) {
    let gap = hier.abs_diff(flat);
    assert!(
        gap * 100 <= flat * percent,
        "{what}: hierarchical {hier} vs flat {flat} ({:.1} %)",
        gap as f64 * 100.0 / flat as f64
    );
}

#[test]
fn hierarchical_counts_match_flat_synthesis() {
    for (pe, packing) in [
        (PeKind::Ternary, WeightPacking::TwoBit),
        (PeKind::MacInt8, WeightPacking::TwoBit),
        // The weight decoders are a part of their own in the count.
        (PeKind::Ternary, WeightPacking::FiveTritsPerByte),
    ] {
        let (r, c) = (8, 8);
        let d = design(r, c, pe, packing);
        // Both syntheses at once: flat is one Yosys process, the
        // hierarchical count runs its parts side by side.
        let (flat, hier) = std::thread::scope(|s| {
            let flat = s.spawn(|| synth_flat(&d).unwrap());
            let hier = synth_hierarchical(&d).unwrap();
            (flat.join().unwrap(), hier)
        });
        let what = format!("{r}x{c} {} {}", pe.name(), packing.name());
        within(&format!("{what} LUT"), hier.stats.luts, flat.stats.luts, 5);
        within(&format!("{what} FF"), hier.stats.ffs, flat.stats.ffs, 5);
        assert_eq!(hier.stats.brams, flat.stats.brams, "{what} BRAM");
        assert_eq!(hier.stats.dsps, flat.stats.dsps, "{what} DSP");
        assert!(flat.stats.brams > 0, "{what}: the buffers are block RAM");
        assert!(hier.pe_lut_levels > 0);
        match pe {
            PeKind::Ternary => assert_eq!(flat.stats.dsps, 0, "{what}: an add-only engine"),
            _ => assert_eq!(flat.stats.dsps, u64::from(r * c), "{what}: a DSP per PE"),
        }
    }
}
