//! The render memory budget on Helm's and Sprig's functions: the ones that
//! print, serialize or copy their arguments whole check the room left before
//! they build their result (helmd-gotmpl charges what they return).

use std::sync::Arc;

use helmd_gotmpl::{CallContext, FuncDef, FuncMap, FuncResult, Function};
use helmd_yaml::Value;

/// Functions whose result is about as large as their arguments printed.
const PRINTING: &[&str] = &[
    "toYaml",
    "toYamlPretty",
    "mustToYaml",
    "toJson",
    "mustToJson",
    "toPrettyJson",
    "mustToPrettyJson",
    "toRawJson",
    "mustToRawJson",
    "toToml",
    "toString",
    "toStrings",
    "join",
    "cat",
    "quote",
    "squote",
    "deepCopy",
    "mustDeepCopy",
    "sortAlpha",
    "b64enc",
    "b32enc",
    "htpasswd",
];

/// A function that checks the budget for its printed arguments first.
struct Printing(Arc<dyn Function>);

impl Function for Printing {
    fn call(&self, cx: &mut CallContext<'_>, args: &[Value]) -> FuncResult {
        cx.ensure_room_for(args, 0)?;
        self.0.call(cx, args)
    }
}

/// Wraps every registered [`PRINTING`] function with the budget check.
pub(crate) fn guard(f: &mut FuncMap) {
    for name in PRINTING {
        if let Some(def) = f.get(name).cloned() {
            f.insert_def(
                name,
                FuncDef {
                    func: Arc::new(Printing(def.func)),
                    ..def
                },
            );
        }
    }
}

/// What a list of `n` items costs (its slots).
pub(crate) fn list_cost(n: usize) -> usize {
    n.saturating_mul(std::mem::size_of::<Value>())
}
