//! The Helm v4 oracle harness: renders charts with Helm through helm_python and diffs against helmd.
