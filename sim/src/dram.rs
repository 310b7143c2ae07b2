//! DRAM transfer time in whole clock cycles, computed in exact integers.
//!
//! Bandwidth (GB/s) and clock (MHz) are taken to a resolution of 1 MB/s and
//! 1 kHz, so that bytes per cycle = `1000 · mbps / khz` is an exact rational and
//! every transfer time (and every closed-form sum of them) is reproducible.

use crate::config::ArrayConfig;
use crate::error::SimError;
use crate::series::Ratio;

/// Bytes-per-cycle of the DRAM interface as the exact fraction `1000 · mbps / khz`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DramRate {
    mbps: u64,
    khz: u64,
}

impl DramRate {
    /// The rate of `cfg`'s DRAM at `cfg`'s clock.
    pub fn of(cfg: &ArrayConfig) -> Result<DramRate, SimError> {
        let mbps = (cfg.dram().bandwidth_gbps * 1000.0).round();
        let khz = (cfg.clock_mhz() * 1000.0).round();
        if mbps < 1.0 {
            return Err(SimError::Option {
                what: "dram.bandwidth_gbps",
                value: cfg.dram().bandwidth_gbps.to_string(),
                why: "below the simulator's 0.001 GB/s resolution".into(),
            });
        }
        Ok(DramRate {
            mbps: mbps as u64,
            khz: khz.max(1.0) as u64,
        })
    }

    /// Bytes moved per cycle, as (numerator, denominator).
    pub fn bytes_per_cycle(&self) -> (u64, u64) {
        (1000 * self.mbps, self.khz)
    }

    /// Cycles to move `a·x + b` bits, as the rational `(a·x + b)·khz / (8000·mbps)`
    /// (round up with [`Ratio::ceil_at`]).
    pub fn bits_ratio(&self, a: u128, b: u128) -> Ratio {
        let k = self.khz as u128;
        Ratio {
            a: a * k,
            b: b * k,
            d: 8000 * self.mbps as u128,
        }
    }

    /// Whole cycles to move `bytes`: ⌈bytes · khz / (1000 · mbps)⌉.
    pub fn cycles(&self, bytes: u64) -> u64 {
        ((bytes as u128 * self.khz as u128).div_ceil(1000 * self.mbps as u128)) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ArraySpec, Dram};
    use tritone_energy::DramKind;

    #[test]
    fn default_rate_is_64_bytes_per_cycle() {
        // 64 GB/s at 1000 MHz = 64 bytes per cycle.
        let r = DramRate::of(&ArrayConfig::default()).unwrap();
        assert_eq!(r.cycles(256), 4);
        assert_eq!(r.cycles(257), 5);
        assert_eq!(r.cycles(0), 0);
    }

    #[test]
    fn fractional_rates_round_up() {
        let cfg = ArrayConfig::new(ArraySpec {
            clock_mhz: Some(300.0),
            dram: Some(Dram {
                kind: DramKind::Ddr4,
                bandwidth_gbps: 12.8,
            }),
            ..Default::default()
        })
        .unwrap();
        // 12.8e9 / 300e6 = 42.67 bytes per cycle.
        let r = DramRate::of(&cfg).unwrap();
        assert_eq!(r.cycles(128), 3);
        assert_eq!(r.cycles(129), 4);
    }
}
