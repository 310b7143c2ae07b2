//! GEMM results shared between evaluations. A GEMM's statistics are a pure
//! function of the array (as [`GemmKey`] captures it: the clock and DRAM
//! bandwidth only as their bytes-per-cycle fraction), the shape and the
//! options, so design points that share them — a sweep over workloads, DRAM
//! types, or clocks with the same bytes per cycle — simulate each GEMM once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tritone_sim::config::GemmKey;
use tritone_sim::gemm::{simulate_gemm, GemmOptions, GemmShape, OperandHome, ZeroWeights};
use tritone_sim::model::GemmSource;
use tritone_sim::{ArrayConfig, GemmStats, SimError};

/// GEMMs kept before the cache starts over (a few KiB each); results are
/// recomputed identically, so the bound costs time, never correctness.
pub const DEFAULT_CAPACITY: usize = 1 << 16;

/// The options as a hashable value (the zero fraction by its bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct OptionsKey {
    zeros: (bool, u64),
    operands_on_chip: bool,
}

impl OptionsKey {
    fn of(o: &GemmOptions) -> OptionsKey {
        OptionsKey {
            zeros: match o.zero_weights {
                ZeroWeights::Fraction(f) => (false, f.to_bits()),
                ZeroWeights::Count(n) => (true, n),
            },
            operands_on_chip: o.operands == OperandHome::OnChipIfFits,
        }
    }
}

type Key = (GemmKey, GemmShape, OptionsKey);

/// A bounded, thread-safe cache of simulated GEMMs.
#[derive(Debug)]
pub struct GemmCache {
    results: Mutex<HashMap<Key, Arc<GemmStats>>>,
    capacity: usize,
    /// GEMMs simulated so far (the rest were hits).
    simulated: AtomicU64,
}

impl Default for GemmCache {
    fn default() -> Self {
        GemmCache::with_capacity(DEFAULT_CAPACITY)
    }
}

impl GemmCache {
    /// A cache holding at most `capacity` GEMMs (emptied when full).
    pub fn with_capacity(capacity: usize) -> GemmCache {
        GemmCache {
            results: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
            simulated: AtomicU64::new(0),
        }
    }

    /// GEMMs simulated so far: hits cost none.
    pub fn gemms_simulated(&self) -> u64 {
        self.simulated.load(Ordering::Relaxed)
    }

    /// GEMMs held.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Arc<GemmStats>>> {
        // A panic elsewhere cannot leave a half-inserted entry: recover the map.
        self.results.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl GemmSource for GemmCache {
    fn gemm(
        &self,
        cfg: &ArrayConfig,
        shape: &GemmShape,
        opts: &GemmOptions,
    ) -> Result<Arc<GemmStats>, SimError> {
        let key = (cfg.gemm_key()?, *shape, OptionsKey::of(opts));
        if let Some(s) = self.lock().get(&key) {
            return Ok(s.clone());
        }
        // Simulated outside the lock: other threads keep working meanwhile.
        let stats = Arc::new(simulate_gemm(cfg, shape, opts)?);
        self.simulated.fetch_add(1, Ordering::Relaxed);
        let mut held = self.lock();
        if held.len() >= self.capacity {
            held.clear();
        }
        held.insert(key, stats.clone());
        Ok(stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tritone_energy::DramKind;
    use tritone_sim::config::{Buffers, Dram};
    use tritone_sim::gemm::simulate_gemm;
    use tritone_sim::{ArraySpec, PeKind};

    #[test]
    fn hits_equal_fresh_simulations_and_the_bound_holds() {
        let cache = GemmCache::with_capacity(2);
        let opts = GemmOptions::default();
        let cfg = ArrayConfig::default();
        // Twice the clock and twice the bandwidth: the same bytes per cycle.
        let mut spec = cfg.spec();
        spec.clock_mhz = Some(2000.0);
        spec.dram.as_mut().unwrap().bandwidth_gbps *= 2.0;
        let fast = ArrayConfig::new(spec).unwrap();
        let shape = GemmShape {
            m: 3,
            k: 300,
            n: 200,
        };
        let a = cache.gemm(&cfg, &shape, &opts).unwrap();
        let b = cache.gemm(&fast, &shape, &opts).unwrap();
        assert!(Arc::ptr_eq(&a, &b), "equal keys share one result");
        assert_eq!(*a, simulate_gemm(&fast, &shape, &opts).unwrap());
        let other = ArrayConfig::new(ArraySpec {
            rows: Some(16),
            ..Default::default()
        })
        .unwrap();
        cache.gemm(&other, &shape, &opts).unwrap();
        assert_eq!(cache.len(), 2);
        cache
            .gemm(&other, &GemmShape { m: 1, ..shape }, &opts)
            .unwrap();
        assert_eq!(cache.len(), 1, "full: started over");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(150))]
        /// Whatever rates come first, every GEMM the cache gives equals the
        /// simulator's own — on small buffers and DRAM
        /// operands, which make several M-chunks, refetched weights and per-fold activations.
        #[test]
        fn cached_gemms_equal_the_simulators(
            r in 1u32..10, c in 1u32..10, db: bool, int8: bool,
            wk in 1u32..3, ak in 1u32..3, on_chip: bool,
            m in 1u64..50, k in 1u64..600, n in 1u64..60,
            rates in prop::collection::vec((1u32..80, prop::sample::select(vec![100.0, 250.0, 1000.0])), 1..6),
        ) {
            let cache = GemmCache::default();
            let opts = GemmOptions {
                operands: if on_chip { OperandHome::OnChipIfFits } else { OperandHome::Dram },
                ..Default::default()
            };
            let shape = GemmShape { m, k, n };
            for (gbps, mhz) in rates {
                let cfg = ArrayConfig::new(ArraySpec {
                    rows: Some(r),
                    cols: Some(c),
                    double_buffer: Some(db),
                    pe: Some(if int8 { PeKind::MacInt8 } else { PeKind::Ternary }),
                    clock_mhz: Some(mhz),
                    buffers: Some(Buffers { weight_kib: wk, act_kib: ak, out_kib: 2, width_bits: 64 }),
                    dram: Some(Dram { kind: DramKind::Ddr4, bandwidth_gbps: gbps as f64 / 4.0 }),
                    ..Default::default()
                });
                prop_assume!(cfg.is_ok());
                let cfg = cfg.unwrap();
                let want = simulate_gemm(&cfg, &shape, &opts);
                prop_assume!(want.is_ok());
                prop_assert_eq!(&*cache.gemm(&cfg, &shape, &opts).unwrap(), &want.unwrap());
            }
        }
    }
}
