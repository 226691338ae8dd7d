//! End-to-end tests against the real helmd binary.
