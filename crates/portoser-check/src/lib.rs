//! portoser-check
