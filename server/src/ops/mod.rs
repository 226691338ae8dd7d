//! Operations running in this process: one per release at a time (a second
//! mutating call is refused with RELEASE_LOCKED naming the operation that holds
//! it), each streaming its events — `started` first, `finished` last — to the
//! caller. An operation runs to its end even when its caller goes away, so a
//! release is never left half-changed by a dropped connection.

mod stream;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use stream::{OperationSpec, start};

use crate::error::{Error, Result};

/// The releases that have an operation running here, and which one.
#[derive(Debug, Default, Clone)]
pub struct Locks {
    held: Arc<Mutex<HashMap<(String, String), String>>>,
}

/// Holds a release until dropped.
#[derive(Debug)]
pub struct LockGuard {
    held: Arc<Mutex<HashMap<(String, String), String>>>,
    key: (String, String),
}

impl Locks {
    /// Takes the release for operation `id`, or says which operation holds it.
    pub fn acquire(&self, namespace: &str, name: &str, id: &str) -> Result<LockGuard> {
        let key = (namespace.to_owned(), name.to_owned());
        let mut held = match self.held.lock() {
            Ok(h) => h,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(holder) = held.get(&key) {
            return Err(Error::ReleaseLocked {
                namespace: namespace.to_owned(),
                name: name.to_owned(),
                operation_id: holder.clone(),
            });
        }
        held.insert(key.clone(), id.to_owned());
        Ok(LockGuard {
            held: self.held.clone(),
            key,
        })
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let mut held = match self.held.lock() {
            Ok(h) => h,
            Err(poisoned) => poisoned.into_inner(),
        };
        held.remove(&self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_operation_on_a_release_is_refused_until_the_first_ends() {
        let locks = Locks::default();
        let first = locks.acquire("ns", "web", "op-1").expect("free");
        match locks.acquire("ns", "web", "op-2") {
            Err(Error::ReleaseLocked { operation_id, .. }) => assert_eq!(operation_id, "op-1"),
            other => panic!("expected locked, got {other:?}"),
        }
        assert!(locks.acquire("other", "web", "op-3").is_ok());
        drop(first);
        assert!(locks.acquire("ns", "web", "op-4").is_ok());
    }
}
