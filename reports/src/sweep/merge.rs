//! Merging the outputs of shards (or of any runs of one sweep) into one
//! table: rows deduplicated by key, ordered by their enumeration index, the
//! Pareto front recomputed over all of them. A merge of all shards of a
//! sweep equals the single run of that sweep, row for row.

use super::row::{header, Provenance, Row, SweepTable};
use super::run::mark_pareto;
use super::SweepError;
use std::collections::BTreeMap;
use std::path::Path;

/// Reads the CSV tables at `paths` and merges them. Refuses tables that are
/// not parts of one sweep: another sweep (value lists) or energy table,
/// synthesis columns in some but not all, rows that claim the same index
/// with different keys (or one key at two indices). A point present twice
/// must have the same results in both (the first differing column is
/// named), except that a final outcome (ok/invalid) wins over a failed one.
pub fn merge_shards(paths: &[impl AsRef<Path>]) -> Result<SweepTable, SweepError> {
    let mut by_index: BTreeMap<u64, (String, Row, usize)> = BTreeMap::new();
    let mut index_of_key: BTreeMap<String, u64> = BTreeMap::new();
    let mut with_synth = None;
    let mut provenance: Option<(Provenance, &Path)> = None;
    if paths.is_empty() {
        return Err(SweepError::SpecFile(
            "nothing to merge: give at least one CSV".into(),
        ));
    }
    for (file, path) in paths.iter().enumerate() {
        let path = path.as_ref();
        let bad = |why: String| SweepError::Table {
            path: path.display().to_string(),
            why,
        };
        let table = SweepTable::read_csv(path)?;
        match with_synth {
            None => with_synth = Some(table.with_synth),
            Some(s) if s != table.with_synth => {
                return Err(bad(
                    "has synthesis columns where the other tables have none, or the reverse".into(),
                ))
            }
            Some(_) => {}
        }
        // A table without rows says nothing of its sweep.
        if !table.rows.is_empty() {
            match &provenance {
                None => provenance = Some((table.provenance.clone(), path)),
                Some((first, other)) if *first != table.provenance => {
                    let (what, here, there) = if first.sweep != table.provenance.sweep {
                        ("sweep", &table.provenance.sweep, &first.sweep)
                    } else {
                        (
                            "energy table",
                            &table.provenance.energy_table,
                            &first.energy_table,
                        )
                    };
                    return Err(bad(format!(
                        "{what} {here} here but {there} in {}: not shards of one sweep \
                         (different value lists, workloads or energy tables)",
                        other.display()
                    )));
                }
                Some(_) => {}
            }
        }
        for row in table.rows {
            let key = row.point.key();
            let index = row.point.index;
            if let Some(&other) = index_of_key.get(&key) {
                if other != index {
                    return Err(bad(format!(
                        "point {key} has index {index} here but {other} elsewhere"
                    )));
                }
            }
            match by_index.get(&index) {
                Some((k, _, _)) if *k != key => {
                    return Err(bad(format!(
                        "index {index} is {key} here but {k} elsewhere: different sweeps"
                    )))
                }
                Some((_, kept, from)) if kept.outcome.is_final() && row.outcome.is_final() => {
                    if let Some(column) = first_difference(kept, &row, table.with_synth) {
                        return Err(bad(format!(
                            "point {key} has another {column} here than in {}: the files \
                             disagree on a result",
                            paths[*from].as_ref().display()
                        )));
                    }
                }
                Some((_, kept, _)) if kept.outcome.is_final() || !row.outcome.is_final() => {}
                _ => {
                    index_of_key.insert(key.clone(), index);
                    by_index.insert(index, (key, row, file));
                }
            }
        }
    }
    let mut table = SweepTable {
        rows: by_index.into_values().map(|(_, row, _)| row).collect(),
        with_synth: with_synth.unwrap_or(false),
        provenance: provenance.map(|(p, _)| p).unwrap_or_default(),
    };
    mark_pareto(&mut table);
    Ok(table)
}

/// The first column (other than the Pareto mark, which depends on the
/// table) in which two rows of one point differ.
fn first_difference(a: &Row, b: &Row, with_synth: bool) -> Option<&'static str> {
    let none = Provenance::default();
    let (ca, cb) = (a.cells(with_synth, &none), b.cells(with_synth, &none));
    header(with_synth)
        .into_iter()
        .zip(ca.iter().zip(&cb))
        .find(|(name, (x, y))| *name != "pareto" && x != y)
        .map(|(name, _)| name)
}
