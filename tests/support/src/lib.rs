//! Test support: throwaway Postgres, the real helmd binary on port 0, health waits.
//!
//! Tests run under cargo-nextest, one process per test. Expensive services are
//! shared across the run when the test runner script exported them
//! (`HELMD_TEST_POSTGRES_URL`), and started privately for the process otherwise;
//! either way each test gets a fresh database.

pub mod binaries;
pub mod helmd;
pub mod hostile;
pub mod http_repo;
pub mod paging_proxy;
pub mod postgres;
pub mod registry;
pub mod token_server;

pub use helmd::{Helmd, HelmdOptions, run_helmd};
pub use postgres::{PostgresServer, fresh_database, shared_postgres};
