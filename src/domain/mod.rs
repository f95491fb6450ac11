//! Pure rules of quality control: no I/O, no database, no HTTP.
//!
//! Everything here is a function of its inputs, so it carries most of the
//! unit tests, each checked against a published source.

pub mod access;
pub mod colorimetry;
pub mod inference;
pub mod run_rules;
pub mod sampling;
pub mod stats;
pub mod template;
