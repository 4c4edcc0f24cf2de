//! Portfolio optimization (work in progress).
