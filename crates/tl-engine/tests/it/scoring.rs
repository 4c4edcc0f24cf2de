//! The grouped, grid-based ranking agrees with a naive ranking, and the
//! weight grid stays within its bounds.

use proptest::prelude::*;
use tl_engine::Model;
use tl_engine::model::*;
use tl_engine::policy::Weights;
use tl_engine::scoring::{RankOptions, normalized, rank, weight_grid};

fn model_with_scores(scores: &[[u8; 4]], weights: [f64; 4]) -> Model {
    let mut m = tl_engine::generate::generate(tl_engine::generate::GenOptions {
        teams: 1,
        initiatives: scores.len(),
        milestones_per_initiative: 0,
        ..Default::default()
    });
    for (init, s) in m.initiatives.iter_mut().zip(scores) {
        init.scores = Scores {
            business_impact: Some(s[0]),
            technical_feasibility: Some(s[1]),
            resource_requirements: Some(s[2]),
            strategic_fit: Some(s[3]),
            loc: tl_engine::Loc::NONE,
        };
    }
    m.policy.weights = Weights::from_array(weights);
    m
}

/// Competition rank of each item, computed pairwise.
fn naive_ranks(scores: &[[u8; 4]], w: [f64; 4]) -> Vec<usize> {
    let value = |s: &[u8; 4]| (0..4).map(|k| w[k] * f64::from(s[k])).sum::<f64>() / 100.0;
    scores.iter().map(|s| 1 + scores.iter().filter(|o| value(o) > value(s) + 1e-9).count()).collect()
}

proptest! {
    #[test]
    fn ranks_match_a_naive_ranking(
        scores in prop::collection::vec(prop::array::uniform4(1u8..=5), 1..40),
        raw in prop::array::uniform4(1.0f64..60.0),
    ) {
        let model = model_with_scores(&scores, raw);
        let options = RankOptions { perturbation_pp: 10.0, step_pp: 5.0 };
        let ranking = rank(&model, options);
        let base = normalized(model.policy.weights);
        let expected = naive_ranks(&scores, base);
        prop_assert_eq!(ranking.entries.len(), scores.len());
        for r in &ranking.entries {
            prop_assert_eq!(r.rank, expected[r.initiative]);
            prop_assert!(r.best_rank <= r.rank && r.rank <= r.worst_rank);
        }
        // Best and worst ranks are the extremes over the same grid, computed naively.
        let mut best = expected.clone();
        let mut worst = expected.clone();
        for w in weight_grid(base, options) {
            for (i, rk) in naive_ranks(&scores, w).into_iter().enumerate() {
                best[i] = best[i].min(rk);
                worst[i] = worst[i].max(rk);
            }
        }
        for r in &ranking.entries {
            prop_assert_eq!((r.best_rank, r.worst_rank), (best[r.initiative], worst[r.initiative]));
        }
    }

    #[test]
    fn weight_grid_stays_within_bounds(raw in prop::array::uniform4(0.0f64..60.0), pp in 0.0f64..15.0) {
        let base = normalized(Weights::from_array(raw));
        for w in weight_grid(base, RankOptions { perturbation_pp: pp, step_pp: 1.0 }) {
            prop_assert!((w.iter().sum::<f64>() - 100.0).abs() < 1e-6);
            for k in 0..4 {
                prop_assert!(w[k] >= 0.0);
                prop_assert!((w[k] - base[k]).abs() <= pp + 1e-9);
            }
        }
    }
}

#[test]
fn dominant_initiative_is_stable_and_ties_share_a_rank() {
    let scores = [[5, 5, 5, 5], [3, 3, 3, 3], [3, 3, 3, 3], [1, 1, 1, 1]];
    let ranking = rank(&model_with_scores(&scores, [30.0, 25.0, 25.0, 20.0]), RankOptions::default());
    let ranks: Vec<(usize, usize, usize, usize)> =
        ranking.entries.iter().map(|r| (r.initiative, r.rank, r.best_rank, r.worst_rank)).collect();
    assert_eq!(ranks, vec![(0, 1, 1, 1), (1, 2, 2, 2), (2, 2, 2, 2), (3, 4, 4, 4)]);
    assert!((ranking.entries[0].score - 5.0).abs() < 1e-9);
}

#[test]
fn close_call_is_fragile() {
    // Equal on total, split differently: which one wins depends on the weights.
    let scores = [[5, 1, 3, 3], [1, 5, 3, 3]];
    let ranking = rank(&model_with_scores(&scores, [25.0, 25.0, 25.0, 25.0]), RankOptions::default());
    assert!(ranking.entries.iter().all(|r| r.best_rank == 1 && r.worst_rank == 2));
}
