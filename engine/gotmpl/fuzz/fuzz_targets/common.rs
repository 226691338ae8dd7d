//! Shared setup of the gotmpl fuzz targets: a small function registry.

use std::sync::Arc;

use helmd_gotmpl::{Arity, FuncError, FuncMap, Limits, MissingKey, Options, Templates};
use helmd_yaml::Value;

/// A template set with a few functions, including recursive `include`.
pub fn templates(limits: Limits) -> Templates {
    let mut funcs = FuncMap::new();
    funcs.insert("include", Arity::Exact(2), |cx, a| {
        let name = a[0].as_str().unwrap_or_default().to_string();
        cx.execute_template(&name, &a[1])
            .map(Value::from)
            .map_err(|e| FuncError::Template { prefix: String::new(), error: Box::new(e) })
    });
    funcs.insert("tpl", Arity::Exact(2), |cx, a| {
        let text = a[0].as_str().unwrap_or_default().to_string();
        cx.execute_text("gotpl", &text, &a[1])
            .map(Value::from)
            .map_err(|e| FuncError::Template { prefix: String::new(), error: Box::new(e) })
    });
    funcs.insert("list", Arity::AtLeast(0), |_, a| Ok(Value::list(a.to_vec())));
    funcs.insert("fail", Arity::Exact(1), |_, _| Err(FuncError::Message("fail".into())));
    let options = Options { missing_key: MissingKey::Zero, limits, ..Options::default() };
    Templates::new(Arc::new(funcs), options)
}
