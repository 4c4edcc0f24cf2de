//! The RCPSP scheduler: schedules are feasible and never beat the lower
//! bounds, tiny instances are solved to the optimum found by enumerating
//! every activity list, a sample of PSPLIB J30 is solved close to the proven
//! optima, and the `.sm` parser never panics.

use std::path::PathBuf;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use tl_engine::schedule::psplib::{self, ParseErrorKind};
use tl_engine::schedule::{
    Problem, ProblemError, Schedule, SolveOptions, Violation, critical_path_lower_bound, is_feasible, lower_bound,
    resource_lower_bound, solve,
};

/// A random problem: `n` tasks, precedences only from lower to higher
/// index (a DAG), demands within capacity.
fn arb_problem(max_tasks: usize) -> impl Strategy<Value = Problem> {
    (1..=max_tasks, 1usize..=3)
        .prop_flat_map(|(n, n_res)| {
            (
                prop::collection::vec(0u32..=6, n),
                prop::collection::vec(1u32..=6, n_res),
                prop::collection::vec(prop::collection::vec(0u32..=6, n_res), n),
                prop::collection::vec(prop::collection::vec(0u8..4, n), n),
                1u8..=3,
            )
        })
        .prop_map(|(durations, capacities, raw_demands, edges, density)| {
            let n = durations.len();
            let demands =
                raw_demands.into_iter().map(|q| q.iter().zip(&capacities).map(|(&q, &c)| q.min(c)).collect()).collect();
            // Each pair i < j is an edge with probability density / 4.
            let successors = (0..n).map(|i| (i + 1..n).filter(|&j| edges[i][j] < density).collect()).collect();
            Problem { durations, demands, capacities, successors }
        })
}

/// The serial SGS written out per period: each task in list order starts at
/// the first time after its predecessors at which every period of its run
/// has room.
fn naive_serial(p: &Problem, list: &[usize]) -> u32 {
    let horizon: usize = p.durations.iter().map(|&d| d as usize).sum::<usize>() + 1;
    let mut used = vec![vec![0u32; horizon]; p.capacities.len()];
    let mut finish = vec![0u32; p.durations.len()];
    let preds = |j: usize| (0..p.durations.len()).filter(move |&i| p.successors[i].contains(&j));
    for &j in list {
        let mut t = preds(j).map(|i| finish[i]).max().unwrap_or(0);
        let d = p.durations[j];
        while !(t..t + d).all(|period| {
            (0..p.capacities.len()).all(|r| used[r][period as usize] + p.demands[j][r] <= p.capacities[r])
        }) {
            t += 1;
        }
        for (used_r, &q) in used.iter_mut().zip(&p.demands[j]) {
            for period in t..t + d {
                used_r[period as usize] += q;
            }
        }
        finish[j] = t + d;
    }
    finish.into_iter().max().unwrap_or(0)
}

/// The optimum: the best serial-SGS decode over every precedence-feasible
/// activity list (the serial SGS reaches every active schedule, and some
/// active schedule is optimal).
fn brute_force_optimum(p: &Problem) -> u32 {
    fn extend(p: &Problem, list: &mut Vec<usize>, placed: &mut Vec<bool>, best: &mut u32) {
        let n = p.durations.len();
        if list.len() == n {
            *best = (*best).min(naive_serial(p, list));
            return;
        }
        for j in 0..n {
            let eligible = !placed[j] && (0..n).all(|i| placed[i] || !p.successors[i].contains(&j));
            if eligible {
                placed[j] = true;
                list.push(j);
                extend(p, list, placed, best);
                list.pop();
                placed[j] = false;
            }
        }
    }
    let mut best = u32::MAX;
    extend(p, &mut Vec::new(), &mut vec![false; p.durations.len()], &mut best);
    best
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn schedules_are_feasible_and_respect_the_bounds(p in arb_problem(14), seed in any::<u64>(), budget in 1usize..400) {
        let s = solve(&p, &SolveOptions { seed, max_schedules: budget, ..Default::default() }).unwrap();
        prop_assert_eq!(is_feasible(&p, &s), Ok(()));
        prop_assert!(s.makespan >= critical_path_lower_bound(&p).unwrap());
        prop_assert!(s.makespan >= resource_lower_bound(&p).unwrap());
        prop_assert!(s.makespan <= p.durations.iter().sum::<u32>());
    }

    #[test]
    fn tiny_instances_are_solved_to_the_optimum(p in arb_problem(7), seed in any::<u64>()) {
        let s = solve(&p, &SolveOptions { seed, max_schedules: 2_000, ..Default::default() }).unwrap();
        prop_assert_eq!(is_feasible(&p, &s), Ok(()));
        prop_assert_eq!(s.makespan, brute_force_optimum(&p));
    }

    #[test]
    fn the_parser_never_panics_on_arbitrary_text(text in "(?s).{0,400}") {
        let _ = psplib::parse(&text);
    }

    #[test]
    fn the_parser_never_panics_on_mutated_instances(
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..4, "[0-9 a-z:*\n-]{0,3}"), 1..8),
    ) {
        let mut text = SMALL_SM.to_string();
        for (at, kind, insert) in edits {
            let mut at = at.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            match kind {
                0 => text.insert_str(at, &insert),
                1 => { let end = (at + insert.len() + 1).min(text.len()); if text.is_char_boundary(end) { text.replace_range(at..end, ""); } }
                2 => { let end = (at + insert.len()).min(text.len()); if text.is_char_boundary(end) { text.replace_range(at..end, &insert); } }
                _ => text.insert_str(at, "99999999999999999999"),
            }
        }
        if let Ok(p) = psplib::parse(&text) {
            // Whatever parses either solves or is reported as invalid.
            let small = p.durations.iter().map(|&d| u64::from(d)).sum::<u64>() < 10_000;
            if small && let Ok(s) = solve(&p, &SolveOptions { max_schedules: 50, ..Default::default() }) {
                prop_assert_eq!(is_feasible(&p, &s), Ok(()));
            }
        }
    }
}

/// Five jobs: a dummy source and sink around three real ones, one resource.
const SMALL_SM: &str = "\
************************************************************************
file with basedata            : test.bas
initial value random generator: 1
************************************************************************
projects                      :  1
jobs (incl. supersource/sink ):  5
horizon                       :  20
RESOURCES
  - renewable                 :  2   R
  - nonrenewable              :  0   N
  - doubly constrained        :  0   D
************************************************************************
PRECEDENCE RELATIONS:
jobnr.    #modes  #successors   successors
   1        1          2           2   3
   2        1          1           4
   3        1          1           5
   4        1          1           5
   5        1          0
************************************************************************
REQUESTS/DURATIONS:
jobnr. mode duration  R 1  R 2
------------------------------------------------------------------------
  1      1     0       0    0
  2      1     3       2    1
  3      1     4       2    0
  4      1     2       1    1
  5      1     0       0    0
************************************************************************
RESOURCEAVAILABILITIES:
  R 1  R 2
    3    1
************************************************************************
";

#[test]
fn the_parser_reads_a_small_instance() {
    let p = psplib::parse(SMALL_SM).unwrap();
    assert_eq!(p.durations, [0, 3, 4, 2, 0]);
    assert_eq!(p.successors, [vec![1, 2], vec![3], vec![4], vec![4], vec![]]);
    assert_eq!(p.demands, [vec![0, 0], vec![2, 1], vec![2, 0], vec![1, 1], vec![0, 0]]);
    assert_eq!(p.capacities, [3, 1]);
    // Job 3 cannot run beside job 2 (resource 1) but can beside job 4,
    // which follows job 2: the best is job 2, then jobs 3 and 4, 3 + 4 = 7.
    let s = solve(&p, &SolveOptions::default()).unwrap();
    assert_eq!(is_feasible(&p, &s), Ok(()));
    assert_eq!(s.makespan, brute_force_optimum(&p));
    assert_eq!(s.makespan, 7);
}

#[test]
fn parse_errors_name_the_line() {
    let bad_number = SMALL_SM.replace("  3      1     4       2    0", "  3      1     x       2    0");
    let e = psplib::parse(&bad_number).unwrap_err();
    assert_eq!((e.line, e.kind), (26, ParseErrorKind::BadNumber("x".into())));
    let bad_successor =
        SMALL_SM.replace("   3        1          1           5", "   3        1          1           6");
    let e = psplib::parse(&bad_successor).unwrap_err();
    assert_eq!((e.line, e.kind), (17, ParseErrorKind::UnknownSuccessor { successor: 6, jobs: 5 }));
    let e = psplib::parse(&SMALL_SM[..SMALL_SM.find("RESOURCEAVAILABILITIES").unwrap()]).unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::Missing("RESOURCEAVAILABILITIES"));
    assert!(e.to_string().starts_with("line 29: missing"), "{e}");
    let multi = SMALL_SM.replace("   2        1          1           4", "   2        2          1           4");
    assert_eq!(psplib::parse(&multi).unwrap_err().kind, ParseErrorKind::MultiMode { modes: 2 });
}

#[test]
fn invalid_problems_are_errors_not_panics() {
    let base = Problem {
        durations: vec![1, 2, 3],
        demands: vec![vec![1], vec![1], vec![1]],
        capacities: vec![1],
        successors: vec![vec![1], vec![2], vec![]],
    };
    let o = SolveOptions::default();
    assert_eq!(solve(&base, &o).unwrap().makespan, 6);

    let mut cyclic = base.clone();
    cyclic.successors[2] = vec![1];
    assert_eq!(solve(&cyclic, &o), Err(ProblemError::Cycle { tasks: vec![1, 2] }));
    let mut self_loop = base.clone();
    self_loop.successors[0].push(0);
    assert_eq!(solve(&self_loop, &o), Err(ProblemError::Cycle { tasks: vec![0] }));

    let mut too_big = base.clone();
    too_big.demands[1] = vec![2];
    assert_eq!(
        solve(&too_big, &o),
        Err(ProblemError::DemandExceedsCapacity { task: 1, resource: 0, demand: 2, capacity: 1 })
    );
    let mut unknown = base.clone();
    unknown.successors[0].push(7);
    assert_eq!(solve(&unknown, &o), Err(ProblemError::UnknownSuccessor { task: 0, successor: 7 }));
    let mut short = base.clone();
    short.demands[2] = vec![];
    assert_eq!(solve(&short, &o), Err(ProblemError::DemandLength { task: 2, expected: 1, found: 0 }));
    let mut missing = base.clone();
    missing.successors.pop();
    assert!(matches!(solve(&missing, &o), Err(ProblemError::TaskCount { .. })));
    let mut long = base.clone();
    long.durations[0] = u32::MAX;
    assert!(matches!(solve(&long, &o), Err(ProblemError::HorizonTooLong { .. })));
    assert!(matches!(lower_bound(&cyclic), Err(ProblemError::Cycle { .. })));

    assert_eq!(solve(&Problem::default(), &o), Ok(Schedule { starts: vec![], makespan: 0 }));
}

#[test]
fn the_feasibility_check_finds_each_kind_of_violation() {
    let p = Problem {
        durations: vec![2, 2, 1],
        demands: vec![vec![1], vec![1], vec![0]],
        capacities: vec![1],
        successors: vec![vec![2], vec![], vec![]],
    };
    assert_eq!(is_feasible(&p, &Schedule { starts: vec![0, 2, 2], makespan: 4 }), Ok(()));
    assert_eq!(
        is_feasible(&p, &Schedule { starts: vec![0, 1, 3], makespan: 4 }),
        Err(Violation::Capacity { resource: 0, period: 1, usage: 2, capacity: 1 })
    );
    assert_eq!(
        is_feasible(&p, &Schedule { starts: vec![0, 2, 1], makespan: 4 }),
        Err(Violation::Precedence { before: 0, after: 2 })
    );
    assert_eq!(
        is_feasible(&p, &Schedule { starts: vec![0, 2, 2], makespan: 5 }),
        Err(Violation::Makespan { stated: 5, actual: 4 })
    );
    assert_eq!(
        is_feasible(&p, &Schedule { starts: vec![0], makespan: 2 }),
        Err(Violation::StartCount { expected: 3, found: 1 })
    );
}

#[test]
fn the_same_seed_gives_the_same_schedule() {
    let p = psplib::parse(SMALL_SM).unwrap();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let big = arb_problem(40).new_tree(&mut runner).unwrap().current();
    for p in [p, big] {
        let o = SolveOptions { seed: 42, max_schedules: 500, ..Default::default() };
        assert_eq!(solve(&p, &o), solve(&p, &o));
    }
}

fn j30_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/psplib/j30")
}

/// Every tenth J30 instance, at a smaller budget than the default so that
/// the test stays quick in a debug build. The benchmark runs all 480.
#[test]
fn a_sample_of_j30_is_solved_close_to_the_optimum() {
    let dir = j30_dir();
    let Ok(csv) = std::fs::read_to_string(dir.join("optimum.csv")) else {
        eprintln!("skipping: no PSPLIB data at {}", dir.display());
        return;
    };
    let options = SolveOptions { max_schedules: 5_000, ..Default::default() };
    let mut deviations = Vec::new();
    for line in csv.lines().skip(1).step_by(10) {
        let (name, optimum) = line.split_once(',').unwrap();
        let optimum: u32 = optimum.trim().parse().unwrap();
        let p = psplib::parse(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap();
        assert_eq!((p.durations.len(), p.capacities.len()), (32, 4), "{name}");
        let s = solve(&p, &options).unwrap();
        assert_eq!(is_feasible(&p, &s), Ok(()), "{name}");
        assert!(s.makespan >= optimum, "{name}: {} beats the proven optimum {optimum}", s.makespan);
        assert!(lower_bound(&p).unwrap() <= optimum, "{name}");
        deviations.push(f64::from(s.makespan - optimum) / f64::from(optimum));
    }
    assert_eq!(deviations.len(), 48);
    let mean = deviations.iter().sum::<f64>() / deviations.len() as f64;
    let max = deviations.iter().copied().fold(0.0, f64::max);
    assert!(mean <= 0.003, "mean deviation {:.3}% on the sample", 100.0 * mean);
    assert!(max <= 0.05, "max deviation {:.2}% on the sample", 100.0 * max);
}
