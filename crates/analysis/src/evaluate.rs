//! Scoring the analysis against ground truth: precision, recall and F1 per class, and the
//! confusion matrix.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassScore {
    pub class: String,
    /// How many subjects truly have the class.
    pub support: usize,
    pub predicted: usize,
    pub true_positives: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// The evaluation of one kind of subject (buildings or parcels).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub scores: Vec<ClassScore>,
    /// `(truth, predicted) → count`.
    pub confusion: BTreeMap<(String, String), usize>,
    /// Classes in the order rows and columns of the matrix are shown.
    pub classes: Vec<String>,
    /// Subjects in the truth that the analysis did not judge (counted as `missing`).
    pub missing: usize,
}

impl Evaluation {
    pub fn score(&self, class: &str) -> Option<&ClassScore> {
        self.scores.iter().find(|s| s.class == class)
    }
}

/// Compares `(truth, predicted)` pairs. A subject without prediction should be passed with
/// the predicted class the caller treats as default (e.g. `none` or `missing`).
pub fn evaluate<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Evaluation {
    let mut confusion: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut classes: BTreeSet<String> = BTreeSet::new();
    let mut missing = 0;
    for (truth, predicted) in pairs {
        if predicted == "missing" {
            missing += 1;
        }
        classes.insert(truth.to_owned());
        classes.insert(predicted.to_owned());
        *confusion
            .entry((truth.to_owned(), predicted.to_owned()))
            .or_default() += 1;
    }
    let count = |f: &dyn Fn(&str, &str) -> bool| -> usize {
        confusion
            .iter()
            .filter(|((t, p), _)| f(t, p))
            .map(|(_, n)| n)
            .sum()
    };
    let scores = classes
        .iter()
        .map(|c| {
            let support = count(&|t, _| t == c);
            let predicted = count(&|_, p| p == c);
            let tp = count(&|t, p| t == c && p == c);
            let precision = if predicted > 0 {
                tp as f64 / predicted as f64
            } else {
                0.0
            };
            let recall = if support > 0 {
                tp as f64 / support as f64
            } else {
                0.0
            };
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            ClassScore {
                class: c.clone(),
                support,
                predicted,
                true_positives: tp,
                precision,
                recall,
                f1,
            }
        })
        .collect();
    Evaluation {
        scores,
        confusion,
        classes: classes.into_iter().collect(),
        missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_a_small_example() {
        let pairs = [
            ("vacant", "vacant"),
            ("vacant", "occupied"),
            ("occupied", "occupied"),
            ("occupied", "vacant"),
            ("occupied", "occupied"),
        ];
        let e = evaluate(pairs);
        let v = e.score("vacant").unwrap();
        assert_eq!((v.support, v.predicted, v.true_positives), (2, 2, 1));
        assert!((v.f1 - 0.5).abs() < 1e-12);
        let o = e.score("occupied").unwrap();
        assert!((o.precision - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(e.confusion[&("occupied".into(), "vacant".into())], 1);
    }

    #[test]
    fn perfect_and_empty() {
        let e = evaluate([("building_gap", "building_gap"), ("none", "none")]);
        assert_eq!(e.score("building_gap").unwrap().f1, 1.0);
        assert!(evaluate(std::iter::empty()).scores.is_empty());
    }
}
