//! The RTL view of an [`ArrayConfig`]: the subset the generator can build,
//! validated once, with the derived port widths and names.

use crate::error::HdlError;
use serde::Serialize;
use tritone_sim::array_model::ArrayStructure;
use tritone_sim::pe::FunctionalPe;
use tritone_sim::{ArrayConfig, PeKind};

/// Largest array dimension the generator accepts (the range).
pub const MAX_RTL_DIM: u32 = 256;
/// Widest accumulator the generator builds: results are checked against the
/// reference's `i32` sums.
pub const MAX_RTL_ACC_BITS: u32 = 32;

/// Activation width: BitNet b1.58 runs "with 1.58-bit weights and 8-bit
/// activations" (paper, §2).
pub const ACT_BITS: u32 = 8;

/// A generatable array: rows and columns within 1..=256, an INT PE,
/// an accumulator within 9..=32 bits that cannot overflow.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArrayDesign {
    rows: u32,
    cols: u32,
    acc_bits: u32,
    pe: PeKind,
    banks: u32,
    rows_per_beat: u32,
    #[serde(skip)]
    config: ArrayConfig,
}

impl ArrayDesign {
    /// Checks that `cfg` can be built as RTL.
    pub fn new(cfg: &ArrayConfig) -> Result<ArrayDesign, HdlError> {
        for (what, v) in [("rows", cfg.rows()), ("cols", cfg.cols())] {
            if v > MAX_RTL_DIM {
                return Err(HdlError::Unsupported(format!(
                    "{what} = {v}: the generator builds arrays of 1 to {MAX_RTL_DIM} {what}"
                )));
            }
        }
        let pe = cfg.pe();
        if !crate::pe::buildable(pe) || pe.functional().is_none() {
            let names: Vec<&str> = crate::pe::buildable_kinds()
                .iter()
                .map(|k| k.name())
                .collect();
            return Err(HdlError::Unsupported(format!(
                "pe = {}: the PE exists in the simulator only; the generator builds {}",
                pe.name(),
                names.join(", ")
            )));
        }
        if cfg.acc_bits() > MAX_RTL_ACC_BITS {
            return Err(HdlError::Unsupported(format!(
                "acc_bits = {}: at most {MAX_RTL_ACC_BITS} (results are i32)",
                cfg.acc_bits()
            )));
        }
        Ok(ArrayDesign {
            rows: cfg.rows(),
            cols: cfg.cols(),
            acc_bits: cfg.acc_bits(),
            pe,
            banks: cfg.weight_banks(),
            rows_per_beat: cfg.weight_rows_per_cycle(),
            config: cfg.clone(),
        })
    }

    /// The architecture this design was made from.
    pub fn config(&self) -> &ArrayConfig {
        &self.config
    }
    /// The array top's structure (skew, de-skew, valid pipeline, weight
    /// lanes), shared with the simulator's models.
    pub fn structure(&self) -> ArrayStructure {
        ArrayStructure::of(&self.config)
    }
    /// Rows R (the reduction index k).
    pub fn rows(&self) -> u32 {
        self.rows
    }
    /// Columns C (the output index j).
    pub fn cols(&self) -> u32 {
        self.cols
    }
    /// Accumulator width A.
    pub fn acc_bits(&self) -> u32 {
        self.acc_bits
    }
    /// The PE kind (one the generator has a block for).
    pub fn pe(&self) -> PeKind {
        self.pe
    }
    /// The PE's integer datapath: its weights and the reference it equals
    /// (every buildable kind has one; [`ArrayDesign::new`] checks it).
    pub fn functional(&self) -> &'static dyn FunctionalPe {
        self.pe
            .implementation()
            .functional()
            .expect("ArrayDesign::new admits kinds with a functional model only")
    }
    /// Two or more weight banks (load while streaming).
    pub fn double_buffer(&self) -> bool {
        self.banks > 1
    }
    /// Weight banks per PE.
    pub fn banks(&self) -> u32 {
        self.banks
    }
    /// Bits of the bank index a token carries (at least 1).
    pub fn bank_bits(&self) -> u32 {
        (32 - (self.banks - 1).leading_zeros()).max(1)
    }
    /// Weight rows written per `w_data` beat (L).
    pub fn rows_per_beat(&self) -> u32 {
        self.rows_per_beat
    }
    /// Weight beats per tile: ⌈R / L⌉.
    pub fn weight_beats(&self) -> u32 {
        self.rows.div_ceil(self.rows_per_beat)
    }
    /// Width of `w_data`.
    pub fn w_data_bits(&self) -> u32 {
        self.pe.weight_bits() * self.cols * self.rows_per_beat
    }
    /// Width of `x_data`.
    pub fn x_data_bits(&self) -> u32 {
        ACT_BITS * self.rows
    }
    /// Width of `y_data`.
    pub fn y_data_bits(&self) -> u32 {
        self.acc_bits * self.cols
    }
    /// Name of the top module (and of the files written for it).
    pub fn top_name(&self) -> String {
        let mut name = format!(
            "tritone_array_{}_{}x{}_a{}",
            self.pe.name().replace('-', ""),
            self.rows,
            self.cols,
            self.acc_bits
        );
        if self.rows_per_beat != 1 {
            name.push_str(&format!("_l{}", self.rows_per_beat));
        }
        match self.banks {
            1 => {}
            2 => name.push_str("_db"),
            b => name.push_str(&format!("_b{b}")),
        }
        name
    }
}
