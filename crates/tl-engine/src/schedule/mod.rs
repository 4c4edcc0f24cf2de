//! Resource-constrained project scheduling: given tasks with durations,
//! per-period resource demands and finish-to-start precedences, and
//! resources with a constant capacity per period, find start times that
//! respect both and finish early. `solve` is the heuristic; `is_feasible`
//! and the lower bounds check its answers; `psplib` reads PSPLIB's `.sm`
//! text into a `Problem`.

pub mod psplib;
mod rcpsp;
mod search;
mod sgs;

pub use rcpsp::{
    MAX_HORIZON, Problem, ProblemError, Schedule, SolveOptions, Violation, critical_path_lower_bound, is_feasible,
    lower_bound, resource_lower_bound, schedule_by_priority, solve,
};
