//! Resource-constrained scheduling (work in progress).
