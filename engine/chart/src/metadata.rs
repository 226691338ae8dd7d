//! Chart.yaml as a typed `Metadata` (with its `dependencies`), Helm's validation
//! of it, and `.Chart` as templates see it (Go field names).

use std::collections::BTreeMap;

use helmd_gotmpl::fmt::format_v;
use helmd_yaml::{ElemType, Map, Str, Value};

use crate::error::{Error, Result};
use crate::values::values_error;

/// One entry of `dependencies` (Chart.yaml, or requirements.yaml for apiVersion v1).
#[derive(Debug, Clone, Default)]
pub struct Dependency {
    /// `name`; after dependency processing, the alias when one is set.
    pub name: String,
    /// `version`: a semver constraint the subchart's version must satisfy.
    pub version: String,
    /// `repository`.
    pub repository: String,
    /// `condition`: comma-separated values paths, the first that resolves decides.
    pub condition: String,
    /// `tags`.
    pub tags: Vec<String>,
    /// `enabled` (set by dependency processing).
    pub enabled: bool,
    /// `import-values`: strings or `{child, parent}` maps, as written.
    pub import_values: Vec<Value>,
    /// `alias`.
    pub alias: String,
}

/// Chart.yaml's `maintainers` entry.
#[derive(Debug, Clone, Default)]
pub struct Maintainer {
    /// `name`.
    pub name: String,
    /// `email`.
    pub email: String,
    /// `url`.
    pub url: String,
}

/// Chart.yaml.
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    /// `apiVersion` (`v1` when absent, as Helm assumes).
    pub api_version: String,
    /// `name`.
    pub name: String,
    /// `version`.
    pub version: String,
    /// `kubeVersion`: a constraint on the target Kubernetes version.
    pub kube_version: String,
    /// `description`.
    pub description: String,
    /// `type`: empty, `application` or `library`.
    pub chart_type: String,
    /// `keywords`.
    pub keywords: Vec<String>,
    /// `home`.
    pub home: String,
    /// `sources`.
    pub sources: Vec<String>,
    /// `dependencies` (`None` when Chart.yaml has none at all).
    pub dependencies: Option<Vec<Dependency>>,
    /// `maintainers`.
    pub maintainers: Vec<Maintainer>,
    /// Whether `maintainers` lists a null entry (Helm's validation refuses it).
    pub null_maintainer: bool,
    /// `icon`.
    pub icon: String,
    /// `appVersion`.
    pub app_version: String,
    /// `deprecated`.
    pub deprecated: bool,
    /// `annotations` (`None` when absent: Go's nil map).
    pub annotations: Option<BTreeMap<String, String>>,
    /// `condition` (apiVersion v1 leftovers, shown in `.Chart`).
    pub condition: String,
    /// `tags` (apiVersion v1 leftovers, shown in `.Chart`).
    pub tags: String,
}

fn unmarshal_error(file: &str, found: &str, field: &str, want: &str) -> Error {
    Error::Chart(format!(
        "cannot load {file}: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {found} into Go struct field {field} of type {want}"
    ))
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "array",
        Value::Map(_) => "object",
        Value::Bool(_) => "bool",
        Value::String(_) => "string",
        _ => "number",
    }
}

/// Reads Chart.yaml-shaped YAML (`file` names it in errors) field by field.
struct Reader<'a> {
    map: Option<&'a helmd_yaml::MapRef>,
    file: &'a str,
    owner: &'a str,
}

/// A field as Go's encoding/json finds it: keys match case-insensitively and, in
/// the sorted key order sigs.k8s.io/yaml hands them over, the last non-null wins.
fn fold_get(map: &helmd_yaml::MapRef, key: &str) -> Option<Value> {
    map.go_entries()
        .into_iter()
        .filter(|(k, v)| k.eq_ignore_ascii_case(key) && !v.is_nil())
        .map(|(_, v)| v)
        .last()
}

impl Reader<'_> {
    fn get(&self, key: &str) -> Option<Value> {
        self.map
            .and_then(|m| fold_get(m, key))
            .filter(|v| !matches!(v, Value::Nil))
    }

    /// A string field; numbers and booleans are taken as their text (as Helm does for versions).
    fn string(&self, key: &str) -> Result<String> {
        match self.get(key) {
            None => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.to_string()),
            Some(v @ (Value::List(_) | Value::Map(_))) => Err(unmarshal_error(
                self.file,
                json_kind(&v),
                &format!("{}.{key}", self.owner),
                "string",
            )),
            Some(v) => Ok(format_v(&v, false)),
        }
    }

    fn strings(&self, key: &str) -> Result<Vec<String>> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::List(l)) => l
                .items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.to_string()),
                    Value::Nil => Ok(String::new()),
                    Value::Bool(_) | Value::Int(..) | Value::Uint(..) | Value::Float(_) => {
                        Ok(format_v(v, false))
                    }
                    other => Err(unmarshal_error(
                        self.file,
                        json_kind(other),
                        &format!("{}.{key}", self.owner),
                        "string",
                    )),
                })
                .collect(),
            Some(v) => Err(unmarshal_error(
                self.file,
                json_kind(&v),
                &format!("{}.{key}", self.owner),
                "[]string",
            )),
        }
    }

    fn boolean(&self, key: &str) -> Result<bool> {
        match self.get(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(b),
            Some(v) => Err(unmarshal_error(
                self.file,
                json_kind(&v),
                &format!("{}.{key}", self.owner),
                "bool",
            )),
        }
    }
}

impl Metadata {
    /// Parses Chart.yaml text (errors as `cannot load Chart.yaml: ...`).
    pub fn parse(text: &str) -> Result<Metadata> {
        let doc = helmd_yaml::parse_yaml(text)
            .map_err(|e| Error::Chart(format!("cannot load Chart.yaml: {}", values_error(&e))))?;
        if !matches!(doc, Value::Nil | Value::Map(_)) {
            return Err(Error::Chart(format!(
                "cannot load Chart.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type v2.Metadata",
                json_kind(&doc)
            )));
        }
        let map = doc.as_map();
        let r = Reader {
            map,
            file: "Chart.yaml",
            owner: "Metadata",
        };
        let mut md = Metadata {
            api_version: r.string("apiVersion")?,
            name: r.string("name")?,
            version: r.string("version")?,
            kube_version: r.string("kubeVersion")?,
            description: r.string("description")?,
            chart_type: r.string("type")?,
            keywords: r.strings("keywords")?,
            home: r.string("home")?,
            sources: r.strings("sources")?,
            dependencies: None,
            maintainers: Vec::new(),
            null_maintainer: false,
            icon: r.string("icon")?,
            app_version: r.string("appVersion")?,
            deprecated: r.boolean("deprecated")?,
            annotations: None,
            condition: r.string("condition")?,
            tags: r.string("tags")?,
        };
        if md.api_version.is_empty() {
            md.api_version = "v1".into();
        }
        if let Some(v) = r.get("annotations") {
            let Some(m) = v.as_map() else {
                return Err(unmarshal_error(
                    "Chart.yaml",
                    json_kind(&v),
                    "Metadata.annotations",
                    "map[string]string",
                ));
            };
            md.annotations = Some(
                m.entries()
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), format_v(&v, false)))
                    .collect(),
            );
        }
        if let Some(v) = r.get("maintainers") {
            md.null_maintainer = v
                .as_list()
                .is_some_and(|l| l.items.iter().any(Value::is_nil));
            md.maintainers = parse_list(&v, "Metadata.maintainers", |item| {
                if !matches!(item, Value::Map(_) | Value::Nil) {
                    return Err(unmarshal_error(
                        "Chart.yaml",
                        json_kind(item),
                        "Metadata.maintainers",
                        "v2.Maintainer",
                    ));
                }
                let r = Reader {
                    map: item.as_map(),
                    file: "Chart.yaml",
                    owner: "Maintainer",
                };
                Ok(Maintainer {
                    name: r.string("name")?,
                    email: r.string("email")?,
                    url: r.string("url")?,
                })
            })?;
        }
        md.dependencies = parse_dependencies(map, "Chart.yaml")?;
        Ok(md)
    }

    /// Reads `dependencies` of an apiVersion v1 requirements.yaml into this metadata.
    pub fn read_requirements(&mut self, text: &str) -> Result<()> {
        let doc = helmd_yaml::parse_yaml(text).map_err(|e| {
            Error::Chart(format!(
                "cannot load requirements.yaml: {}",
                values_error(&e)
            ))
        })?;
        if let Some(deps) = parse_dependencies(doc.as_map(), "requirements.yaml")? {
            self.dependencies = Some(deps);
        }
        Ok(())
    }

    /// What Helm's `Validate` does to the text fields first: white space
    /// becomes a space, other unprintable characters go (annotations are kept).
    pub fn sanitize(&mut self) {
        for s in [
            &mut self.name,
            &mut self.description,
            &mut self.home,
            &mut self.icon,
            &mut self.condition,
            &mut self.tags,
            &mut self.app_version,
            &mut self.kube_version,
        ] {
            *s = sanitize(s);
        }
        for s in self.sources.iter_mut().chain(self.keywords.iter_mut()) {
            *s = sanitize(s);
        }
        for m in &mut self.maintainers {
            for s in [&mut m.name, &mut m.email, &mut m.url] {
                *s = sanitize(s);
            }
        }
        for d in self.dependencies.iter_mut().flatten() {
            for s in [
                &mut d.name,
                &mut d.version,
                &mut d.repository,
                &mut d.condition,
                &mut d.alias,
            ] {
                *s = sanitize(s);
            }
            for t in &mut d.tags {
                *t = sanitize(t);
            }
        }
    }

    /// Helm's `Metadata.Validate`, with its `validation: ...` messages.
    pub fn validate(&self) -> Result<()> {
        let fail = |m: String| Err(Error::Chart(format!("validation: {m}")));
        if self.api_version.is_empty() {
            return fail("chart.metadata.apiVersion is required".into());
        }
        if self.name.is_empty() {
            return fail("chart.metadata.name is required".into());
        }
        if self.name.contains('/') || self.name == "." || self.name == ".." {
            return fail(format!("chart.metadata.name {:?} is invalid", self.name));
        }
        if self.version.is_empty() {
            return fail("chart.metadata.version is required".into());
        }
        if helmd_semver::Version::parse(&self.version).is_none() {
            return fail(format!(
                "chart.metadata.version {:?} is invalid",
                self.version
            ));
        }
        if !matches!(self.chart_type.as_str(), "" | "application" | "library") {
            return fail("chart.metadata.type must be application or library".into());
        }
        if self.null_maintainer {
            return fail("maintainers must not contain empty or null nodes".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for dep in self.dependencies.iter().flatten() {
            let alias_ok = dep
                .alias
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !alias_ok {
                return fail(format!(
                    "dependency {:?} has disallowed characters in the alias",
                    dep.name
                ));
            }
            let key = if dep.alias.is_empty() {
                &dep.name
            } else {
                &dep.alias
            };
            if !seen.insert(key.clone()) {
                return fail(format!(
                    "more than one dependency with name or alias {key:?}"
                ));
            }
        }
        Ok(())
    }

    /// Whether `type: library`.
    pub fn is_library(&self) -> bool {
        self.chart_type == "library"
    }

    /// Helm's `checkIfInstallable`: only an application chart (`type` empty or
    /// `application`) is installed or rendered by `helm install`/`template`
    /// (and `upgrade --install` of a release not there yet); `helm upgrade` of an
    /// existing release does not ask.
    pub fn check_installable(&self) -> Result<()> {
        match self.chart_type.as_str() {
            "" | "application" => Ok(()),
            other => Err(Error::NotInstallable(other.to_owned())),
        }
    }

    /// `.Chart` as templates see it: Go field names, `IsRoot` added.
    pub fn to_value(&self, is_root: bool) -> Value {
        let s = |v: &str| Value::str(v);
        let strings = |l: &[String]| Value::list(l.iter().map(|x| Value::str(x)).collect());
        let annotations = match &self.annotations {
            Some(m) => Map::typed(
                ElemType::String,
                m.iter()
                    .map(|(k, v)| (Str::from(k.as_str()), Value::str(v)))
                    .collect(),
            ),
            None => Map::nil_map(ElemType::String),
        };
        let maintainers = self
            .maintainers
            .iter()
            .map(|m| {
                let mut e: BTreeMap<Str, Value> = BTreeMap::new();
                e.insert("Email".into(), s(&m.email));
                e.insert("Name".into(), s(&m.name));
                e.insert("URL".into(), s(&m.url));
                Value::map(e)
            })
            .collect();
        let deps = self
            .dependencies
            .iter()
            .flatten()
            .map(Dependency::to_value)
            .collect();
        let mut m: BTreeMap<Str, Value> = BTreeMap::new();
        m.insert("APIVersion".into(), s(&self.api_version));
        m.insert("Annotations".into(), Value::Map(annotations));
        m.insert("AppVersion".into(), s(&self.app_version));
        m.insert("Condition".into(), s(&self.condition));
        m.insert("Dependencies".into(), Value::list(deps));
        m.insert("Deprecated".into(), Value::Bool(self.deprecated));
        m.insert("Description".into(), s(&self.description));
        m.insert("Home".into(), s(&self.home));
        m.insert("Icon".into(), s(&self.icon));
        m.insert("IsRoot".into(), Value::Bool(is_root));
        m.insert("Keywords".into(), strings(&self.keywords));
        m.insert("KubeVersion".into(), s(&self.kube_version));
        m.insert("Maintainers".into(), Value::list(maintainers));
        m.insert("Name".into(), s(&self.name));
        m.insert("Sources".into(), strings(&self.sources));
        m.insert("Tags".into(), s(&self.tags));
        m.insert("Type".into(), s(&self.chart_type));
        m.insert("Version".into(), s(&self.version));
        Value::map(m)
    }
}

impl Dependency {
    /// One `.Chart.Dependencies` entry (Go field names).
    fn to_value(&self) -> Value {
        let mut m: BTreeMap<Str, Value> = BTreeMap::new();
        m.insert("Alias".into(), Value::str(&self.alias));
        m.insert("Condition".into(), Value::str(&self.condition));
        m.insert("Enabled".into(), Value::Bool(self.enabled));
        m.insert(
            "ImportValues".into(),
            Value::list(self.import_values.clone()),
        );
        m.insert("Name".into(), Value::str(&self.name));
        m.insert("Repository".into(), Value::str(&self.repository));
        m.insert(
            "Tags".into(),
            Value::list(self.tags.iter().map(|t| Value::str(t)).collect()),
        );
        m.insert("Version".into(), Value::str(&self.version));
        Value::map(m)
    }
}

/// Go's `sanitizeString`: spaces for white space, unprintable characters dropped.
fn sanitize(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            if c.is_whitespace() {
                Some(' ')
            } else if c.is_control() {
                None
            } else {
                Some(c)
            }
        })
        .collect()
}

fn parse_list<T>(
    v: &Value,
    field: &str,
    mut item: impl FnMut(&Value) -> Result<T>,
) -> Result<Vec<T>> {
    match v {
        Value::List(l) => l.items.iter().map(&mut item).collect(),
        other => Err(unmarshal_error(
            "Chart.yaml",
            json_kind(other),
            field,
            "[]*v2.Maintainer",
        )),
    }
}

fn parse_dependencies(
    map: Option<&helmd_yaml::MapRef>,
    file: &str,
) -> Result<Option<Vec<Dependency>>> {
    let Some(v) = map.and_then(|m| fold_get(m, "dependencies")) else {
        return Ok(None);
    };
    let items = match v {
        Value::Nil => return Ok(None),
        Value::List(l) => l.items.clone(),
        other => {
            return Err(unmarshal_error(
                file,
                json_kind(&other),
                "Metadata.dependencies",
                "[]*v2.Dependency",
            ));
        }
    };
    let mut deps = Vec::new();
    for item in &items {
        if item.is_nil() {
            return Err(Error::Chart(
                "validation: dependencies must not contain empty or null nodes".into(),
            ));
        }
        if !matches!(item, Value::Map(_)) {
            return Err(unmarshal_error(
                file,
                json_kind(item),
                "Metadata.dependencies",
                "v2.Dependency",
            ));
        }
        let r = Reader {
            map: item.as_map(),
            file,
            owner: "Dependency.dependencies",
        };
        let import_values = match r.get("import-values") {
            None => Vec::new(),
            Some(Value::List(l)) => l.items.clone(),
            Some(v) => {
                return Err(unmarshal_error(
                    file,
                    json_kind(&v),
                    "Dependency.dependencies.import-values",
                    "[]interface {}",
                ));
            }
        };
        deps.push(Dependency {
            name: r.string("name")?,
            version: r.string("version")?,
            repository: r.string("repository")?,
            condition: r.string("condition")?,
            tags: r.strings("tags")?,
            enabled: r.boolean("enabled")?,
            import_values,
            alias: r.string("alias")?,
        });
    }
    Ok(Some(deps))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(yaml: &str, expected: &str) {
        let got = Metadata::parse(yaml).and_then(|m| m.validate().map(|_| m));
        let got = match got {
            Ok(m) => format!("ok {} {} {}", m.api_version, m.name, m.version),
            Err(e) => e.to_string(),
        };
        assert_eq!(got, expected);
    }

    #[test]
    fn chart_yaml_is_validated_with_helms_messages() {
        check("name: x\nversion: 1.0.0", "ok v1 x 1.0.0");
        check("apiVersion: v2\nname: x\nversion: 1.0", "ok v2 x 1");
        check(
            "apiVersion: v2\nname: x",
            "validation: chart.metadata.version is required",
        );
        check(
            "apiVersion: v2\nname: x\nversion: foo",
            "validation: chart.metadata.version \"foo\" is invalid",
        );
        check(
            "apiVersion: v2\nname: a/b\nversion: 1.0.0",
            "validation: chart.metadata.name \"a/b\" is invalid",
        );
        check(
            "apiVersion: v2\nname: x\nversion: 1.0.0\nmaintainers: [~]",
            "validation: maintainers must not contain empty or null nodes",
        );
        check(
            "apiVersion: v2\nname: x\nversion: 1.0.0\ntype: foo",
            "validation: chart.metadata.type must be application or library",
        );
        check(
            "apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies: [{name: a, alias: b.c}]",
            "validation: dependency \"a\" has disallowed characters in the alias",
        );
        check(
            "apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies: [{name: a, alias: z}, {name: z}]",
            "validation: more than one dependency with name or alias \"z\"",
        );
        check(
            "apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies: [null]",
            "validation: dependencies must not contain empty or null nodes",
        );
        check(
            "apiVersion: v2\nname: x\nversion: 1.0.0\nkeywords: a",
            "cannot load Chart.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field Metadata.keywords of type []string",
        );
    }
}
