//! Small model-level definitions: ids, quarters, capacity.

use tl_engine::model::{Id, Quarter};
use tl_engine::validate::Index;

#[test]
fn ids_and_quarters_parse_strictly() {
    assert!(Id::parse("kr-checkout.p99_v2").is_ok());
    for bad in ["", "-x", "Payments", "a b", "é"] {
        assert!(Id::parse(bad).is_err(), "{bad:?} should be rejected");
    }
    let q = Quarter::parse("2027-Q1").unwrap();
    assert_eq!((q.start().to_string(), q.end().to_string()), ("2027-01-01".into(), "2027-03-31".into()));
    assert_eq!(Quarter::parse("2028-Q4").unwrap().end().to_string(), "2028-12-31");
    for bad in ["2027-Q0", "2027-Q5", "2027Q1", "Q1-2027", "27-Q1"] {
        assert!(Quarter::parse(bad).is_err(), "{bad:?} should be rejected");
    }
}

#[test]
fn capacity_follows_the_documented_formula() {
    let mut m = tl_engine::generate::generate(tl_engine::generate::GenOptions {
        teams: 1,
        people_per_team: 4,
        initiatives: 0,
        ..Default::default()
    });
    m.people[0].fte = 0.5;
    let t = &mut m.teams[0];
    t.focus_factor = 0.8;
    t.on_call_fte = 0.5;
    t.time_off_weeks = 3.0;
    let index = Index::new(&m);
    let q1 = Quarter::parse("2027-Q1").unwrap();
    let cap = tl_engine::capacity::team_capacities(&m, &index, q1)[0];
    // Q1 2027 has 64 weekdays: 12.8 working weeks.
    // (3.5 FTE - 0.5 on call) * 0.8 * 12.8 weeks - 3 weeks off * 0.8
    assert!((cap - ((3.5 - 0.5) * 0.8 * 12.8 - 3.0 * 0.8)).abs() < 1e-9, "{cap}");
    // A holiday takes a fifth of a week away.
    m.organisation.calendar.holidays.insert("2027-01-01".parse().unwrap());
    let index = Index::new(&m);
    let with_holiday = tl_engine::capacity::team_capacities(&m, &index, q1)[0];
    assert!((cap - with_holiday - 3.0 * 0.8 * 0.2).abs() < 1e-9, "{with_holiday}");
    // The weeks add up to the quarter.
    let weekly: f64 = tl_engine::capacity::team_weekly_capacity(&m, &index, 0, q1).iter().map(|(_, c)| c).sum();
    assert!((weekly - with_holiday).abs() < 1e-9, "{weekly} vs {with_holiday}");
}
