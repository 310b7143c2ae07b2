//! Energy: technology tables (pJ per action, every number traced to its source)
//! and the pricing of action counts that the simulator produces, in the
//! Accelergy style: an energy reference table (ERT) times action counts.
//!
//! - [`table`]: the ERT: built-in 45 nm (Horowitz, ISSCC 2014) and 7 nm
//!   (TPUv4i, Jouppi et al., ISCA 2021) tables shipped as TOML, or a user's own.
//! - [`cost`]: the energy of one action, with documented, labelled derivations
//!   for widths and SRAM sizes the table does not list.
//! - [`price`]: counts × table = an [`EnergyBreakdown`] by line and component,
//!   leakage included as its own (estimated) line.
//! - [`paper`]: the BitNet papers' arithmetic-only convention (71.4× at 7 nm).
//!
//! ```
//! use tritone_energy::{paper, Action, ActionCounts, Ert, Node, Occupancy};
//!
//! let ert = Ert::builtin(Node::Nm7);
//! // The paper's headline: (FP16 mul + FP16 add) / INT8 add at 7 nm.
//! assert!((paper::headline_ratio(&ert) - 71.4).abs() < 0.1);
//!
//! // A hardware-faithful price: 1000 adds on an 18-bit accumulator, 1000 skips.
//! let mut counts = ActionCounts::new();
//! counts.add(Action::IntAdd { bits: 18 }, 1000);
//! counts.add(Action::SkippedProduct, 1000);
//! let e = ert.price(&counts, &Occupancy { cycles: 100, pes: 16, sram_kib: 64 })?;
//! assert!(e.total_pj > 1000.0 * 0.007);
//! assert_eq!(e.lines.len(), 2 + 2); // two actions, two leakage lines
//! assert_eq!(e.action_pj(Action::SkippedProduct), 1000.0 * 0.000875);
//! # Ok::<(), tritone_energy::ErtError>(())
//! ```

#![warn(missing_docs)]

pub mod action;
pub mod cost;
pub mod paper;
pub mod price;
pub mod table;

pub use action::{Action, ActionCounts, DramKind, FpFormat};
pub use cost::{action_name, Cost};
pub use price::{Component, EnergyBreakdown, EnergyLine, Item, Leakage, Occupancy};
pub use table::{toml_error, Entry, Ert, ErtError, Node, TableRow};
