//! Fuzz-style properties of the simulator's user-file parsers: the
//! architecture TOML and the SCALE-Sim topology CSV. For every input: no
//! panic, a bounded time, an error on one line that names the file, the
//! line or the field; what is accepted lies inside the documented limits.

use proptest::prelude::*;
use tritone_sim::gemm::MAX_GEMM_DIM;
use tritone_sim::topology::{parse_scalesim_csv, read_layers, MAX_TOPOLOGY_LAYERS};
use tritone_sim::ArrayConfig;

#[path = "../../reference/tests/common/fuzz.rs"]
mod fuzz;
use fuzz::{fuzz, one_line};

// ---------------------------------------------------------- architecture TOML

/// A TOML value for a field: plausible, extreme, negative, of the wrong kind.
fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u32..300).prop_map(|n| n.to_string()),
        prop_oneof![
            Just("0"),
            Just("4294967296"),
            Just("-8"),
            Just("9223372036854775807"),
            Just("99999999999999999999"),
            Just("1e-300"),
            Just("1e300"),
            Just("nan"),
            Just("inf"),
            Just("-0.0"),
            Just("250.0"),
            Just("true"),
            Just("\"ternary\""),
            Just("\"mac-int8\""),
            Just("\"mac-fp16\""),
            Just("\"five-trits-per-byte\""),
            Just("\"int8\""),
            Just("\"ddr4\""),
            Just("\"\""),
            Just("[]"),
            Just("{}"),
        ]
        .prop_map(String::from),
    ]
}

const TOP: [&str; 12] = [
    "rows",
    "cols",
    "acc_bits",
    "pe",
    "double_buffer",
    "weight_rows_per_cycle",
    "clock_mhz",
    "attention",
    "kv_bits",
    "weight_packing",
    "stream_bytes",
    "unknown_field",
];

/// A `[name]` table with fuzzed values for `keys`, or nothing.
fn table(name: &'static str, keys: Vec<&'static str>) -> impl Strategy<Value = String> {
    prop::option::of(prop::collection::vec(
        (prop::sample::select(keys), toml_value()),
        0..5,
    ))
    .prop_map(move |fields| match fields {
        None => String::new(),
        Some(f) => format!(
            "[{name}]\n{}",
            f.iter()
                .map(|(k, v)| format!("{k} = {v}\n"))
                .collect::<String>()
        ),
    })
}

/// An architecture file: top-level fields, then optional `[buffers]`,
/// `[dram]`, `[vector]` tables with fuzzed values, or raw text.
fn arch_toml() -> impl Strategy<Value = String> {
    let top = prop::collection::vec((prop::sample::select(TOP.to_vec()), toml_value()), 0..8);
    prop_oneof![
        9 => (
            top,
            table("buffers", vec!["weight_kib", "act_kib", "out_kib", "width_bits"]),
            table("dram", vec!["kind", "bandwidth_gbps"]),
            table("vector", vec!["lanes", "precision"]),
        )
            .prop_map(|(top, b, d, v)| {
                let mut text: String = top.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
                text.push_str(&b);
                text.push_str(&d);
                text.push_str(&v);
                text
            }),
        1 => "\\PC{0,60}",
    ]
}

#[test]
fn architecture_files_never_panic_and_errors_name_the_file_or_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("arch.toml");
    let shown = path.display().to_string();
    let accepted = std::cell::Cell::new(0u32);
    fuzz("architecture TOML", 3000, arch_toml(), |text| {
        std::fs::write(&path, &text).unwrap();
        match ArrayConfig::from_toml_file(&path) {
            Ok(c) => {
                accepted.set(accepted.get() + 1);
                prop_assert!(c.rows() >= 1 && c.cols() >= 1);
                prop_assert!(tritone_sim::config::CLOCK_MHZ_RANGE.contains(&c.clock_mhz()));
                prop_assert!(
                    tritone_sim::config::DRAM_GBPS_RANGE.contains(&c.dram().bandwidth_gbps)
                );
            }
            Err(e) => {
                // TOML's own messages span lines (a caret under the
                // column); the command line joins them, so check the first.
                let msg = e.to_string();
                one_line(msg.lines().next().unwrap_or(""))?;
                prop_assert!(
                    msg.contains(&shown) || msg.starts_with("invalid architecture: "),
                    "names neither the file nor a field: {msg}"
                );
            }
        }
        Ok(())
    });
    assert!(
        accepted.get() > 50,
        "only {} files accepted",
        accepted.get()
    );
}

// ---------------------------------------------------------------- topology CSV

fn csv_field() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u64..5000).prop_map(|n| n.to_string()),
        prop_oneof![
            Just("0"),
            Just("1048576"),
            Just("1048577"),
            Just("18446744073709551615"),
            Just("99999999999999999999999"),
            Just("-3"),
            Just("2.5"),
            Just("2:4"),
            Just(""),
            Just(" 7 "),
            Just("x"),
        ]
        .prop_map(String::from),
        "\\PC{0,6}",
    ]
}

/// Topology text: a header (or not), rows of 0 to 6 fuzzed fields with or
/// without the trailing comma, blank lines and CRLF endings.
fn topology_text() -> impl Strategy<Value = String> {
    let header = prop_oneof![
        6 => Just("Layer, M, N, K,".to_string()),
        1 => Just("1, 2, 3, 4,".to_string()),
        1 => Just(String::new()),
        1 => "\\PC{0,10}",
    ];
    let fuzzed =
        (prop::collection::vec(csv_field(), 0..7), any::<bool>()).prop_map(|(f, comma)| {
            let mut line = f.join(", ");
            if comma {
                line.push(',');
            }
            line
        });
    let valid = (
        "[a-z_]{1,8}",
        1u64..=MAX_GEMM_DIM,
        1u64..=MAX_GEMM_DIM,
        1u64..=MAX_GEMM_DIM,
    )
        .prop_map(|(name, m, n, k)| format!("{name}, {m}, {n}, {k},"));
    let row = prop_oneof![4 => valid, 1 => fuzzed];
    (header, prop::collection::vec(row, 0..6), any::<bool>()).prop_map(|(h, rows, crlf)| {
        let end = if crlf { "\r\n" } else { "\n" };
        let mut text = h + end;
        for r in rows {
            text.push_str(&r);
            text.push_str(end);
        }
        text
    })
}

#[test]
fn topology_files_never_panic_and_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("layers.csv");
    let shown = path.display().to_string();
    let accepted = std::cell::Cell::new(0u32);
    fuzz("topology CSV", 5000, topology_text(), |text| {
        match parse_scalesim_csv(&text) {
            Ok(layers) => {
                accepted.set(accepted.get() + 1);
                prop_assert!(!layers.is_empty() && layers.len() <= MAX_TOPOLOGY_LAYERS);
                for l in &layers {
                    for d in [l.shape.m, l.shape.k, l.shape.n] {
                        prop_assert!((1..=MAX_GEMM_DIM).contains(&d));
                    }
                    prop_assert!(!l.name.is_empty());
                }
            }
            Err(msg) => {
                one_line(&msg)?;
                prop_assert!(
                    msg.starts_with("line ")
                        || msg.starts_with("empty file")
                        || msg.starts_with("no layers"),
                    "names no line: {msg}"
                );
            }
        }
        std::fs::write(&path, &text).unwrap();
        if let Err(e) = read_layers(&path) {
            let msg = e.to_string();
            one_line(&msg)?;
            prop_assert!(msg.contains(&shown), "does not name the file: {msg}");
        }
        Ok(())
    });
    assert!(
        accepted.get() > 50,
        "only {} files accepted",
        accepted.get()
    );
}

#[test]
fn a_topology_past_the_layer_limit_is_refused_at_its_line() {
    let mut text = String::from("Layer, M, N, K,\n");
    for i in 0..=MAX_TOPOLOGY_LAYERS {
        text.push_str(&format!("l{i}, 1, 1, 1,\n"));
    }
    let e = parse_scalesim_csv(&text).unwrap_err();
    assert!(
        e.starts_with(&format!("line {}", MAX_TOPOLOGY_LAYERS + 2)) && e.contains("limit"),
        "{e}"
    );
}
