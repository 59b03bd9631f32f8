//! portoser-plan
