//! Checker tests: one module per family of checks, plus the stdlib and speed tests.

mod support;

mod codes;
mod engines;
mod files;
mod fixtures;
mod secrets;
mod snapshots;
mod speed;
mod stdlib;
