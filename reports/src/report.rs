//! The whole-model report (to be completed).

pub mod energy_view;
