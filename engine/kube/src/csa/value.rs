//! JSON values compared and printed the way Go's patch libraries see them: every
//! number a float64, equality as `reflect.DeepEqual`, and a scalar's text as `%v`
//! (what merge keys and scalar lists are sorted by).

use serde_json::Value;

/// Whether two values have the same Go type (map, slice, string, float64, bool, nil).
pub(crate) fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// `reflect.DeepEqual` of two decoded JSON values (numbers compared as float64).
pub(crate) fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| deep_equal(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        _ => a == b,
    }
}

/// Go's `fmt.Sprintf("%v", v)` of a decoded JSON scalar.
pub(crate) fn go_string(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) => go_float(f),
            None => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// A float64 as `%v` prints it: shortest digits, an exponent below 1e-4 and from 1e21.
fn go_float(f: f64) -> String {
    let magnitude = f.abs();
    if f == 0.0 || (1e-4..1e21).contains(&magnitude) {
        return format!("{f}");
    }
    let text = format!("{f:e}");
    match text.split_once('e') {
        Some((mantissa, exponent)) => {
            let (sign, digits) = match exponent.strip_prefix('-') {
                Some(digits) => ('-', digits),
                None => ('+', exponent),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_compare_and_print_as_go_float64s() {
        assert!(deep_equal(&json!(1), &json!(1.0)));
        assert!(deep_equal(&json!({"a": [1, 2]}), &json!({"a": [1.0, 2.0]})));
        assert!(!deep_equal(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(!same_type(&json!("1"), &json!(1)));
        assert_eq!(go_string(&json!(8080)), "8080");
        assert_eq!(go_string(&json!(0.5)), "0.5");
        assert_eq!(go_string(&json!(1e21)), "1e+21");
        assert_eq!(go_string(&json!(0.00001)), "1e-05");
        assert_eq!(go_string(&json!(null)), "<nil>");
    }
}
