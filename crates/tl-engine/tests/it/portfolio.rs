//! The portfolio solver against brute force on small problems, and its
//! selections against the plain feasibility check on generated ones.

use proptest::prelude::*;
use tl_engine::portfolio::{
    Category, Infeasibility, Item, Options, Problem, Reason, Status, SyntheticOptions, Team, explain, greedy,
    selection_value, solve, synthetic, violations,
};

/// Every subset, checked the plain way; the best value, if any is feasible.
fn brute_force(problem: &Problem, options: &Options) -> Option<f64> {
    let n = problem.items.len();
    assert!(n <= 16);
    let mut best: Option<f64> = None;
    let mut selected = vec![false; n];
    for mask in 0u32..(1 << n) {
        for (i, s) in selected.iter_mut().enumerate() {
            *s = mask >> i & 1 == 1;
        }
        if violations(problem, options, &selected).is_empty() {
            let v = selection_value(problem, &selected);
            if best.is_none_or(|b| v > b) {
                best = Some(v);
            }
        }
    }
    best
}

#[derive(Clone, Debug)]
struct RawItem {
    value: f64,
    efforts: Vec<(usize, f64)>,
    category: u8,
    debt: bool,
    requires: Option<usize>,
    flag: u8,
}

fn raw_item(teams: usize) -> impl Strategy<Value = RawItem> {
    (
        0.0f64..20.0,
        prop::collection::vec((0..teams, 0.5f64..12.0), 0..=2),
        0u8..10,
        prop::bool::weighted(0.3),
        prop::option::weighted(0.2, 0usize..16),
        0u8..40,
    )
        .prop_map(|(value, efforts, category, debt, requires, flag)| RawItem {
            value: (value * 4.0).round() / 4.0,
            efforts,
            category,
            debt,
            requires,
            flag,
        })
}

fn small_problem() -> impl Strategy<Value = Problem> {
    (1usize..=3)
        .prop_flat_map(|teams| {
            (prop::collection::vec(5.0f64..30.0, teams), prop::collection::vec(raw_item(teams), 1..=14))
        })
        .prop_map(|(caps, raw)| {
            let n = raw.len();
            let items = raw
                .into_iter()
                .enumerate()
                .map(|(i, r)| {
                    let category = match r.category {
                        0..=5 => Category::Committed,
                        6..=7 => Category::Improvement,
                        _ => Category::Exploration,
                    };
                    let mut item = Item::new(format!("I{i}"), r.value, category);
                    item.effort = r.efforts;
                    item.tech_debt = r.debt;
                    item.requires = r.requires.map(|x| x % n).filter(|&x| x != i).into_iter().collect();
                    match r.flag {
                        0 => item.mandatory = true,
                        1 => item.excluded = true,
                        2 => item.allowed = false,
                        _ => {}
                    }
                    item
                })
                .collect();
            let teams = caps
                .into_iter()
                .enumerate()
                .map(|(t, c)| Team { name: format!("T{t}"), capacity_weeks: (c * 2.0).round() / 2.0 })
                .collect();
            Problem { teams, items }
        })
}

/// Default options with some share rules switched off, and a short
/// perturbation search so that the branch and bound does the proving.
fn options_variant(k: u8) -> Options {
    let mut o = Options { search_rounds: 20, ..Default::default() };
    match k % 4 {
        0 => {}
        1 => o.debt_floor_percent = None,
        2 => o.mix = None,
        _ => {
            o.mix = None;
            o.debt_floor_percent = None;
        }
    }
    o
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn solve_matches_brute_force(problem in small_problem(), k in 0u8..4) {
        let options = options_variant(k);
        let solution = solve(&problem, &options);
        let best = brute_force(&problem, &options);
        match best {
            Some(best) => {
                prop_assert_eq!(&solution.status, &Status::Optimal);
                prop_assert!(violations(&problem, &options, &solution.selected).is_empty());
                prop_assert!((solution.value - best).abs() <= 1e-6 * (1.0 + best), "{} vs {}", solution.value, best);
                prop_assert!(solution.bound >= best - 1e-6 * (1.0 + best));
                prop_assert!(solution.stats.root_bound >= best - 1e-6 * (1.0 + best));
                prop_assert!(solution.stats.split_bound >= best - 1e-6 * (1.0 + best));
                let base = greedy(&problem, &options);
                if base.feasible {
                    prop_assert!(violations(&problem, &options, &base.selected).is_empty());
                    prop_assert!(solution.value >= base.value - 1e-9);
                }
            }
            None => prop_assert!(matches!(solution.status, Status::Infeasible(_)), "{:?}", solution.status),
        }
    }

    #[test]
    fn generated_selections_are_feasible(seed in 0u64..1000, items in 20usize..100, teams in 2usize..8, k in 0u8..4) {
        let problem = synthetic(&SyntheticOptions { items, teams, seed, ..Default::default() });
        let mut options = options_variant(k);
        options.node_budget = 200;
        let solution = solve(&problem, &options);
        prop_assert!(matches!(solution.status, Status::Optimal | Status::Feasible), "{:?}", solution.status);
        prop_assert!(violations(&problem, &options, &solution.selected).is_empty());
        prop_assert!(solution.bound >= solution.value - 1e-9);
        prop_assert!((0.0..=1.0).contains(&solution.gap));
        let base = greedy(&problem, &options);
        // The greedy can fail when mandatory items unbalance the mix.
        if base.feasible {
            prop_assert!(violations(&problem, &options, &base.selected).is_empty());
            prop_assert!(solution.value >= base.value - 1e-9);
        }
        // Every item left out has a reason, and the reasons hold up.
        let unchosen = solution.selected.iter().filter(|s| !**s).count();
        prop_assert_eq!(solution.explanations.len(), unchosen);
        for e in &solution.explanations {
            prop_assert!(!solution.selected[e.item]);
            match &e.reason {
                Reason::Capacity { shortfalls, .. } => {
                    prop_assert!(!shortfalls.is_empty());
                    for f in shortfalls {
                        prop_assert!(f.needs > f.available);
                    }
                }
                Reason::Mix { limit, share, bound, .. } => {
                    let broken = if limit.is_max() { share > bound } else { share < bound };
                    prop_assert!(broken, "{:?}", e);
                }
                Reason::NotAllowed => prop_assert!(!problem.items[e.item].allowed),
                Reason::Excluded => prop_assert!(problem.items[e.item].excluded),
                _ => {}
            }
            prop_assert!(!e.describe(&problem).is_empty());
        }
    }
}

#[test]
fn mandatory_items_over_capacity_are_infeasible() {
    let mut a = Item::new("a", 5.0, Category::Committed);
    a.effort = vec![(0, 10.0)];
    a.mandatory = true;
    let problem = Problem { teams: vec![Team { name: "t".into(), capacity_weeks: 10.0 }], items: vec![a] };
    let solution = solve(&problem, &Options::default());
    assert!(matches!(
        solution.status,
        Status::Infeasible(Infeasibility::MandatoryOverCapacity { team: 0, needed, limit })
            if needed == 10.0 && (limit - 8.5).abs() < 1e-12
    ));
}

#[test]
fn mandatory_item_requiring_an_excluded_one_is_infeasible() {
    let mut a = Item::new("a", 5.0, Category::Committed);
    a.excluded = true;
    let mut b = Item::new("b", 5.0, Category::Committed);
    b.mandatory = true;
    b.requires = vec![0];
    let problem = Problem { teams: vec![], items: vec![a, b] };
    let solution = solve(&problem, &Options::default());
    assert_eq!(solution.status, Status::Infeasible(Infeasibility::MandatoryBlocked { item: 0, forced_by: 1 }));
}

#[test]
fn explanations_name_the_team_and_the_displaced_items() {
    // x and y fill the team; z would fit only in y's place, and is worth less.
    let team = Team { name: "core".into(), capacity_weeks: 10.0 };
    let mk = |name: &str, value: f64, weeks: f64| {
        let mut it = Item::new(name, value, Category::Committed);
        it.effort = vec![(0, weeks)];
        it
    };
    let problem = Problem { teams: vec![team], items: vec![mk("x", 10.0, 5.0), mk("y", 5.0, 3.0), mk("z", 4.0, 3.4)] };
    let options = Options { mix: None, debt_floor_percent: None, ..Default::default() };
    let solution = solve(&problem, &options);
    assert_eq!(solution.status, Status::Optimal);
    assert_eq!(solution.chosen(), vec![0, 1]);
    assert_eq!(solution.explanations.len(), 1);
    let Reason::Capacity { shortfalls, displaced, displaced_value, .. } = &solution.explanations[0].reason else {
        panic!("{:?}", solution.explanations[0]);
    };
    assert_eq!(shortfalls[0].team, 0);
    assert!((shortfalls[0].needs - 3.4).abs() < 1e-9 && (shortfalls[0].available - 0.5).abs() < 1e-9);
    assert_eq!(displaced.as_deref(), Some(&[1usize][..]));
    assert_eq!(*displaced_value, 5.0);
    let text = solution.explanations[0].describe(&problem);
    assert!(text.contains("core") && text.contains("displace y"), "{text}");
    assert!(solution.teams[0].nearly_full);
    // The public explain agrees with the solve's own.
    assert_eq!(explain(&problem, &options, &solution.selected), solution.explanations);
}

#[test]
fn generator_is_deterministic() {
    let opt = SyntheticOptions { items: 300, teams: 12, seed: 7, ..Default::default() };
    assert_eq!(synthetic(&opt), synthetic(&opt));
    let p = synthetic(&opt);
    let with_prerequisite = p.items.iter().filter(|it| !it.requires.is_empty()).count();
    assert!((15..=50).contains(&with_prerequisite), "{with_prerequisite}");
}

#[test]
fn empty_and_teamless_problems_solve() {
    let empty = solve(&Problem::default(), &Options::default());
    assert_eq!((empty.status, empty.value, empty.bound), (Status::Optimal, 0.0, 0.0));
    // Items without effort: the shares are vacuous, so everything of value is
    // taken (an item worth nothing may be taken too: it can balance a share).
    let items = vec![Item::new("a", 3.0, Category::Exploration), Item::new("b", 0.0, Category::Committed)];
    let problem = Problem { teams: vec![], items };
    let solution = solve(&problem, &Options::default());
    assert_eq!(solution.status, Status::Optimal);
    assert_eq!(solution.value, 3.0);
    assert!(solution.selected[0]);
}

#[test]
fn bad_numbers_are_reported_not_panicked_on() {
    let mut a = Item::new("a", f64::NAN, Category::Committed);
    a.effort = vec![(3, 1.0)];
    let problem = Problem { teams: vec![], items: vec![a] };
    assert!(matches!(solve(&problem, &Options::default()).status, Status::Invalid(_)));
}
