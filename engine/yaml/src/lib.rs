//! Go-faithful value model and YAML/JSON parsing and emitting as Helm does it.
//!
//! Templates see Go values: [`Value`] models them (nil, bool, Go integer
//! kinds, float64, string, typed lists and maps, host objects). Values files
//! and `fromYaml` go through sigs.k8s.io/yaml (go-yaml v2 resolution, then
//! JSON, so every number becomes float64): see [`parse_yaml`]. `toYaml`,
//! `toYamlPretty` and `toJson` are [`to_yaml`], [`to_yaml_pretty`], [`to_json`].

mod emit;
mod error;
pub mod gostr;
mod json;
pub mod number;
mod parse;
mod pdqsort;
mod scalar;
mod sort;
mod value;

pub use emit::{to_yaml, to_yaml_pretty};
pub use error::{Error, Result};
pub use json::{parse_json, to_json, to_json_pretty};
pub use parse::{ParseLimits, parse_yaml, parse_yaml_documents, parse_yaml_with};
pub use sort::{KeyOrder, go_yaml_key_less, key_less, sort_keys_as};
pub use value::{ElemType, IntKind, List, Map, MapRef, Object, ObjectError, Str, UintKind, Value};
