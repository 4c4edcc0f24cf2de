//! The plan on the calendar: whatever the organisation, the schedule keeps
//! every dependency (with its buffer) and every team's daily capacity, and
//! the forecast agrees with the schedule's network.

use proptest::prelude::*;
use tl_engine::generate::{GenOptions, generate};
use tl_engine::planning::{ScheduleOptions, schedule_plan, to_network, to_problem};
use tl_engine::validate::Index;
use tl_engine::workplan::{BuildOptions, build};

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn schedules_keep_dependencies_buffers_and_capacity(
        teams in 1usize..6,
        people in 3usize..9,
        initiatives in 1usize..30,
        milestones in 0usize..5,
        seed in 0u64..1000,
    ) {
        let model = generate(GenOptions { teams, people_per_team: people, initiatives, milestones_per_initiative: milestones, seed, ..GenOptions::default() });
        let index = Index::new(&model);
        let start = model.initiatives.first().map_or(jiff::civil::date(2027, 1, 1), |i| i.quarter.start());
        let plan = build(&model, &index, BuildOptions { start, skip_done: true });
        let calendar = &model.organisation.calendar;
        let s = schedule_plan(&plan, calendar, ScheduleOptions { seed, work: 20_000 }).unwrap();
        prop_assert!(s.makespan_days >= s.lower_bound_days);
        let placed: std::collections::HashMap<usize, _> = s.items.iter().map(|p| (p.item, p)).collect();
        for link in &plan.links {
            let (from, to) = (placed[&link.from], placed[&link.to]);
            let duration = from.finish_day - from.start_day;
            let lag = (f64::from(duration) * link.buffer_pct / 100.0).ceil() as u32;
            prop_assert!(to.start_day >= from.finish_day + lag, "{} starts before {} finishes plus its buffer", plan.items[link.to].id, plan.items[link.from].id);
        }
        let mapped = to_problem(&plan, calendar);
        let mut usage = vec![vec![0u32; s.makespan_days as usize + 1]; plan.team_units.len()];
        for p in &s.items {
            let team = plan.items[p.item].team;
            for day in p.start_day..p.finish_day {
                usage[team][day as usize] += mapped.problem.demands[p.item][team];
            }
        }
        for (team, days) in usage.iter().enumerate() {
            for (day, &u) in days.iter().enumerate() {
                prop_assert!(u <= plan.team_units[team].max(1), "team {team} over capacity on day {day}: {u}");
            }
        }
        // Dates follow the calendar.
        for p in &s.items {
            prop_assert!(calendar.is_working(p.start) && calendar.is_working(p.finish));
            prop_assert!(p.start <= p.finish);
        }
        // The forecast network has the same tasks.
        let (network, n_items) = to_network(&plan, calendar).unwrap();
        prop_assert_eq!(n_items, plan.items.len());
        prop_assert_eq!(network.len(), mapped.problem.durations.len());
    }
}

#[test]
fn a_mid_size_organisation_schedules_close_to_its_bound() {
    let model =
        generate(GenOptions { teams: 8, initiatives: 40, milestones_per_initiative: 2, ..GenOptions::default() });
    let index = Index::new(&model);
    let plan = build(&model, &index, BuildOptions { start: jiff::civil::date(2027, 1, 1), skip_done: true });
    let s = schedule_plan(&plan, &model.organisation.calendar, ScheduleOptions::default()).unwrap();
    // The plan trades a little length for due dates; it stays near the bound.
    assert!(s.makespan_days * 2 <= s.lower_bound_days * 3, "{} vs bound {}", s.makespan_days, s.lower_bound_days);
    assert!(s.items.iter().any(|p| p.critical), "some item is critical");
}
