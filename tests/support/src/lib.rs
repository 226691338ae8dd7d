//! Test support: throwaway Postgres, the real helmd binary on port 0, health waits.
