//! End-to-end tests against the real helmd binary live in `tests/` (one test binary, `e2e`);
//! this library is intentionally empty.
