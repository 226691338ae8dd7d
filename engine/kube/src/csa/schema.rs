//! Patch metadata of the built-in kinds, read from an OpenAPI document the cluster
//! publishes (v3 per group version, or the whole v2 document): for each field its
//! `x-kubernetes-patch-strategy` and `x-kubernetes-patch-merge-key`, and the shape of
//! what it holds, so a strategic merge patch can be computed as the API server will
//! apply it. Only what patches need is kept (no descriptions, no types of scalars).

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

/// How a field is patched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Strategy {
    /// Maps are merged, lists replaced.
    #[default]
    Default,
    /// Lists are merged by their merge key (or as sets of scalars).
    Merge,
    /// The value is replaced whole.
    Replace,
}

/// A field's patch metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PatchMeta {
    /// The strategy besides `retainKeys`.
    pub(crate) strategy: Strategy,
    /// `retainKeys`: a map's keys missing from the new value are cleared.
    pub(crate) retain_keys: bool,
    /// The key identifying list items (`name` for containers).
    pub(crate) merge_key: String,
}

impl PatchMeta {
    /// Reads the extensions' values (`merge,retainKeys`, `name`).
    fn parse(strategy: Option<&str>, merge_key: Option<&str>) -> PatchMeta {
        let mut meta = PatchMeta {
            merge_key: merge_key.unwrap_or_default().to_owned(),
            ..PatchMeta::default()
        };
        for part in strategy.unwrap_or_default().split(',') {
            match part.trim() {
                "retainKeys" => meta.retain_keys = true,
                "merge" => meta.strategy = Strategy::Merge,
                "replace" => meta.strategy = Strategy::Replace,
                _ => {}
            }
        }
        meta
    }
}

/// What a schema describes, as far as patches care.
#[derive(Debug, Clone, Default)]
pub(crate) enum Shape {
    /// Nothing known: maps merge, lists are replaced.
    #[default]
    Unknown,
    /// Another definition, by name.
    Ref(String),
    /// An object with named fields.
    Object(BTreeMap<String, Field>),
    /// A map whose values have this shape.
    Map(Box<Shape>),
    /// A list whose items have this shape.
    List(Box<Shape>),
}

/// One field of an object.
#[derive(Debug, Clone, Default)]
pub(crate) struct Field {
    /// How it is patched.
    pub(crate) meta: PatchMeta,
    /// What it holds.
    pub(crate) shape: Shape,
}

/// A group, version and kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
pub(crate) struct Gvk {
    #[serde(default)]
    pub(crate) group: String,
    pub(crate) version: String,
    pub(crate) kind: String,
}

/// The definitions of one OpenAPI document and the kinds they describe.
#[derive(Debug, Default)]
pub(crate) struct Schemas {
    definitions: HashMap<String, Shape>,
    kinds: HashMap<Gvk, String>,
}

/// A schema as an OpenAPI document writes it; everything else is skipped.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawSchema {
    #[serde(rename = "$ref")]
    reference: Option<String>,
    #[serde(rename = "allOf")]
    all_of: Vec<RawSchema>,
    properties: BTreeMap<String, RawSchema>,
    items: Option<Box<RawSchema>>,
    /// A schema, or a boolean (whether other keys are allowed).
    #[serde(rename = "additionalProperties")]
    additional_properties: Option<serde_json::Value>,
    #[serde(rename = "x-kubernetes-patch-strategy")]
    patch_strategy: Option<String>,
    #[serde(rename = "x-kubernetes-patch-merge-key")]
    patch_merge_key: Option<String>,
    #[serde(rename = "x-kubernetes-group-version-kind")]
    group_version_kind: Vec<Gvk>,
}

/// An OpenAPI v2 document (`definitions`) or v3 document (`components.schemas`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawDocument {
    definitions: HashMap<String, RawSchema>,
    components: RawComponents,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawComponents {
    schemas: HashMap<String, RawSchema>,
}

fn shape(raw: RawSchema) -> Shape {
    if let Some(reference) = raw.reference {
        let name = reference.rsplit('/').next().unwrap_or_default();
        return Shape::Ref(name.to_owned());
    }
    if let Some(first) = raw.all_of.into_iter().next() {
        return shape(first);
    }
    if let Some(items) = raw.items {
        return Shape::List(Box::new(shape(*items)));
    }
    if !raw.properties.is_empty() {
        return Shape::Object(
            raw.properties
                .into_iter()
                .map(|(name, raw)| {
                    let meta = PatchMeta::parse(
                        raw.patch_strategy.as_deref(),
                        raw.patch_merge_key.as_deref(),
                    );
                    (
                        name,
                        Field {
                            meta,
                            shape: shape(raw),
                        },
                    )
                })
                .collect(),
        );
    }
    match raw
        .additional_properties
        .filter(serde_json::Value::is_object)
        .and_then(|values| serde_json::from_value::<RawSchema>(values).ok())
    {
        Some(values) => Shape::Map(Box::new(shape(values))),
        None => Shape::Unknown,
    }
}

impl Schemas {
    /// Reads an OpenAPI v2 or v3 document.
    pub(crate) fn parse(document: &[u8]) -> serde_json::Result<Schemas> {
        let raw: RawDocument = serde_json::from_slice(document)?;
        let mut schemas = Schemas::default();
        for (name, raw) in raw.definitions.into_iter().chain(raw.components.schemas) {
            for gvk in &raw.group_version_kind {
                schemas.kinds.insert(gvk.clone(), name.clone());
            }
            schemas.definitions.insert(name, shape(raw));
        }
        Ok(schemas)
    }

    /// The schema of a kind, when the document describes it.
    pub(crate) fn kind(&self, group: &str, version: &str, kind: &str) -> Option<Node<'_>> {
        let gvk = Gvk {
            group: group.to_owned(),
            version: version.to_owned(),
            kind: kind.to_owned(),
        };
        let name = self.kinds.get(&gvk)?;
        let shape = self.definitions.get(name)?;
        Some(Node {
            schemas: self,
            shape,
        })
    }
}

static UNKNOWN: Shape = Shape::Unknown;

/// A place in a kind's schema while an object is walked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Node<'a> {
    schemas: &'a Schemas,
    shape: &'a Shape,
}

impl<'a> Node<'a> {
    /// The shape, references followed (a bounded number of times).
    fn resolved(self) -> &'a Shape {
        let mut shape = self.shape;
        for _ in 0..16 {
            match shape {
                Shape::Ref(name) => match self.schemas.definitions.get(name) {
                    Some(next) => shape = next,
                    None => return &UNKNOWN,
                },
                _ => return shape,
            }
        }
        &UNKNOWN
    }

    fn at(self, shape: &'a Shape) -> Node<'a> {
        Node {
            schemas: self.schemas,
            shape,
        }
    }

    /// A map value's field `key`: its schema and patch metadata. A map's values all
    /// share one schema; a field the schema does not know is patched by default rules.
    pub(crate) fn field(self, key: &str) -> (Node<'a>, PatchMeta) {
        match self.resolved() {
            Shape::Object(fields) => match fields.get(key) {
                Some(field) => (self.at(&field.shape), field.meta.clone()),
                None => (self.at(&UNKNOWN), PatchMeta::default()),
            },
            Shape::Map(values) => (self.at(values), PatchMeta::default()),
            _ => (self.at(&UNKNOWN), PatchMeta::default()),
        }
    }

    /// A list field `key`: the schema of its items and the field's patch metadata.
    pub(crate) fn items(self, key: &str) -> (Node<'a>, PatchMeta) {
        let (field, meta) = self.field(key);
        match field.resolved() {
            Shape::List(items) => (self.at(items), meta),
            _ => (self.at(&UNKNOWN), meta),
        }
    }
}
