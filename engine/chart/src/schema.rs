//! `values.schema.json`: the coalesced values of a chart and of each subchart
//! (its section) validated against their schemas, with Helm's error text
//! (`<chart>:` then one `- at '<pointer>': <problem>` line per violation).

use std::fmt::Write;

use helmd_yaml::Value;

use crate::chart::Chart;
use crate::coalesce::{Table, table};
use crate::error::{Error, Result};

/// Helm's `ValidateAgainstSchema` over the chart tree; the error carries Helm's
/// `values don't meet the specifications...` text.
pub fn validate_values(chart: &Chart, values: &Table) -> Result<()> {
    let mut out = String::new();
    validate_into(chart, values, &mut out);
    if out.is_empty() {
        return Ok(());
    }
    Err(Error::Schema(format!(
        "values don't meet the specifications of the schema(s) in the following chart(s):\n{out}"
    )))
}

/// Helm's `ValidateAgainstSingleSchema`: one schema, one table of values; the
/// error is the bare list of violations (`- at '<pointer>': <problem>` lines).
pub fn validate_against_schema(schema: &[u8], values: &Table) -> std::result::Result<(), String> {
    validate_one(schema, values)
}

fn validate_into(chart: &Chart, values: &Table, out: &mut String) {
    if let Some(Err(e)) = chart.schema.as_ref().map(|s| validate_one(s, values)) {
        let _ = write!(out, "{}:\n{e}", chart.name());
    }
    for sub in &chart.dependencies {
        let Some(raw) = values.get(sub.name()) else {
            continue;
        };
        if raw.is_nil() {
            continue;
        }
        match table(raw) {
            Some(t) => validate_into(sub, &t, out),
            None => {
                let _ = write!(
                    out,
                    "{}:\ninvalid type for values: expected object (map), got {}\n",
                    sub.name(),
                    raw.type_name()
                );
            }
        }
    }
}

/// Values as JSON for the validator (numbers stay float64 as Helm has them).
fn to_json(v: &Value) -> serde_json::Value {
    let text = helmd_yaml::to_json(v).unwrap_or_else(|_| "null".into());
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

fn validate_one(schema: &[u8], values: &Table) -> std::result::Result<(), String> {
    let compiled = crate::schema_cache::compiled(schema, compile)?;
    let instance = to_json(&Value::map(values.clone()));
    match compiled.schemas.validate(&instance, compiled.index) {
        Ok(()) => Ok(()),
        Err(e) => {
            let mut text = String::new();
            render(&e, 0, &mut text);
            Err(text)
        }
    }
}

/// A compiled `values.schema.json`.
pub(crate) struct Compiled {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

/// [`compile`] for the cache's tests.
#[cfg(test)]
pub(crate) fn compile_for_tests(schema: &[u8]) -> std::result::Result<Compiled, String> {
    compile(schema)
}

/// Parses and compiles a schema document (boon), with Helm's error texts.
fn compile(schema: &[u8]) -> std::result::Result<Compiled, String> {
    let doc: serde_json::Value = serde_json::from_slice(schema).map_err(|e| {
        // Go's encoding/json words a truncated document this way.
        if e.classify() == serde_json::error::Category::Eof {
            "unexpected EOF".to_string()
        } else {
            e.to_string()
        }
    })?;
    let url = "file:///values.schema.json";
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.use_loader(Box::new(NoLoader));
    compiler.add_resource(url, doc).map_err(|e| e.to_string())?;
    let index = compiler
        .compile(url, &mut schemas)
        .map_err(|e| compile_error(&e))?;
    Ok(Compiled { schemas, index })
}

/// A compile error in Helm's words where they differ: a reference that was not
/// loaded is jsonschema's `failing loading "URL": CAUSE`.
fn compile_error(e: &boon::CompileError) -> String {
    match e {
        boon::CompileError::LoadUrlError { url, src } => {
            format!("failing loading {}: {src}", helmd_gotmpl::go_quote(url))
        }
        other => other.to_string(),
    }
}

/// Whether boon reported one failing `allOf` branch without its `allOf` error
/// (Helm's validator always shows `'allOf' failed` above it).
fn bare_all_of_branch(e: &boon::ValidationError) -> bool {
    let Some((head, index)) = e.schema_url.rsplit_once('/') else {
        return false;
    };
    head.ends_with("/allOf") && index.chars().all(|c| c.is_ascii_digit())
}

/// References to other documents: Helm 4.3 fetches `http(s):` URLs over the
/// network (15 s timeout, proxy from the environment), reads `file:` URLs from the
/// local disk (a relative `$ref` resolves against `file:///values.schema.json`, so
/// `defs.json` is `/defs.json`), answers `urn:` with a permissive schema and the
/// JSON Schema meta-schemas from memory. helmd renders charts from callers, so it
/// reads nothing from its own disk or the network: `urn:` is answered as Helm
/// answers it (the meta-schemas are boon's own), every other reference fails
/// in jsonschema's frame, `failing loading "URL": …`, naming why.
struct NoLoader;

impl boon::UrlLoader for NoLoader {
    fn load(
        &self,
        url: &str,
    ) -> std::result::Result<serde_json::Value, Box<dyn std::error::Error>> {
        if url.starts_with("urn:") {
            return Ok(serde_json::Value::Bool(true));
        }
        Err("helmd does not load schema references from the network or disk".into())
    }
}

/// One `- at '<pointer>': <problem>` line per leaf, nested causes indented; a
/// `$ref` adds no line of its own (jsonschema v6 shows the referenced schema's
/// errors in its place).
fn render(e: &boon::ValidationError, depth: usize, out: &mut String) {
    let is_group = matches!(
        e.kind,
        boon::ErrorKind::Group | boon::ErrorKind::Schema { .. } | boon::ErrorKind::Reference { .. }
    );
    if is_group && !e.causes.is_empty() {
        for c in &e.causes {
            render_cause(c, depth, out);
        }
        return;
    }
    let _ = writeln!(
        out,
        "{}- at '{}': {}",
        "  ".repeat(depth),
        e.instance_location,
        message(&e.kind)
    );
    let nested = !matches!(e.kind, boon::ErrorKind::AllOf);
    for c in &e.causes {
        if nested {
            render_cause(c, depth + 1, out);
        } else {
            render(c, depth + 1, out);
        }
    }
}

/// [`render`], restoring the `allOf` level boon leaves out for a single failing branch.
fn render_cause(e: &boon::ValidationError, depth: usize, out: &mut String) {
    if bare_all_of_branch(e) {
        let _ = writeln!(
            out,
            "{}- at '{}': 'allOf' failed",
            "  ".repeat(depth),
            e.instance_location
        );
        render(e, depth + 1, out);
    } else {
        render(e, depth, out);
    }
}

/// A number as Helm's validator prints it: Go's `%v` of a float64 through
/// golang.org/x/text's printer (`70,000`, `1.234567×10⁰⁶`, `1×10⁻⁰⁵`).
fn number(n: &serde_json::Number) -> String {
    let f = n.as_f64().unwrap_or_default();
    let go = helmd_gotmpl::fmt::format_v(&Value::Float(f), false);
    let (mantissa, exponent) = match go.split_once('e') {
        Some((m, e)) => (m.to_string(), Some(e.to_string())),
        None => (go, None),
    };
    let (sign, digits) = match mantissa.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", mantissa.as_str()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let mut out = format!("{sign}{grouped}");
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if let Some(e) = exponent {
        out.push_str("×10");
        for c in e.chars() {
            out.push(match c {
                '-' => '⁻',
                '0' => '⁰',
                '1' => '¹',
                '2' => '²',
                '3' => '³',
                '4' => '⁴',
                '5' => '⁵',
                '6' => '⁶',
                '7' => '⁷',
                '8' => '⁸',
                '9' => '⁹',
                _ => continue,
            });
        }
    }
    out
}

fn quoted<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| format!("'{}'", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A JSON value in a message: strings quoted, numbers as [`number`], null as `<nil>`.
fn json_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => format!("'{s}'"),
        serde_json::Value::Number(n) => number(n),
        serde_json::Value::Null => "<nil>".into(),
        other => other.to_string(),
    }
}

/// The problem text santhosh-tekuri/jsonschema v6 (Helm's validator) prints.
fn message(kind: &boon::ErrorKind) -> String {
    use boon::ErrorKind as K;
    match kind {
        K::Type { got, want } => {
            let want: Vec<String> = want.iter().map(|t| t.to_string()).collect();
            format!("got {got}, want {}", want.join(" or "))
        }
        K::Required { want } => {
            if want.len() == 1 {
                format!("missing property {}", quoted(want))
            } else {
                format!("missing properties {}", quoted(want))
            }
        }
        K::AdditionalProperties { got } => {
            let names: Vec<&str> = got.iter().map(|s| s.as_ref()).collect();
            format!("additional properties {} not allowed", quoted(&names))
        }
        K::Minimum { got, want } => format!("minimum: got {}, want {}", number(got), number(want)),
        K::Maximum { got, want } => format!("maximum: got {}, want {}", number(got), number(want)),
        K::ExclusiveMinimum { got, want } => format!(
            "exclusiveMinimum: got {}, want {}",
            number(got),
            number(want)
        ),
        K::ExclusiveMaximum { got, want } => format!(
            "exclusiveMaximum: got {}, want {}",
            number(got),
            number(want)
        ),
        K::MultipleOf { got, want } => {
            format!("multipleOf: got {}, want {}", number(got), number(want))
        }
        K::MinLength { got, want } => format!("minLength: got {got}, want {want}"),
        K::MaxLength { got, want } => format!("maxLength: got {got}, want {want}"),
        K::MinItems { got, want } => format!("minItems: got {got}, want {want}"),
        K::MaxItems { got, want } => format!("maxItems: got {got}, want {want}"),
        K::MinProperties { got, want } => format!("minProperties: got {got}, want {want}"),
        K::MaxProperties { got, want } => format!("maxProperties: got {got}, want {want}"),
        K::Pattern { got, want } => format!("'{got}' does not match pattern '{want}'"),
        K::Enum { want } => {
            if want.len() == 1 {
                format!("value must be {}", json_value(&want[0]))
            } else {
                let all: Vec<String> = want.iter().map(json_value).collect();
                format!("value must be one of {}", all.join(", "))
            }
        }
        K::Const { want } => format!("value must be {}", json_value(want)),
        K::Format { got, want, .. } => format!("{} is not valid {want}", json_value(got)),
        K::UniqueItems { got } => format!("items at {} and {} are equal", got[0], got[1]),
        K::FalseSchema => "false schema".into(),
        K::Not => "'not' failed".into(),
        K::AllOf => "'allOf' failed".into(),
        K::AnyOf => "'anyOf' failed".into(),
        K::OneOf(None) => "'oneOf' failed, none matched".into(),
        K::OneOf(Some((a, b))) => format!("'oneOf' failed, subschemas {a}, {b} matched"),
        K::DependentRequired { prop, missing } | K::Dependency { prop, missing } => {
            format!(
                "properties {} required, if '{prop}' exists",
                quoted(missing)
            )
        }
        K::PropertyName { prop } => format!("invalid propertyName '{prop}'"),
        other => other.to_string(),
    }
}
