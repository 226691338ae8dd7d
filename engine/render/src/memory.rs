//! The render memory budget on Helm's and Sprig's functions: the ones that
//! print, serialize or copy their arguments whole check the room left before
//! they build their result (helmd-gotmpl charges what they return, shallowly);
//! the ones that build new nested values (parsers, splitters, deep copies)
//! are charged for the whole result, not only its top level.

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

/// Functions whose result is new all the way down (nothing shared with
/// other values), so its nested parts are charged too.
const FRESH: &[&str] = &[
    "lookup",
    "fromYaml",
    "fromYamlArray",
    "fromJson",
    "fromJsonArray",
    "mustFromJson",
    "fromToml",
    "deepCopy",
    "mustDeepCopy",
    "split",
    "splitList",
    "splitn",
    "regexFindAll",
    "mustRegexFindAll",
    "regexSplit",
    "mustRegexSplit",
    "toStrings",
    "sortAlpha",
];

/// A function wrapped with budget checks.
struct Guarded {
    func: Arc<dyn Function>,
    /// Check room for the printed arguments first.
    printing: bool,
    /// Charge the whole result afterwards.
    fresh: bool,
}

impl Function for Guarded {
    fn call(&self, cx: &mut CallContext<'_>, args: &[Value]) -> FuncResult {
        if self.printing {
            cx.ensure_room_for(args, 0)?;
        }
        let result = self.func.call(cx, args)?;
        if self.fresh {
            let over = cx.memory_room().saturating_add(1);
            let size = helmd_gotmpl::approx_size(&result, over).unwrap_or(over);
            cx.charge(size)?;
        }
        Ok(result)
    }
}

/// Wraps the [`PRINTING`] and [`FRESH`] functions with their budget checks.
pub(crate) fn guard(f: &mut FuncMap) {
    let names: std::collections::BTreeSet<&str> =
        PRINTING.iter().chain(FRESH.iter()).copied().collect();
    for name in names {
        if let Some(def) = f.get(name).cloned() {
            let func = Arc::new(Guarded {
                func: def.func,
                printing: PRINTING.contains(&name),
                fresh: FRESH.contains(&name),
            });
            f.insert_def(name, FuncDef { func, ..def });
        }
    }
}

/// What a list of `n` items costs (its slots).
pub(crate) fn list_cost(n: usize) -> usize {
    n.saturating_mul(std::mem::size_of::<Value>())
}
