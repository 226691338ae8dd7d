//! Helm's actions: install, upgrade, rollback, uninstall and test, one module each.
