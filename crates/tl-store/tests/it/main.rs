//! The store's contract tests: each runs against SQLite and, when
//! `DATABASE_URL` is set, against PostgreSQL (see `support`).

mod auth;
mod concurrency;
mod events;
mod live;
mod migrations;
mod plan;
mod support;
mod work_items;
