//! Tests of the engine's computations against definitions written out the
//! slow, obvious way.

mod definitions;
mod delivery;
mod forecast;
mod model;
mod planning;
mod portfolio;
mod presets;
mod schedule;
mod scoring;
