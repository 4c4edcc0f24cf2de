//! The weighted scoring matrix and how robust each rank is.
//!
//! An initiative's score is the weighted mean of its four criterion scores
//! (1-5), so it stays on the 1-5 scale whatever the weights sum to. Resource
//! requirements score higher when the initiative needs fewer resources.
//!
//! Robustness: the weights are moved by up to ±`robustness_pp` percentage
//! points each, on a regular grid, keeping their sum at 100 and none below
//! zero. For every weight vector on that grid we rank again and record each
//! initiative's best and worst rank. Ranks use competition ranking: ties
//! share the better rank.

use crate::model::Model;
use crate::policy::Weights;
use std::collections::HashMap;

/// One initiative's place in the ranking.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranked {
    /// Index into `Model::initiatives`.
    pub initiative: usize,
    pub score: f64,
    /// Each criterion's contribution to the score, in `CRITERIA` order; they sum to `score`.
    pub contributions: [f64; 4],
    pub rank: usize,
    /// The best (smallest) rank over the perturbed weights.
    pub best_rank: usize,
    /// The worst (largest) rank over the perturbed weights.
    pub worst_rank: usize,
}

impl Ranked {
    /// How many places the rank can move: worst minus best.
    pub fn spread(&self) -> usize {
        self.worst_rank - self.best_rank
    }
}

/// The ranked initiatives and how the robustness was sampled.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranking {
    pub entries: Vec<Ranked>,
    /// Initiatives left out because a criterion has no score.
    pub unscored: Vec<usize>,
    /// How many weight vectors were tried.
    pub n_weight_samples: usize,
    pub perturbation_pp: f64,
    pub weights: Weights,
}

/// Options for `rank`.
#[derive(Clone, Copy, Debug)]
pub struct RankOptions {
    /// Largest change of each weight, in percentage points.
    pub perturbation_pp: f64,
    /// Grid step, in percentage points.
    pub step_pp: f64,
}

impl Default for RankOptions {
    fn default() -> Self {
        RankOptions { perturbation_pp: 10.0, step_pp: 1.0 }
    }
}

const EPS: f64 = 1e-9;

/// Weights scaled to sum to 100 (all equal when they sum to nothing).
pub fn normalized(weights: Weights) -> [f64; 4] {
    let w = weights.as_array();
    let sum: f64 = w.iter().sum();
    if sum <= 0.0 || !sum.is_finite() {
        return [25.0; 4];
    }
    w.map(|x| 100.0 * x.max(0.0) / sum)
}

fn weighted(w: &[f64; 4], s: &[u8; 4]) -> f64 {
    (0..4).map(|k| w[k] * f64::from(s[k])).sum::<f64>() / 100.0
}

/// Ranks the initiatives of a model with its policy's weights.
pub fn rank(model: &Model, options: RankOptions) -> Ranking {
    let weights = normalized(model.policy.weights);
    let mut unscored = Vec::new();
    // Initiatives with the same four scores always tie, so work per distinct
    // score vector: at most 5^4 of them, however many initiatives there are.
    let mut group_of: HashMap<[u8; 4], usize> = HashMap::new();
    let mut groups: Vec<([u8; 4], usize)> = Vec::new(); // (scores, count)
    let mut members: Vec<(usize, usize)> = Vec::new(); // (initiative, group)
    for (i, init) in model.initiatives.iter().enumerate() {
        match init.scores.complete() {
            Some(s) => {
                let g = *group_of.entry(s).or_insert_with(|| {
                    groups.push((s, 0));
                    groups.len() - 1
                });
                groups[g].1 += 1;
                members.push((i, g));
            }
            None => unscored.push(i),
        }
    }

    let base_ranks = group_ranks(&groups, &weights);
    let mut best = base_ranks.clone();
    let mut worst = base_ranks.clone();
    let samples = weight_grid(weights, options);
    for w in &samples {
        let ranks = group_ranks(&groups, w);
        for g in 0..groups.len() {
            best[g] = best[g].min(ranks[g]);
            worst[g] = worst[g].max(ranks[g]);
        }
    }

    let mut entries: Vec<Ranked> = members
        .iter()
        .map(|&(i, g)| {
            let s = groups[g].0;
            let contributions: [f64; 4] = std::array::from_fn(|k| weights[k] * f64::from(s[k]) / 100.0);
            Ranked {
                initiative: i,
                score: contributions.iter().sum(),
                contributions,
                rank: base_ranks[g],
                best_rank: best[g],
                worst_rank: worst[g],
            }
        })
        .collect();
    entries.sort_by(|a, b| a.rank.cmp(&b.rank).then(a.initiative.cmp(&b.initiative)));
    Ranking {
        entries,
        unscored,
        n_weight_samples: samples.len() + 1,
        perturbation_pp: options.perturbation_pp,
        weights: Weights::from_array(weights),
    }
}

/// Competition rank of each group under weights `w`.
fn group_ranks(groups: &[([u8; 4], usize)], w: &[f64; 4]) -> Vec<usize> {
    let scores: Vec<f64> = groups.iter().map(|(s, _)| weighted(w, s)).collect();
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut ranks = vec![0; groups.len()];
    let mut above = 0; // initiatives with a strictly higher score
    let mut pos = 0;
    while pos < order.len() {
        // A run of tied groups shares one rank.
        let mut end = pos;
        let mut run_count = 0;
        while end < order.len() && scores[order[pos]] - scores[order[end]] <= EPS {
            run_count += groups[order[end]].1;
            end += 1;
        }
        for &g in &order[pos..end] {
            ranks[g] = above + 1;
        }
        above += run_count;
        pos = end;
    }
    ranks
}

/// Weight vectors within ±perturbation of `base` on a grid, summing to 100,
/// none negative. The base itself is not included.
pub fn weight_grid(base: [f64; 4], options: RankOptions) -> Vec<[f64; 4]> {
    let r = options.perturbation_pp.max(0.0);
    let step = if options.step_pp > 0.0 { options.step_pp } else { 1.0 };
    let n = (r / step).floor() as i64;
    let mut out = Vec::new();
    for a in -n..=n {
        for b in -n..=n {
            for c in -n..=n {
                let d = -(a + b + c);
                if d.abs() > n {
                    continue;
                }
                let w = [
                    base[0] + a as f64 * step,
                    base[1] + b as f64 * step,
                    base[2] + c as f64 * step,
                    base[3] + d as f64 * step,
                ];
                if (a, b, c) != (0, 0, 0) && w.iter().all(|&x| x >= 0.0) {
                    out.push(w);
                }
            }
        }
    }
    out
}
