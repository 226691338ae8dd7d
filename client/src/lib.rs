//! Typed Rust client for helmd.
