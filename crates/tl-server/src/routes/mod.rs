//! The JSON API, one module per resource, each with its own `router()`.
//! Handlers are thin: parse (the extractors in `extract` and `auth`), call
//! the store, `tl-app` or `views`, and map the result to a DTO.

pub mod admin;
pub mod delivery;
pub mod delivery_metrics;
pub mod events;
pub mod okrs;
pub mod ops;
pub mod plan;
pub mod register;
pub mod revisions;
pub mod session;
pub mod teams;

use crate::state::AppState;
use axum::Router;

/// Every API route (under `/api`) and the operational ones.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(plan::router())
        .merge(teams::router())
        .merge(okrs::router())
        .merge(delivery::router())
        .merge(events::router())
        .merge(delivery_metrics::router())
        .merge(register::router())
        .merge(revisions::router())
        .merge(admin::router())
        .merge(session::router())
        .merge(ops::router())
}

/// Today's date (UTC): what "late" is measured against.
pub fn today() -> jiff::civil::Date {
    jiff::tz::Offset::UTC.to_datetime(jiff::Timestamp::now()).date()
}
