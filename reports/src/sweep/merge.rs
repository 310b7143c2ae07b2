//! Merging the outputs of shards (or of any runs of one sweep) into one
//! table: rows deduplicated by key, ordered by their enumeration index, the
//! Pareto front recomputed over all of them. A merge of all shards of a
//! sweep equals the single run of that sweep, row for row.

use super::row::SweepTable;
use super::run::mark_pareto;
use super::SweepError;
use std::collections::BTreeMap;
use std::path::Path;

/// Reads the CSV tables at `paths` and merges them. Refuses tables that mix
/// synthesis and non-synthesis columns, and rows that claim the same index
/// with different keys (or one key at two indices): those come from
/// different sweeps. For a key present twice, a final outcome (ok/invalid)
/// wins over a failed one.
pub fn merge_shards(paths: &[impl AsRef<Path>]) -> Result<SweepTable, SweepError> {
    let mut by_index: BTreeMap<u64, (String, super::row::Row)> = BTreeMap::new();
    let mut index_of_key: BTreeMap<String, u64> = BTreeMap::new();
    let mut with_synth = None;
    if paths.is_empty() {
        return Err(SweepError::SpecFile(
            "nothing to merge: give at least one CSV".into(),
        ));
    }
    for path in paths {
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
                Some((k, _)) if *k != key => {
                    return Err(bad(format!(
                        "index {index} is {key} here but {k} elsewhere: different sweeps"
                    )))
                }
                Some((_, kept)) if kept.outcome.is_final() || !row.outcome.is_final() => {}
                _ => {
                    index_of_key.insert(key.clone(), index);
                    by_index.insert(index, (key, row));
                }
            }
        }
    }
    let mut table = SweepTable {
        rows: by_index.into_values().map(|(_, row)| row).collect(),
        with_synth: with_synth.unwrap_or(false),
    };
    mark_pareto(&mut table);
    Ok(table)
}
