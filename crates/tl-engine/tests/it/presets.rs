//! The behaviours that make the `fourkeys` and `devlake` presets compute as
//! those tools do, each a definition field, on small cases with
//! hand-computed expectations: the week a deployment day counts in, the
//! interpolated against the lower median, the tier rules that fall back to
//! monthly figures, lead times under a minute, restore times in whole hours
//! and the dashboards' strict boundaries.

use jiff::{SignedDuration, Timestamp};
use tl_engine::delivery::{
    Benchmark, Commit, DeliveryEvents, Deployment, FourKeys, Incident, MetricDefinition, Rounding, RunResult,
    Statistic, Tier, WeekStart, four_keys, preset,
};

fn at(text: &str) -> Timestamp {
    text.parse().expect("an RFC 3339 time")
}

fn deployment(n: usize, finished: Timestamp) -> Deployment {
    Deployment {
        id: format!("d{n}"),
        name: "deploy".into(),
        service: "api".into(),
        scope_id: "ci".into(),
        environment: "PRODUCTION".into(),
        result: RunResult::Success,
        started: Some(finished),
        finished: Some(finished),
        commits: Vec::new(),
    }
}

fn definition(name: &str, edit: impl FnOnce(&mut MetricDefinition)) -> MetricDefinition {
    let mut d = preset(name).expect("a preset");
    edit(&mut d);
    d
}

/// The four keys of deployments finishing at noon on `days`, over
/// `[start, end)`.
fn keys_of_days(definition: &MetricDefinition, days: &[&str], start: &str, end: &str) -> FourKeys {
    let deployments: Vec<Deployment> =
        days.iter().enumerate().map(|(n, day)| deployment(n, at(&format!("{day}T12:00:00Z")))).collect();
    let events = DeliveryEvents { deployments: &deployments, commits: &[], pull_requests: &[], incidents: &[] };
    four_keys(&events, definition, at(start), at(end))
}

#[test]
fn frequency_figures_and_tiers() {
    // Two weeks from Sunday 3 March 2024; deployments on Sunday the 10th,
    // Monday the 11th and Tuesday the 12th.
    //   Monday weeks (26 Feb, 4 Mar, 11 Mar): 0, 1, 2 deployment days.
    //   Sunday weeks (3 Mar, 10 Mar):          0, 3.
    let march = (["2024-03-10", "2024-03-11", "2024-03-12"].as_slice(), "2024-03-03T00:00:00Z", "2024-03-17T00:00:00Z");
    // One deployment in each of January, February and March 2024, over the
    // 90 days from Monday 1 January: 13 Monday weeks with 3 deployment
    // weeks, 13 Sunday weeks (from 31 December) likewise.
    let quarter =
        (["2024-01-10", "2024-02-14", "2024-03-20"].as_slice(), "2024-01-01T00:00:00Z", "2024-03-31T00:00:00Z");
    let only_january = (["2024-01-10"].as_slice(), quarter.1, quarter.2);
    let daily: Vec<String> = (1..=14).map(|d| format!("2024-03-{d:02}")).collect();
    let daily: Vec<&str> = daily.iter().map(String::as_str).collect();
    let fortnight = (daily.as_slice(), "2024-03-01T00:00:00Z", "2024-03-15T00:00:00Z");

    type Edit = fn(&mut MetricDefinition);
    /// Deployment days, the range's start and end.
    type Days<'a> = (&'a [&'a str], &'a str, &'a str);
    let keep: Edit = |_| {};
    let sunday: Edit = |d| d.week_start = WeekStart::Sunday;
    let monday: Edit = |d| d.week_start = WeekStart::Monday;
    let interpolated: Edit = |d| d.frequency_summary = Statistic::Median;
    #[rustfmt::skip]
    let cases: [(&str, &str, Edit, Days<'_>, f64, Tier); 10] = [
        // Lower median of [0, 1, 2] is 1: at least one day a week is high.
        ("devlake, Monday weeks", "devlake", keep, march, 1.0, Tier::High),
        // Sunday weeks [0, 3]: lower median 0; March has 3 deployment days,
        // so medium by DevLake's monthly rule.
        ("devlake on Sunday weeks", "devlake", sunday, march, 0.0, Tier::Medium),
        // Interpolated median of [0, 3] is 1.5.
        ("devlake, interpolated", "devlake", |d| { d.week_start = WeekStart::Sunday; d.frequency_summary = Statistic::Median; }, march, 1.5, Tier::High),
        // fourkeys: [0, 3] → 1.5, not "Daily" (3); weeks with a deployment
        // [0, 1] → 0.5, not "Weekly"; both weeks start in March, which had
        // one deployment week: [1, 1] → 1, "Monthly".
        ("fourkeys", "fourkeys", keep, march, 1.5, Tier::Medium),
        // Monday weeks [0, 1, 2] → 1; weeks with one [0, 1, 1] → 1: "Weekly".
        ("fourkeys on Monday weeks", "fourkeys", monday, march, 1.0, Tier::High),
        // 13 weeks, 3 with one day: median 0. Months [1, 1, 1] → medium,
        // where 0.23 a week (the old 12/52 rule) would have been low.
        ("devlake, monthly deployments", "devlake", keep, quarter, 0.0, Tier::Medium),
        // Months [1, 0, 0]: lower median 0, low.
        ("devlake, one month of three", "devlake", keep, only_january, 0.0, Tier::Low),
        // fourkeys counts per week the deployment weeks of the week's month:
        // December 0 (one week), then 1 for the twelve weeks of January to
        // March: median 1, "Monthly".
        ("fourkeys, monthly deployments", "fourkeys", keep, quarter, 0.0, Tier::Medium),
        // Every day for two weeks from Friday 1 March: Sunday weeks (25 Feb,
        // 3 Mar, 10 Mar) hold 2, 7, 5 days: median 5 ≥ 3, "Daily".
        ("fourkeys, daily", "fourkeys", interpolated, fortnight, 5.0, Tier::Elite),
        // Monday weeks (26 Feb, 4 Mar, 11 Mar) hold 3, 7, 4: lower median 4
        // < 7, high.
        ("devlake, daily", "devlake", keep, fortnight, 4.0, Tier::High),
    ];
    for (name, preset_name, edit, (days, start, end), figure, tier) in cases {
        let def = definition(preset_name, edit);
        let keys = keys_of_days(&def, days, start, end);
        assert_eq!((keys.deployment_frequency, keys.tiers.deployment_frequency), (figure, tier), "{name}");
    }
}

fn commit(sha: &str, authored: Timestamp, deployed: Timestamp) -> Commit {
    Commit {
        sha: sha.into(),
        service: "api".into(),
        authored: Some(authored),
        deployed: Some(deployed),
        deployment_id: Some("d0".into()),
    }
}

fn incident(id: &str, created: Timestamp, minutes: i64) -> Incident {
    Incident {
        id: id.into(),
        service: "api".into(),
        created,
        resolved: Some(created + SignedDuration::from_mins(minutes)),
        severity: None,
        root_cause_commit: None,
        deployment_id: None,
    }
}

#[test]
fn lead_times_under_the_minimum_and_restores_in_whole_hours() {
    let deployed = at("2024-03-12T12:00:00Z");
    let (start, end) = (at("2024-03-01T00:00:00Z"), at("2024-03-31T00:00:00Z"));
    // Lead times of 30 seconds (an automated push), 0, 10.5 and 20 minutes.
    let commits = vec![
        commit("push", deployed - SignedDuration::from_secs(30), deployed),
        commit("same", deployed, deployed),
        commit("a", deployed - SignedDuration::from_secs(630), deployed),
        commit("b", deployed - SignedDuration::from_mins(20), deployed),
    ];
    // Times to restore of 59, 61 and 150 minutes: 0, 1 and 2 whole hours.
    let incidents = vec![
        incident("i1", at("2024-03-13T00:00:00Z"), 59),
        incident("i2", at("2024-03-14T00:00:00Z"), 61),
        incident("i3", at("2024-03-15T00:00:00Z"), 150),
    ];
    let deployments = vec![deployment(0, deployed)];
    let events =
        DeliveryEvents { deployments: &deployments, commits: &commits, pull_requests: &[], incidents: &incidents };
    type Edit = fn(&mut MetricDefinition);
    #[rustfmt::skip]
    let cases: [(&str, Edit, (usize, f64), f64); 6] = [
        // Whole minutes [0, 0, 10, 20], above 0: [10, 20] → 15; restores
        // [0, 60, 120] minutes → 60.
        ("fourkeys", |_| {}, (2, 15.0), 60.0),
        // [0, 0, 10, 20] → 5.
        ("keeping short lead times", |d| d.lead_time_minimum_minutes = 0, (4, 5.0), 60.0),
        // [0, 0.5, 10.5, 20] → 5.5.
        ("keeping them, exact", |d| { d.lead_time_minimum_minutes = 0; d.lead_time_rounding = Rounding::Exact; }, (4, 5.5), 60.0),
        // [10.5, 20] → 15.25.
        ("exact lead times", |d| d.lead_time_rounding = Rounding::Exact, (2, 15.25), 60.0),
        // [59, 61, 150] → 61.
        ("exact restores", |d| d.restore_rounding = Rounding::Exact, (2, 15.0), 61.0),
        // A 15-minute minimum keeps only 20.
        ("a longer minimum", |d| d.lead_time_minimum_minutes = 15, (1, 20.0), 60.0),
    ];
    for (name, edit, (samples, lead_time), restore) in cases {
        let def = definition("fourkeys", edit);
        let keys = four_keys(&events, &def, start, end);
        assert_eq!((keys.lead_time_samples, keys.lead_time_minutes), (samples, Some(lead_time)), "{name}");
        assert_eq!(keys.time_to_restore_minutes, Some(restore), "{name}");
    }
    // A single 59-minute incident restores in 0 whole hours.
    let one = [incident("i1", at("2024-03-13T00:00:00Z"), 59)];
    let keys =
        four_keys(&DeliveryEvents { incidents: &one, ..events }, &preset("fourkeys").expect("preset"), start, end);
    assert_eq!(keys.time_to_restore_minutes, Some(0.0));
}

#[test]
fn benchmark_boundaries_as_the_dashboards_write_them() {
    let hours = |h: f64| h * 60.0;
    let fourkeys = Benchmark::fourkeys_2019();
    let dora = Benchmark::dora_2023();
    let cfr = fourkeys.change_failure_rate.as_ref().expect("fourkeys buckets change failure rate");
    let dora_cfr = dora.change_failure_rate.as_ref().expect("2023 has change failure tiers");
    #[rustfmt::skip]
    let cases: [(&str, &tl_engine::delivery::Ladder, f64, Tier); 16] = [
        // fourkeys: `< 24` hours "One day", `< 168` "One week", `< 730` "One month".
        ("fourkeys lead time just under a day", &fourkeys.lead_time, hours(24.0) - 1.0, Tier::Elite),
        ("fourkeys lead time of a day", &fourkeys.lead_time, hours(24.0), Tier::High),
        ("fourkeys lead time of a week", &fourkeys.lead_time, hours(168.0), Tier::Medium),
        ("fourkeys lead time of 730 hours", &fourkeys.lead_time, hours(730.0), Tier::Low),
        ("fourkeys restore of 729 hours", &fourkeys.time_to_restore, hours(729.0), Tier::Medium),
        // `<= .15` "0-15%", `< .46` "16-45%", else "46-60%".
        ("fourkeys 15%", cfr, 0.15, Tier::Elite),
        ("fourkeys 16%", cfr, 0.16, Tier::Medium),
        ("fourkeys 45.9%", cfr, 0.459, Tier::Medium),
        ("fourkeys 46%", cfr, 0.46, Tier::Low),
        // DevLake's 2023 report: `< 24*60` elite, `< 7*24*60` high, `< 30*24*60` medium.
        ("dora-2023 lead time of a day", &dora.lead_time, hours(24.0), Tier::High),
        ("dora-2023 lead time of 30 days", &dora.lead_time, hours(720.0), Tier::Low),
        // `< 60` elite, `< 24*60` high.
        ("dora-2023 restore of an hour", &dora.time_to_restore, 60.0, Tier::High),
        ("dora-2023 restore of 59 minutes", &dora.time_to_restore, 59.0, Tier::Elite),
        // `<= .05`, `<= .10`, `<= .15`.
        ("dora-2023 5%", dora_cfr, 0.05, Tier::Elite),
        ("dora-2023 15%", dora_cfr, 0.15, Tier::Medium),
        ("dora-2023 15.1%", dora_cfr, 0.151, Tier::Low),
    ];
    for (name, ladder, value, tier) in cases {
        assert_eq!(ladder.classify(value), tier, "{name}");
    }
    assert_eq!(fourkeys.deployment_frequency.reported[3], "Yearly");
    assert_eq!(preset("fourkeys").expect("preset").benchmark, fourkeys);
    let years: Vec<u16> = Benchmark::all().iter().map(|b| b.report_year).collect();
    assert_eq!(years, [2019, 2023, 2024]);
}

#[test]
fn windows_of_days_and_calendar_months() {
    use tl_engine::delivery::Window;
    #[rustfmt::skip]
    let cases = [
        // fourkeys: midnight of `DATE_SUB(CURRENT_DATE(), INTERVAL 3 MONTH)`.
        (Window::CalendarMonths(3), "2024-05-15T15:30:00Z", "2024-02-15T00:00:00Z"),
        // The month's last day when the day does not exist: 31 May → 29 Feb.
        (Window::CalendarMonths(3), "2024-05-31T08:00:00Z", "2024-02-29T00:00:00Z"),
        (Window::CalendarMonths(1), "2024-03-31T00:00:00Z", "2024-02-29T00:00:00Z"),
        (Window::Days(90), "2024-05-15T15:30:00Z", "2024-02-15T15:30:00Z"),
    ];
    for (window, end, start) in cases {
        assert_eq!(window.start(at(end)), at(start), "{window:?} ending {end}");
    }
    assert_eq!(preset("fourkeys").expect("preset").window, Window::CalendarMonths(3));
    assert_eq!((Window::CalendarMonths(3).label(), Window::Days(28).label()), ("3mo".into(), "28d".into()));
    // A report's window is the definition's.
    let def = preset("fourkeys").expect("preset");
    let events = DeliveryEvents { deployments: &[], commits: &[], pull_requests: &[], incidents: &[] };
    let r =
        tl_engine::delivery::report(&events, &def, at("2024-05-31T08:00:00Z"), tl_engine::delivery::GroupBy::Service);
    assert_eq!(r.start, at("2024-02-29T00:00:00Z"));
}
