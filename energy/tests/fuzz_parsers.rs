//! Fuzz-style properties of the energy table parser (`--table`): built-in
//! tables with entries replaced by extreme, negative or ill-typed values,
//! lines dropped or duplicated, units changed, and raw text. For every
//! input: no panic, a bounded time, an error on one line that names the
//! table; every accepted entry lies in the documented range.

use proptest::prelude::*;
use tritone_energy::table::{MAX_ENTRY_PJ, TABLE_45NM, TABLE_7NM};
use tritone_energy::Ert;

#[path = "../../reference/tests/common/fuzz.rs"]
mod fuzz;
use fuzz::{fuzz, one_line};

/// A value for an entry: plausible, extreme, negative, of the wrong kind.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        (0.0f64..200.0).prop_map(|v| format!("{v:?}")),
        prop_oneof![
            Just("0"),
            Just("0.0"),
            Just("-0.0"),
            Just("-1.5"),
            Just("1e308"),
            Just("1e6"),
            Just("1000000.1"),
            Just("1e-320"),
            Just("nan"),
            Just("inf"),
            Just("-inf"),
            Just("99999999999999999999"),
            Just("\"7\""),
            Just("true"),
            Just("[]"),
        ]
        .prop_map(String::from),
    ]
}

/// An edit of one line of a table.
#[derive(Clone, Debug)]
enum Edit {
    Value(String),
    Unit(String),
    Key(String),
    Drop,
    Twice,
    Raw(String),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        6 => value().prop_map(Edit::Value),
        1 => prop_oneof![Just("pJ/op"), Just("pJ/bit"), Just("nJ"), Just("")]
            .prop_map(|u| Edit::Unit(u.into())),
        1 => prop_oneof![
            Just("0"), Just("65"), Just("4294967296"), Just("-8"), Just("LPDDR"), Just("x y")
        ]
        .prop_map(|k| Edit::Key(k.into())),
        1 => Just(Edit::Drop),
        1 => Just(Edit::Twice),
        1 => "\\PC{0,20}".prop_map(Edit::Raw),
    ]
}

/// A built-in table with up to four lines edited, or raw text.
fn table_text() -> impl Strategy<Value = String> {
    let edited = (
        prop::sample::select(vec![TABLE_7NM, TABLE_45NM]),
        prop::collection::vec((any::<prop::sample::Index>(), edit()), 0..4),
    )
        .prop_map(|(base, edits)| {
            let mut lines: Vec<String> = base.lines().map(String::from).collect();
            for (at, e) in edits {
                let i = at.index(lines.len());
                let line = lines[i].clone();
                match e {
                    Edit::Value(v) => {
                        if let Some((head, tail)) = line.split_once("value = ") {
                            let rest = tail.split_once(',').map_or("", |(_, r)| r);
                            lines[i] = format!("{head}value = {v},{rest}");
                        }
                    }
                    Edit::Unit(u) => {
                        if let Some((head, tail)) = line.split_once("unit = \"") {
                            let rest = tail.split_once('"').map_or("", |(_, r)| r);
                            lines[i] = format!("{head}unit = \"{u}\"{rest}");
                        }
                    }
                    Edit::Key(k) => {
                        if let Some((_, tail)) = line.split_once(" = {") {
                            lines[i] = format!("{k} = {{{tail}");
                        }
                    }
                    Edit::Drop => {
                        lines.remove(i);
                    }
                    Edit::Twice => lines.insert(i, line),
                    Edit::Raw(r) => lines[i] = r,
                }
            }
            lines.join("\n")
        });
    prop_oneof![9 => edited, 1 => "\\PC{0,80}"]
}

#[test]
fn energy_tables_never_panic_and_errors_name_the_table() {
    // Parsed as text (what `Ert::from_toml_file` does after a bounded
    // read), named as the file would be.
    let shown = "my-table.toml";
    let accepted = std::cell::Cell::new(0u32);
    fuzz("energy table TOML", 4000, table_text(), |text| {
        match Ert::from_toml_str(&text, shown) {
            Ok(t) => {
                accepted.set(accepted.get() + 1);
                for r in t.rows() {
                    prop_assert!(
                        (0.0..=MAX_ENTRY_PJ).contains(&r.value),
                        "{} = {} accepted",
                        r.key,
                        r.value
                    );
                }
            }
            Err(e) => {
                // TOML's own messages span lines (a caret under the
                // column); the command line joins them, so check the first.
                let msg = e.to_string();
                one_line(msg.lines().next().unwrap_or(""))?;
                prop_assert!(msg.contains(shown), "does not name the table: {msg}");
            }
        }
        Ok(())
    });
    assert!(
        accepted.get() > 400,
        "only {} tables accepted",
        accepted.get()
    );
}
