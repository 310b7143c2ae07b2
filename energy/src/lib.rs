//! Energy: technology tables (pJ per action, every number traced to its source)
//! and the pricing of action counts that the simulator produces, in the
//! Accelergy style: an energy reference table (ERT) times action counts.

pub mod action;

pub use action::{Action, ActionCounts, DramKind, FpFormat};
