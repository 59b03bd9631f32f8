//! The same as `hostile.rs`, on the process's main thread (no test harness: libtest runs
//! tests on threads of its own), where the CLI runs.

#[path = "hostile/pipeline.rs"]
mod pipeline;

fn main() {
    pipeline::run_all();
    println!("1 passed, 0 failed");
}
