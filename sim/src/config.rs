//! The architecture description: one validated [`ArrayConfig`] that the
//! simulator, the energy model and the RTL generator all read.
//!
//! [`ArraySpec`] is the raw, serde-friendly form (every field optional, TOML
//! loadable); [`ArrayConfig::new`] validates it once, and an `ArrayConfig`
//! cannot exist in an invalid state afterwards.

use crate::dram::DramRate;
use crate::error::SimError;
use serde::{Deserialize, Serialize};
use std::path::Path;
use tritone_energy::{DramKind, FpFormat};

/// Largest array dimension the simulator accepts.
pub const MAX_DIM: u32 = 4096;

/// The clocks an architecture may have, MHz: 1 MHz to 10 GHz. Below, no
/// logic runs (and the simulator's kHz resolution would round the clock
/// away); above, no silicon switches. A clock outside is a typo (`1e-300`).
pub const CLOCK_MHZ_RANGE: std::ops::RangeInclusive<f64> = 1.0..=10_000.0;

/// The DRAM bandwidths an architecture may have, GB/s: the simulator's
/// resolution of 0.001 GB/s to 100,000 GB/s (100 TB/s, past any memory
/// system built). The bound keeps bytes per cycle (`1000 · MB/s / kHz`) far
/// inside 64 bits; `1e300` would wrap it.
pub const DRAM_GBPS_RANGE: std::ops::RangeInclusive<f64> = 0.001..=100_000.0;

/// Default array rows and columns: 128×128, large enough that batch-1 decode
/// of a large model meets the DRAM wall (as real accelerators do) rather than
/// the array's own weight-load rate.
pub const DEFAULT_DIM: u32 = 128;

pub use crate::pe::PeKind;

/// Precision of attention (QKᵀ, softmax, AV) on the vector unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttentionPrecision {
    /// FP16 multiply-adds.
    Fp16,
    /// INT8 multiply, wide integer accumulate.
    Int8,
}

/// How ternary weights are stored in DRAM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WeightPacking {
    /// 2 bits per weight (the array's own code).
    TwoBit,
    /// Five trits per byte: 1.6 bits per weight.
    FiveTritsPerByte,
}

impl WeightPacking {
    /// The name used in TOML and shown to users (`two-bit`, `five-trits-per-byte`).
    pub const fn name(self) -> &'static str {
        match self {
            WeightPacking::TwoBit => "two-bit",
            WeightPacking::FiveTritsPerByte => "five-trits-per-byte",
        }
    }

    /// Ternary weights per DRAM byte (3^5 = 243 ≤ 256: five trits fit a byte).
    pub const fn weights_per_byte(self) -> u64 {
        match self {
            WeightPacking::TwoBit => 4,
            WeightPacking::FiveTritsPerByte => 5,
        }
    }

    /// Average DRAM bits per ternary weight.
    pub fn bits_per_weight(self) -> f64 {
        8.0 / self.weights_per_byte() as f64
    }
}

/// On-chip SRAM buffers.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Buffers {
    /// Weight buffer capacity in KiB.
    pub weight_kib: u32,
    /// Activation buffer capacity in KiB.
    pub act_kib: u32,
    /// Output / accumulator buffer capacity in KiB.
    pub out_kib: u32,
    /// Width of one SRAM access in bits.
    pub width_bits: u32,
}

/// Off-chip memory.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dram {
    /// Technology (selects the energy per bit).
    pub kind: DramKind,
    /// Sustained bandwidth in GB/s (10^9 bytes per second).
    pub bandwidth_gbps: f64,
}

/// The vector unit that runs everything that is not a BitLinear.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct VectorUnit {
    /// Parallel lanes (one element operation each per cycle).
    pub lanes: u32,
    /// Arithmetic precision.
    pub precision: FpFormat,
}

/// Raw architecture description: every field optional, defaults filled in by
/// [`ArrayConfig::new`]. This is the TOML schema.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArraySpec {
    /// Array rows R (the reduction dimension K maps onto rows). Default 128.
    pub rows: Option<u32>,
    /// Array columns C (output features N map onto columns). Default 128.
    pub cols: Option<u32>,
    /// Accumulator width; default: the smallest that cannot overflow.
    pub acc_bits: Option<u32>,
    /// PE kind. Default ternary.
    pub pe: Option<PeKind>,
    /// Double-buffered weights (two weight banks per PE). Default true.
    pub double_buffer: Option<bool>,
    /// Weight banks per PE: 1, 2, 4 or 8 (tiles loaded while earlier ones
    /// stream). Default 2, or 1 with `double_buffer = false`; more banks let
    /// one-token folds reload the array faster than a bank drains (R + C edges).
    pub weight_banks: Option<u32>,
    /// Weight rows loaded per cycle (per weight beat). Default 1.
    pub weight_rows_per_cycle: Option<u32>,
    /// Clock in MHz. Default 1000.
    pub clock_mhz: Option<f64>,
    /// On-chip buffers.
    pub buffers: Option<Buffers>,
    /// DRAM.
    pub dram: Option<Dram>,
    /// Vector unit.
    pub vector: Option<VectorUnit>,
    /// Attention precision. Default fp16.
    pub attention: Option<AttentionPrecision>,
    /// KV-cache bits per element: 16, 8 or 4. Default 16.
    pub kv_bits: Option<u32>,
    /// DRAM packing of ternary weights. Default two-bit.
    pub weight_packing: Option<WeightPacking>,
    /// Bytes per beat of the engine's AXI4-Stream interfaces (a power of two,
    /// 1 to 1024). Default: the smallest power of two of at least the DRAM's
    /// bytes per cycle (at least 4), so the stream never limits the DRAM.
    pub stream_bytes: Option<u32>,
}

impl ArraySpec {
    /// Parses a TOML architecture file into the raw spec (not yet validated),
    /// so that command-line options can override single fields before
    /// [`ArrayConfig::new`] validates the whole.
    pub fn from_toml_file(path: &Path) -> Result<ArraySpec, ConfigError> {
        let file_err = |why: String| ConfigError::File {
            path: path.display().to_string(),
            why,
        };
        let text = std::fs::read_to_string(path).map_err(|e| file_err(e.to_string()))?;
        toml::from_str(&text).map_err(|e| file_err(e.to_string()))
    }
}

/// Why an architecture description was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    /// A field is out of its range.
    #[error("invalid architecture: {field} = {value}: {why}")]
    Invalid {
        /// The offending field.
        field: &'static str,
        /// Its value, as text.
        value: String,
        /// What is wrong.
        why: String,
    },
    /// The TOML could not be read or parsed.
    #[error("cannot read architecture file {path}: {why}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        why: String,
    },
}

fn invalid(field: &'static str, value: impl ToString, why: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field,
        value: value.to_string(),
        why: why.into(),
    }
}

/// A validated architecture. Construct with [`ArrayConfig::new`] (or
/// [`ArrayConfig::from_toml_file`]); fields are read through accessors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ArraySpec", into = "ArraySpec")]
pub struct ArrayConfig {
    rows: u32,
    cols: u32,
    acc_bits: u32,
    pe: PeKind,
    weight_banks: u32,
    weight_rows_per_cycle: u32,
    clock_mhz: f64,
    buffers: Buffers,
    dram: Dram,
    vector: VectorUnit,
    attention: AttentionPrecision,
    kv_bits: u32,
    weight_packing: WeightPacking,
    stream_bytes: Option<u32>,
}

impl Default for ArrayConfig {
    fn default() -> Self {
        ArrayConfig::new(ArraySpec::default()).expect("defaults are valid")
    }
}

impl TryFrom<ArraySpec> for ArrayConfig {
    type Error = ConfigError;
    fn try_from(spec: ArraySpec) -> Result<Self, ConfigError> {
        ArrayConfig::new(spec)
    }
}

impl From<ArrayConfig> for ArraySpec {
    fn from(c: ArrayConfig) -> ArraySpec {
        c.spec()
    }
}

impl ArrayConfig {
    /// Validates `spec`, filling in defaults.
    pub fn new(spec: ArraySpec) -> Result<ArrayConfig, ConfigError> {
        let rows = spec.rows.unwrap_or(DEFAULT_DIM);
        let cols = spec.cols.unwrap_or(DEFAULT_DIM);
        for (field, v) in [("rows", rows), ("cols", cols)] {
            if v == 0 || v > MAX_DIM {
                return Err(invalid(
                    field,
                    v,
                    format!("must be between 1 and {MAX_DIM}"),
                ));
            }
        }
        let pe = spec.pe.unwrap_or(PeKind::Ternary);
        let min_acc = pe.min_acc_bits(rows);
        let acc_bits = spec.acc_bits.unwrap_or(min_acc);
        if acc_bits < min_acc {
            return Err(invalid(
                "acc_bits",
                acc_bits,
                format!(
                    "a {}-row {} array can overflow below {min_acc} bits",
                    rows,
                    pe.name()
                ),
            ));
        }
        if acc_bits > 64 {
            return Err(invalid("acc_bits", acc_bits, "at most 64"));
        }
        if let Some((fixed, why)) = pe.fixed_acc_bits() {
            if acc_bits != fixed {
                return Err(invalid("acc_bits", acc_bits, why));
            }
        }
        let weight_rows_per_cycle = spec.weight_rows_per_cycle.unwrap_or(1);
        if weight_rows_per_cycle == 0 || weight_rows_per_cycle > rows {
            return Err(invalid(
                "weight_rows_per_cycle",
                weight_rows_per_cycle,
                format!("must be between 1 and rows ({rows})"),
            ));
        }
        let clock_mhz = spec.clock_mhz.unwrap_or(1000.0);
        if !(CLOCK_MHZ_RANGE.contains(&clock_mhz)) {
            return Err(invalid(
                "clock_mhz",
                format!("{clock_mhz:?}"),
                format!(
                    "must be a clock from {} to {} MHz",
                    CLOCK_MHZ_RANGE.start(),
                    CLOCK_MHZ_RANGE.end()
                ),
            ));
        }
        let buffers = spec.buffers.unwrap_or(Buffers {
            weight_kib: 256,
            act_kib: 256,
            out_kib: 256,
            width_bits: 256,
        });
        if buffers.width_bits == 0 || !buffers.width_bits.is_power_of_two() {
            return Err(invalid(
                "buffers.width_bits",
                buffers.width_bits,
                "must be a power of two",
            ));
        }
        let dram = spec.dram.unwrap_or(Dram {
            kind: DramKind::Lpddr4,
            bandwidth_gbps: 64.0,
        });
        if !(DRAM_GBPS_RANGE.contains(&dram.bandwidth_gbps)) {
            return Err(invalid(
                "dram.bandwidth_gbps",
                format!("{:?}", dram.bandwidth_gbps),
                format!(
                    "must be a bandwidth from {} to {} GB/s",
                    DRAM_GBPS_RANGE.start(),
                    DRAM_GBPS_RANGE.end()
                ),
            ));
        }
        let vector = spec.vector.unwrap_or(VectorUnit {
            lanes: 64,
            precision: FpFormat::Fp16,
        });
        if vector.lanes == 0 || vector.lanes > 65536 {
            return Err(invalid(
                "vector.lanes",
                vector.lanes,
                "must be between 1 and 65536",
            ));
        }
        let kv_bits = spec.kv_bits.unwrap_or(16);
        if ![16, 8, 4].contains(&kv_bits) {
            return Err(invalid("kv_bits", kv_bits, "must be 16, 8 or 4"));
        }
        if let Some(b) = spec.stream_bytes {
            if !b.is_power_of_two() || b as u64 > crate::engine::MAX_STREAM_BYTES {
                return Err(invalid(
                    "stream_bytes",
                    b,
                    format!(
                        "must be a power of two from 1 to {}",
                        crate::engine::MAX_STREAM_BYTES
                    ),
                ));
            }
        }
        let weight_banks = match (spec.weight_banks, spec.double_buffer) {
            (Some(b), _) if ![1, 2, 4, 8].contains(&b) => {
                return Err(invalid("weight_banks", b, "must be 1, 2, 4 or 8"));
            }
            (Some(b), Some(db)) if db != (b > 1) => {
                return Err(invalid(
                    "weight_banks",
                    b,
                    format!(
                        "contradicts double_buffer = {db} (double buffering is 2 or more banks)"
                    ),
                ));
            }
            (Some(b), _) => b,
            (None, db) => {
                if db.unwrap_or(true) {
                    2
                } else {
                    1
                }
            }
        };
        let cfg = ArrayConfig {
            rows,
            cols,
            acc_bits,
            pe,
            weight_banks,
            weight_rows_per_cycle,
            clock_mhz,
            buffers,
            dram,
            vector,
            attention: spec.attention.unwrap_or(AttentionPrecision::Fp16),
            kv_bits,
            weight_packing: spec.weight_packing.unwrap_or(WeightPacking::TwoBit),
            stream_bytes: spec.stream_bytes,
        };
        // Every buffer must hold what the engine needs for any GEMM.
        if let Err(crate::SimError::Buffer { buffer, why }) = crate::engine::Geometry::of(&cfg) {
            let (field, kib) = match buffer {
                "weight" => ("buffers.weight_kib", buffers.weight_kib),
                "activation" => ("buffers.act_kib", buffers.act_kib),
                _ => ("buffers.out_kib", buffers.out_kib),
            };
            return Err(invalid(field, kib, why));
        }
        Ok(cfg)
    }

    /// Reads and validates a TOML architecture file.
    pub fn from_toml_file(path: &Path) -> Result<ArrayConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
            path: path.display().to_string(),
            why: e.to_string(),
        })?;
        Self::from_toml_str(&text).map_err(|e| match e {
            ConfigError::File { why, .. } => ConfigError::File {
                path: path.display().to_string(),
                why,
            },
            other => other,
        })
    }

    /// Parses and validates TOML text.
    pub fn from_toml_str(text: &str) -> Result<ArrayConfig, ConfigError> {
        let spec: ArraySpec = toml::from_str(text).map_err(|e| ConfigError::File {
            path: "<toml>".into(),
            why: e.to_string(),
        })?;
        ArrayConfig::new(spec)
    }

    /// The fully specified form (every field set): round-trips through `new`.
    pub fn spec(&self) -> ArraySpec {
        ArraySpec {
            rows: Some(self.rows),
            cols: Some(self.cols),
            acc_bits: Some(self.acc_bits),
            pe: Some(self.pe),
            double_buffer: Some(self.weight_banks > 1),
            weight_banks: Some(self.weight_banks),
            weight_rows_per_cycle: Some(self.weight_rows_per_cycle),
            clock_mhz: Some(self.clock_mhz),
            buffers: Some(self.buffers),
            dram: Some(self.dram),
            vector: Some(self.vector),
            attention: Some(self.attention),
            kv_bits: Some(self.kv_bits),
            weight_packing: Some(self.weight_packing),
            stream_bytes: self.stream_bytes,
        }
    }

    /// Array rows R.
    pub fn rows(&self) -> u32 {
        self.rows
    }
    /// Array columns C.
    pub fn cols(&self) -> u32 {
        self.cols
    }
    /// Accumulator width A in bits.
    pub fn acc_bits(&self) -> u32 {
        self.acc_bits
    }
    /// PE kind.
    pub fn pe(&self) -> PeKind {
        self.pe
    }
    /// Whether weights are double-buffered (two or more banks).
    pub fn double_buffer(&self) -> bool {
        self.weight_banks > 1
    }
    /// Weight banks per PE.
    pub fn weight_banks(&self) -> u32 {
        self.weight_banks
    }
    /// Weight rows written per weight beat (L).
    pub fn weight_rows_per_cycle(&self) -> u32 {
        self.weight_rows_per_cycle
    }
    /// Weight beats per tile load: ⌈R / L⌉.
    pub fn weight_beats(&self) -> u32 {
        self.rows.div_ceil(self.weight_rows_per_cycle)
    }
    /// Clock frequency in MHz.
    pub fn clock_mhz(&self) -> f64 {
        self.clock_mhz
    }
    /// On-chip buffers.
    pub fn buffers(&self) -> Buffers {
        self.buffers
    }
    /// DRAM.
    pub fn dram(&self) -> Dram {
        self.dram
    }
    /// Vector unit.
    pub fn vector(&self) -> VectorUnit {
        self.vector
    }
    /// Attention precision.
    pub fn attention(&self) -> AttentionPrecision {
        self.attention
    }
    /// KV-cache bits per element.
    pub fn kv_bits(&self) -> u32 {
        self.kv_bits
    }
    /// DRAM packing of ternary weights.
    pub fn weight_packing(&self) -> WeightPacking {
        self.weight_packing
    }
    /// The stream width set in the description, if any (see
    /// [`crate::engine::stream_bytes`] for the width in effect).
    pub fn stream_bytes(&self) -> Option<u32> {
        self.stream_bytes
    }

    /// The part of this architecture a GEMM's statistics depend on (see
    /// [`GemmKey`]); fails only when the DRAM rate is below the simulator's
    /// resolution.
    pub fn gemm_key(&self) -> Result<GemmKey, SimError> {
        // Every field is named: one added to ArrayConfig does not compile
        // here until it is placed in the key or said not to matter.
        let ArrayConfig {
            rows,
            cols,
            acc_bits,
            pe,
            weight_banks,
            weight_rows_per_cycle,
            clock_mhz: _,
            buffers,
            dram,
            // Model-level only: the vector unit, attention and the KV cache.
            vector: _,
            attention: _,
            kv_bits: _,
            weight_packing,
            stream_bytes: _,
        } = *self;
        // The clock and the bandwidth reach a GEMM only as bytes per cycle
        // (`DramRate`): equal fractions time every transfer alike.
        let (num, den) = DramRate::of(self)?.bytes_per_cycle();
        let g = gcd(num, den);
        Ok(GemmKey {
            array: ArrayKey {
                rows,
                cols,
                acc_bits,
                pe,
                weight_banks,
                weight_rows_per_cycle,
                buffers: [
                    buffers.weight_kib,
                    buffers.act_kib,
                    buffers.out_kib,
                    buffers.width_bits,
                ],
                dram_kind: dram.kind,
                weight_packing,
                // The width in effect (set, or derived from the DRAM rate).
                stream_bytes: crate::engine::stream_bytes(self),
            },
            bytes_per_cycle: (num / g, den / g),
        })
    }
}

/// The architecture as a GEMM sees it: two configurations with equal keys
/// give equal [`crate::GemmStats`] for every shape and option (the clock and
/// DRAM bandwidth enter only as their bytes-per-cycle fraction, in lowest
/// terms). What a cache of GEMM results is keyed by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GemmKey {
    array: ArrayKey,
    bytes_per_cycle: (u64, u64),
}

impl GemmKey {
    /// The key without the DRAM rate: what a mapping's candidates and its
    /// compute cycles (infinitely fast DRAM) depend on.
    pub fn array(&self) -> &ArrayKey {
        &self.array
    }
}

/// A [`GemmKey`] without the DRAM rate.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ArrayKey {
    rows: u32,
    cols: u32,
    acc_bits: u32,
    pe: PeKind,
    weight_banks: u32,
    weight_rows_per_cycle: u32,
    buffers: [u32; 4],
    dram_kind: DramKind,
    weight_packing: WeightPacking,
    stream_bytes: u64,
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_acc_bits_covers_the_extremes() {
        // 1 row: ±128 needs 9 bits; 128 rows: ±16384 needs 16 bits.
        assert_eq!(PeKind::Ternary.min_acc_bits(1), 9);
        assert_eq!(PeKind::Ternary.min_acc_bits(128), 16);
        assert_eq!(PeKind::Ternary.min_acc_bits(129), 16);
        assert_eq!(PeKind::Ternary.min_acc_bits(256), 17);
        assert_eq!(PeKind::MacInt8.min_acc_bits(1), 16);
        assert_eq!(PeKind::MacInt8.min_acc_bits(2), 17);
    }

    #[test]
    fn refuses_overflowing_accumulator() {
        let e = ArrayConfig::new(ArraySpec {
            rows: Some(8),
            acc_bits: Some(11),
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.to_string().contains("acc_bits"), "{e}");
        assert!(ArrayConfig::new(ArraySpec {
            rows: Some(8),
            acc_bits: Some(12),
            ..Default::default()
        })
        .is_ok());
    }

    #[test]
    fn refuses_impossible_architectures() {
        for spec in [
            ArraySpec {
                rows: Some(0),
                ..Default::default()
            },
            ArraySpec {
                cols: Some(MAX_DIM + 1),
                ..Default::default()
            },
            ArraySpec {
                weight_rows_per_cycle: Some(0),
                ..Default::default()
            },
            ArraySpec {
                clock_mhz: Some(f64::NAN),
                ..Default::default()
            },
            ArraySpec {
                clock_mhz: Some(1e-300),
                ..Default::default()
            },
            ArraySpec {
                clock_mhz: Some(10_001.0),
                ..Default::default()
            },
            ArraySpec {
                dram: Some(Dram {
                    kind: DramKind::Hbm2,
                    bandwidth_gbps: 1e300,
                }),
                ..Default::default()
            },
            ArraySpec {
                dram: Some(Dram {
                    kind: DramKind::Hbm2,
                    bandwidth_gbps: f64::INFINITY,
                }),
                ..Default::default()
            },
            ArraySpec {
                kv_bits: Some(3),
                ..Default::default()
            },
            ArraySpec {
                dram: Some(Dram {
                    kind: DramKind::Hbm2,
                    bandwidth_gbps: 0.0,
                }),
                ..Default::default()
            },
            ArraySpec {
                rows: Some(256),
                cols: Some(256),
                buffers: Some(Buffers {
                    weight_kib: 8,
                    act_kib: 64,
                    out_kib: 64,
                    width_bits: 256,
                }),
                ..Default::default()
            },
            ArraySpec {
                stream_bytes: Some(48),
                ..Default::default()
            },
        ] {
            assert!(ArrayConfig::new(spec.clone()).is_err(), "{spec:?} accepted");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(60))]
        /// What `GemmKey` claims: configurations with equal keys (here: the
        /// clock and the bandwidth scaled together) time every GEMM alike,
        /// and a different bytes-per-cycle fraction is a different key.
        #[test]
        fn equal_gemm_keys_give_equal_gemms(
            r in 1u32..12, c in 1u32..12, db: bool, int8: bool,
            gbps in 1u32..40, mhz in 50u32..400, k in 2u32..5,
            m in 1u64..40, kk in 1u64..300, n in 1u64..60,
        ) {
            use crate::gemm::{simulate_gemm, GemmOptions, GemmShape};
            let make = |gbps: f64, mhz: f64| ArrayConfig::new(ArraySpec {
                rows: Some(r),
                cols: Some(c),
                double_buffer: Some(db),
                pe: Some(if int8 { PeKind::MacInt8 } else { PeKind::Ternary }),
                clock_mhz: Some(mhz),
                buffers: Some(Buffers { weight_kib: 1, act_kib: 1, out_kib: 2, width_bits: 64 }),
                dram: Some(Dram { kind: DramKind::Ddr4, bandwidth_gbps: gbps }),
                ..Default::default()
            });
            let (a, b) = (make(gbps as f64, mhz as f64), make((gbps * k) as f64, (mhz * k) as f64));
            proptest::prop_assume!(a.is_ok());
            let (a, b) = (a.unwrap(), b.unwrap());
            proptest::prop_assert_eq!(a.gemm_key().unwrap(), b.gemm_key().unwrap());
            let shape = GemmShape { m, k: kk, n };
            let opts = GemmOptions::default();
            proptest::prop_assert_eq!(
                simulate_gemm(&a, &shape, &opts).unwrap(),
                simulate_gemm(&b, &shape, &opts).unwrap()
            );
            let faster = make((gbps * k) as f64, mhz as f64).unwrap();
            proptest::prop_assert_ne!(a.gemm_key().unwrap(), faster.gemm_key().unwrap());
        }
    }

    #[test]
    fn toml_round_trip() {
        let c = ArrayConfig::from_toml_str(
            "rows = 16\ncols = 8\npe = \"mac-int8\"\n[dram]\nkind = \"hbm2\"\nbandwidth_gbps = 256.0\n",
        )
        .unwrap();
        assert_eq!(
            (c.rows(), c.cols(), c.pe(), c.acc_bits()),
            (16, 8, PeKind::MacInt8, 20)
        );
        let text = toml::to_string(&c).unwrap();
        assert_eq!(ArrayConfig::from_toml_str(&text).unwrap(), c);
        assert!(ArrayConfig::from_toml_str("rows = 4\nbogus = 1\n")
            .unwrap_err()
            .to_string()
            .contains("bogus"));
    }
}
