//! What a key result or team metric bound to delivery events measures: one
//! of the four keys, a part of the PR cycle time, or review velocity, over a
//! time range under a definition, converted to the unit the plan states.

use jiff::Timestamp;

use super::definition::MetricDefinition;
use super::keys::{DeliveryEvents, cycle_times, four_keys};
use super::stats::{span_minutes, summarize};
use crate::model::{DeliveryKey, MeasureUnit};

/// The natural kind of a key's value, which decides its units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// Minutes.
    Duration,
    /// Per week.
    Rate,
    /// A fraction, 0-1.
    Share,
}

pub fn quantity(key: DeliveryKey) -> Quantity {
    match key {
        DeliveryKey::DeploymentFrequency => Quantity::Rate,
        DeliveryKey::ChangeFailureRate => Quantity::Share,
        _ => Quantity::Duration,
    }
}

/// The unit used when the plan names none.
pub fn default_unit(key: DeliveryKey) -> MeasureUnit {
    match quantity(key) {
        Quantity::Duration => MeasureUnit::Hours,
        Quantity::Rate => MeasureUnit::PerWeek,
        Quantity::Share => MeasureUnit::Percent,
    }
}

/// Whether `unit` can express `key` (hours for a lead time, not percent).
pub fn unit_fits(key: DeliveryKey, unit: MeasureUnit) -> bool {
    let fits = match unit {
        MeasureUnit::Minutes | MeasureUnit::Hours | MeasureUnit::Days => Quantity::Duration,
        MeasureUnit::PerDay | MeasureUnit::PerWeek => Quantity::Rate,
        MeasureUnit::Percent | MeasureUnit::Fraction => Quantity::Share,
    };
    fits == quantity(key)
}

/// A natural value (minutes, per week, fraction) in `unit`.
pub fn convert(value: f64, unit: MeasureUnit) -> f64 {
    match unit {
        MeasureUnit::Minutes | MeasureUnit::PerWeek | MeasureUnit::Fraction => value,
        MeasureUnit::Hours => value / 60.0,
        MeasureUnit::Days => value / (24.0 * 60.0),
        MeasureUnit::PerDay => value / 7.0,
        MeasureUnit::Percent => value * 100.0,
    }
}

/// The value of `key` over `[start, end)` in its natural unit (minutes, per
/// week or a fraction); `None` when the events hold nothing to measure.
/// Incidents must already be attributed (see
/// [`super::keys::attribute_incidents`]).
///
/// Review velocity is the time from a pull request's creation to its merge,
/// over reviewed pull requests merged in the range, summarised with the
/// definition's lead-time statistic: how quickly review turns an open change
/// into a merged one.
pub fn evaluate(
    key: DeliveryKey,
    events: &DeliveryEvents<'_>,
    definition: &MetricDefinition,
    start: Timestamp,
    end: Timestamp,
) -> Option<f64> {
    let statistic = definition.lead_time_statistic;
    match key {
        DeliveryKey::DeploymentFrequency => Some(four_keys(events, definition, start, end).deployment_frequency),
        DeliveryKey::LeadTime => four_keys(events, definition, start, end).lead_time_minutes,
        DeliveryKey::ChangeFailureRate => four_keys(events, definition, start, end).change_failure_rate,
        DeliveryKey::TimeToRestore => four_keys(events, definition, start, end).time_to_restore_minutes,
        DeliveryKey::CycleTime => cycle_times(events.pull_requests, statistic, start, end).cycle,
        DeliveryKey::CodingTime => cycle_times(events.pull_requests, statistic, start, end).coding,
        DeliveryKey::PickupTime => cycle_times(events.pull_requests, statistic, start, end).pickup,
        DeliveryKey::ReviewTime => cycle_times(events.pull_requests, statistic, start, end).review,
        DeliveryKey::DeployTime => cycle_times(events.pull_requests, statistic, start, end).deploy,
        DeliveryKey::ReviewVelocity => {
            let values: Vec<f64> = events
                .pull_requests
                .iter()
                .filter(|pr| pr.first_review.is_some())
                .filter_map(|pr| pr.merged.filter(|m| start <= *m && *m < end).map(|m| span_minutes(pr.created, m)))
                .filter(|m| *m >= 0.0)
                .collect();
            summarize(statistic, &values)
        }
    }
}
