//! Generated helmd.v1 gRPC code and the reflection descriptor set.
