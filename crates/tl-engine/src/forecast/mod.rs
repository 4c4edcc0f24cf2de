//! Monte Carlo forecasts (work in progress).
