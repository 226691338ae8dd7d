//! Go-faithful value model and YAML/JSON parsing and emitting as Helm does it.
