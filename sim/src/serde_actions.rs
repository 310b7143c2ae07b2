//! JSON form of [`ActionCounts`]: a list of `{"action": ..., <width>, "count": n}`
//! objects, because JSON object keys cannot hold the structured [`Action`].

use serde::{Serialize, Serializer};
use tritone_energy::{Action, ActionCounts};

#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    action: Action,
    count: u64,
}

/// `serialize_with` helper: the counts as a list, in the counts' stable order.
pub fn as_list<S: Serializer>(counts: &ActionCounts, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(counts.iter().map(|(action, count)| Row { action, count }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_a_list() {
        #[derive(Serialize)]
        struct W {
            #[serde(serialize_with = "as_list")]
            a: ActionCounts,
        }
        let mut a = ActionCounts::new();
        a.add(Action::IntAdd { bits: 12 }, 5);
        a.add(Action::SkippedProduct, 2);
        let j = serde_json::to_string(&W { a }).unwrap();
        assert_eq!(
            j,
            r#"{"a":[{"action":"int_add","bits":12,"count":5},{"action":"skipped_product","count":2}]}"#
        );
    }
}
