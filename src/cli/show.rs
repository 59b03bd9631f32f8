//! `portoser show PLAN`: renders a plan saved with `plan --out`, in any plan format. Reads
//! only the file: no project, no state.

use super::Exit;
use super::args::PlanFormat;
use super::output::Output;
use portoser_plan::render;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// A plan saved with `plan --out`
    pub plan: PathBuf,
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
}

pub fn run(args: &ShowArgs, out: &Output) -> Exit {
    let text = match std::fs::read_to_string(&args.plan) {
        Ok(text) => text,
        Err(e) => {
            out.stderr(&format!(
                "error[E0404]: cannot read the plan `{}`: {e}",
                args.plan.display()
            ));
            return Exit::Problems;
        }
    };
    let plan = match portoser_plan::file::load(&text) {
        Ok(plan) => plan,
        Err(e) => {
            out.stderr(&format!("error[E0404]: {e}"));
            return Exit::Problems;
        }
    };
    out.stdout(&match args.format {
        PlanFormat::Human => render::human(&plan, out.color_stdout),
        PlanFormat::Json => render::json(&plan),
        PlanFormat::Markdown => render::markdown(&plan),
    });
    Exit::Ok
}
