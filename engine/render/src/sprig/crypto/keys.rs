//! placeholder
pub(crate) fn register(_f: &mut helmd_gotmpl::FuncMap) {}
