//! Phase time under the two operator schedules, and which resource bounds an
//! operator or a phase.
//!
//! **Sequential**: one operator after another; a phase takes the sum of its
//! operators' cycles.
//!
//! **Overlapped**: the phase's operators form a pipeline over `n` tiles of
//! tokens (a tile is one output bank of the engine, the granularity at which
//! the array finishes whole output rows that a consumer can take; across
//! layers too: layer `l + 1` starts on a tile as soon as layer `l` has
//! finished it). Each operator's work splits evenly over the tiles, each
//! unit (array, attention array, vector unit, link) serves its operators'
//! tiles one at a time, and DRAM serves every transfer. With the busy time
//! of resource `r` written `B_r` (for DRAM: the transfer time of every byte
//! at the bandwidth) and `S` the sum of all operators' cycles, a flow of `n`
//! equal tiles through the pipeline takes
//!
//! ```text
//! T = ⌈(S + (n − 1) · max_r B_r) / n⌉
//! ```
//!
//! — one tile's trip through every operator (`S/n`, the fill and drain), then
//! the bottleneck resource's share of the other `n − 1` tiles. `n = 1` gives
//! the sequential schedule; as `n` grows `T` approaches `max_r B_r`. Since an
//! operator's cycles already include its own DRAM waits, `B_DRAM ≤ S` and
//! `max_r B_r ≤ T ≤ S`.

use super::graph::Unit;
use serde::Serialize;
use std::fmt;

/// A resource that can bound an operator or a phase.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Resource {
    /// DRAM bandwidth.
    Dram,
    /// The array's token stream: every token passes every fold once.
    #[default]
    Array,
    /// The array's weight path: loading (and draining) weight tiles, when
    /// the array waits for tiles more than it streams tokens.
    WeightPath,
    /// The attention array.
    AttentionUnit,
    /// The vector unit.
    VectorUnit,
    /// The links between devices.
    Link,
}

impl Resource {
    /// Every resource.
    pub const ALL: [Resource; 6] = [
        Resource::Dram,
        Resource::Array,
        Resource::WeightPath,
        Resource::AttentionUnit,
        Resource::VectorUnit,
        Resource::Link,
    ];

    /// The kebab-case name, as in files.
    pub const fn name(self) -> &'static str {
        match self {
            Resource::Dram => "dram",
            Resource::Array => "array",
            Resource::WeightPath => "weight-path",
            Resource::AttentionUnit => "attention-unit",
            Resource::VectorUnit => "vector-unit",
            Resource::Link => "link",
        }
    }

    /// The resource a unit's own compute is.
    pub const fn of_unit(unit: Unit) -> Resource {
        match unit {
            Unit::Array => Resource::Array,
            Unit::Attention => Resource::AttentionUnit,
            Unit::Vector => Resource::VectorUnit,
            Unit::Link => Resource::Link,
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Resource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Resource::ALL
            .into_iter()
            .find(|r| r.name() == s.trim())
            .ok_or_else(|| format!("unknown resource '{s}'"))
    }
}

/// One operator's share of a phase: its unit, its cycles, the cycles its
/// DRAM bytes take at the bandwidth, and what bounds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Load {
    /// The unit it occupies.
    pub unit: Unit,
    /// Its cycles (DRAM waits included).
    pub cycles: u128,
    /// Its DRAM transfer time.
    pub dram_cycles: u128,
}

/// Busy cycles per resource of a set of loads: each unit's operators'
/// cycles, and DRAM's transfer time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Busy {
    /// Sum of all cycles (`S`).
    pub total: u128,
    /// Per unit, in [`Unit::ALL`] order.
    pub units: [u128; 4],
    /// DRAM transfer time.
    pub dram: u128,
}

impl Busy {
    /// Adds `times` executions of `load`.
    pub fn add(&mut self, load: &Load, times: u128) {
        self.total += load.cycles * times;
        let i = Unit::ALL
            .iter()
            .position(|u| *u == load.unit)
            .expect("every unit is listed");
        self.units[i] += load.cycles * times;
        self.dram += load.dram_cycles * times;
    }

    /// Adds every resource of `other` `times` over.
    pub fn add_busy(&mut self, other: &Busy, times: u128) {
        self.total += other.total * times;
        for (a, b) in self.units.iter_mut().zip(other.units) {
            *a += b * times;
        }
        self.dram += other.dram * times;
    }

    /// The busiest resource's cycles.
    pub fn max(&self) -> u128 {
        self.units.iter().copied().fold(self.dram, u128::max)
    }

    /// The busiest resource: DRAM, or the unit with the most cycles (ties to
    /// DRAM, then in [`Unit::ALL`] order).
    pub fn busiest(&self) -> Option<Unit> {
        let m = self.max();
        if self.dram == m {
            return None;
        }
        Unit::ALL
            .iter()
            .zip(self.units)
            .find(|(_, b)| *b == m)
            .map(|(u, _)| *u)
    }

    /// The overlapped time of these loads split into `tiles` tiles:
    /// `⌈(S + (n − 1)·max_r B_r) / n⌉`.
    pub fn overlapped(&self, tiles: u64) -> u128 {
        let n = tiles.max(1) as u128;
        (self.total + (n - 1) * self.max()).div_ceil(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(unit: Unit, cycles: u128, dram: u128) -> Load {
        Load {
            unit,
            cycles,
            dram_cycles: dram,
        }
    }

    #[test]
    fn overlap_lies_between_the_bottleneck_and_the_sum() {
        let mut b = Busy::default();
        b.add(&load(Unit::Array, 100, 40), 3);
        b.add(&load(Unit::Vector, 50, 0), 2);
        b.add(&load(Unit::Attention, 30, 30), 1);
        assert_eq!((b.total, b.max(), b.dram), (430, 300, 150));
        assert_eq!(b.busiest(), Some(Unit::Array));
        // One tile: the sum; four: (430 + 3·300)/4 = 332.5 → 333.
        assert_eq!(b.overlapped(1), 430);
        assert_eq!(b.overlapped(4), 333);
        assert!(b.overlapped(1_000_000) >= 300 && b.overlapped(1_000_000) <= 301);
        let mut d = Busy::default();
        d.add(&load(Unit::Vector, 10, 10), 1);
        assert_eq!(d.busiest(), None, "ties go to DRAM");
    }

    #[test]
    fn resources_read_back_from_their_names() {
        for r in Resource::ALL {
            assert_eq!(r.name().parse::<Resource>(), Ok(r));
            assert_eq!(r.to_string(), r.name());
        }
        assert!("gpu".parse::<Resource>().is_err());
    }
}
