//! The engine's manifest (filled in below).
