//! The helmd-yaml error type: YAML/JSON parse and conversion failures.

/// Errors produced while parsing or emitting YAML and JSON.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum Error {
    /// The YAML text is malformed; the message follows go-yaml's wording where known.
    #[error("yaml: {0}")]
    Yaml(String),
    /// The YAML parsed but cannot become JSON (sigs.k8s.io/yaml's conversion step).
    #[error("error converting YAML to JSON: {0}")]
    YamlToJson(String),
    /// The JSON text is malformed or has the wrong shape (Go encoding/json wording).
    #[error("{0}")]
    Json(String),
    /// A value cannot be marshalled (for example NaN or +Inf in JSON).
    #[error("json: unsupported value: {0}")]
    Unsupported(String),
    /// A type has no JSON or YAML form (`complex128`).
    #[error("json: unsupported type: {0}")]
    UnsupportedType(String),
    /// The document's top level is not what the caller asked for.
    #[error(
        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {found} into Go value of type {want}"
    )]
    WrongType {
        /// JSON kind found (`array`, `string`, `number`, `bool`).
        found: &'static str,
        /// Go type wanted, such as `map[string]interface {}`.
        want: &'static str,
    },
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;
