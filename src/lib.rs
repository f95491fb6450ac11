//! lotcheck: quality-control sampling and inspection for contract manufacturing.

pub mod domain;
pub mod error;
pub mod store;
