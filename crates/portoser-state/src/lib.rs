//! portoser-state
