//! Running the `tritone` binary from the CLI tests.
// Each test file uses the part it needs.
#![allow(dead_code)]

use std::process::{Command, Output};

/// Runs `tritone` with `args`.
pub fn tritone(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tritone"))
        .args(args)
        .output()
        .expect("tritone runs")
}

/// The standard output of a run that must have succeeded.
pub fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// The standard error of a run that must have failed.
pub fn failure(o: &Output) -> String {
    assert!(
        !o.status.success(),
        "unexpectedly succeeded: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `tritone`, which must succeed, and returns its standard output.
pub fn ok(args: &[&str]) -> String {
    stdout(&tritone(args))
}

/// Runs `tritone`, which must fail, and returns its standard error.
pub fn fails(args: &[&str]) -> String {
    failure(&tritone(args))
}

/// Runs `tritone`, which must succeed and print JSON.
pub fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(args)).expect("valid JSON")
}
