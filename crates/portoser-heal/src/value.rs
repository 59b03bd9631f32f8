//! Values at run time: what a rule's expressions evaluate to once facts are observed. The
//! language has one value model, the checker's ([`portoser_check::value`]); only run time
//! produces [`Value::Process`] (an observed `port_owner`).

pub use portoser_check::value::{Process, Value};
