//! The server end to end through its router (no socket): roles, errors,
//! the API's views, the pages, the OpenAPI snapshot, and two instances on one
//! PostgreSQL database when `DATABASE_URL` is set.

mod api;
mod auth;
mod cache;
mod delivery;
mod events;
mod multi;
mod ops;
mod pages;
mod pagination;
mod preconditions;
mod revisions;
mod support;
mod web;
