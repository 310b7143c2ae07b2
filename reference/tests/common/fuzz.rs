//! A bounded fuzz run shared by the parser fuzz tests: deterministic cases
//! from proptest, each timed, with the count and the total time printed.
//!
//! `TRITONE_FUZZ_CASES=N` runs N cases per parser instead of the default
//! (run longer on demand: `TRITONE_FUZZ_CASES=200000 cargo test --release
//! --test fuzz_parsers -- --nocapture`); `TRITONE_FUZZ_SEED=S` picks another
//! deterministic sequence.

use std::time::{Duration, Instant};

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

/// Longest a single case may take: a parser that needs more is hanging.
pub const CASE_TIME_LIMIT: Duration = Duration::from_secs(2);

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok()?.parse().ok()
}

/// Runs `check` on `cases` values of `strategy` (or `TRITONE_FUZZ_CASES`);
/// a panic, a failed check or a case slower than [`CASE_TIME_LIMIT`] fails
/// the test with the (shrunk) input.
pub fn fuzz<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    check: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let cases = env_u64("TRITONE_FUZZ_CASES").map_or(cases, |n| n as u32);
    let seed = env_u64("TRITONE_FUZZ_SEED").unwrap_or(0x7217_0e11);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let start = Instant::now();
    let slowest = std::cell::Cell::new(Duration::ZERO);
    let result = runner.run(&strategy, |value| {
        let t = Instant::now();
        let r = check(value);
        let took = t.elapsed();
        slowest.set(slowest.get().max(took));
        if took > CASE_TIME_LIMIT {
            return Err(TestCaseError::fail(format!("took {took:?}")));
        }
        r
    });
    eprintln!(
        "fuzz {name}: {cases} cases in {:.2?} (slowest {:.2?})",
        start.elapsed(),
        slowest.get()
    );
    if let Err(e) = result {
        panic!("fuzz {name}: {e}");
    }
}

/// Asserts an error message is one non-empty line.
pub fn one_line(msg: &str) -> Result<(), TestCaseError> {
    if msg.trim().is_empty() || msg.contains('\n') {
        return Err(TestCaseError::fail(format!("not one line: {msg:?}")));
    }
    Ok(())
}
