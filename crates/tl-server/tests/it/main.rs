//! The server end to end through its router (no socket): roles, errors,
//! the API's views, the pages, the OpenAPI snapshot, and two instances on one
//! PostgreSQL database when `DATABASE_URL` is set.

mod api;
mod auth;
mod events;
mod delivery;
mod multi;
mod ops;
mod pages;
mod revisions;
mod support;
mod web;
