//! Credentials in redacting newtypes: their Debug and Display print `***`.

use std::fmt;

/// A password or token. Debug and Display print `***`; read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

/// How to authenticate to a registry or repository.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Credentials {
    /// No credentials (for a registry: anonymous token flow if it asks for one).
    #[default]
    Anonymous,
    /// HTTP basic (for a registry: also used to obtain a bearer token when challenged).
    Basic {
        /// User name (not secret).
        username: String,
        /// Password or access token.
        password: Secret,
    },
    /// A bearer token sent as is.
    Bearer(Secret),
    /// A Docker identity token (an OAuth2 refresh token, `identitytoken` in config.json or
    /// a credential helper's `<token>` user), exchanged at the registry's token service
    /// for scoped access tokens. Registries only: HTTP repositories get no credentials.
    IdentityToken(Secret),
}

impl Credentials {
    /// Basic credentials.
    pub fn basic(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        Credentials::Basic {
            username: username.into(),
            password: password.into(),
        }
    }

    /// Whether these are [`Credentials::Anonymous`].
    pub fn is_anonymous(&self) -> bool {
        matches!(self, Credentials::Anonymous)
    }

    pub(crate) fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Credentials::Anonymous => request,
            Credentials::Basic { username, password } => {
                request.basic_auth(username, Some(password.expose()))
            }
            Credentials::Bearer(token) => request.bearer_auth(token.expose()),
            Credentials::IdentityToken(_) => request,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print_their_value() {
        let creds = Credentials::basic("alice", "hunter2");
        let debug = format!("{creds:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("alice") && debug.contains("***"), "{debug}");
        assert_eq!(Secret::new("hunter2").to_string(), "***");
        assert!(!format!("{:?}", Credentials::Bearer("tok".into())).contains("tok"));
    }
}
