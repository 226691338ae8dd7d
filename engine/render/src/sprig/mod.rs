//! Sprig's function families, one module each.

mod crypto;
mod random;

/// Registers every Sprig family implemented in this folder.
pub(crate) fn register(f: &mut helmd_gotmpl::FuncMap) {
    crypto::register(f);
    random::register(f);
}
