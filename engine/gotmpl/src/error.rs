//! The helmd-gotmpl error type: Go's parse and execution error texts.

/// A template error. `Display` prints Go's exact text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// `template: NAME:LINE: MESSAGE`
    #[error("template: {name}:{line}: {message}")]
    Parse {
        /// Name of the template being parsed.
        name: String,
        /// Line of the offending token.
        line: usize,
        /// Go's message.
        message: String,
    },
    /// `ExecuteTemplate` of a name the set does not have.
    #[error("template: no template {name:?} associated with template {root:?}")]
    NoTemplate {
        /// The name asked for.
        name: String,
        /// The set's root template name.
        root: String,
    },
    /// An execution error (Go's `ExecError`).
    #[error("{0}")]
    Exec(Box<ExecError>),
}

/// Go's execution error, with the parts Helm re-formats.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecError {
    /// Name of the executing template.
    pub template: String,
    /// `parse_name:line:col` of the node, when known.
    pub location: Option<String>,
    /// Go's `String()` of the node.
    pub context: String,
    /// The message after the context, such as `error calling include: ...`.
    pub message: String,
    /// The error a function returned, when this error came from a call.
    pub cause: Option<FuncError>,
}

impl std::fmt::Display for ExecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.location {
            Some(loc) => write!(
                f,
                "template: {loc}: executing {:?} at <{}>: {}",
                self.template, self.context, self.message
            ),
            None => write!(f, "template: {}: {}", self.template, self.message),
        }
    }
}

/// What a template function returns on failure.
#[derive(Debug, Clone, PartialEq)]
pub enum FuncError {
    /// A plain error message (Go's `errors.New`).
    Message(String),
    /// A template error from a nested execution (`include`, `tpl`),
    /// optionally wrapped with a prefix (`error during tpl function execution for "x": `).
    Template {
        /// Text written before the nested error.
        prefix: String,
        /// The nested error.
        error: Box<Error>,
    },
    /// A limit was hit (depth, output size, cancellation); ends execution.
    Limit(String),
}

impl std::fmt::Display for FuncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FuncError::Message(m) | FuncError::Limit(m) => f.write_str(m),
            FuncError::Template { prefix, error } => write!(f, "{prefix}{error}"),
        }
    }
}

impl From<String> for FuncError {
    fn from(s: String) -> Self {
        FuncError::Message(s)
    }
}

impl From<&str> for FuncError {
    fn from(s: &str) -> Self {
        FuncError::Message(s.to_string())
    }
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;
