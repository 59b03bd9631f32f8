//! `portoser check` on hostile playbooks (deep nesting at and beyond the limits, huge files)
//! returns with diagnostics on a 2 MiB thread stack, the size of a test thread.

#[path = "hostile/pipeline.rs"]
mod pipeline;

#[test]
fn the_whole_pipeline_survives_hostile_playbooks_on_a_2_mib_stack() {
    let worker = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(pipeline::run_all)
        .expect("spawn");
    if let Err(e) = worker.join() {
        std::panic::resume_unwind(e);
    }
}
