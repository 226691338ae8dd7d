//! The local Kubernetes cluster for tests: build cache, start/stop of etcd and control plane, node agent.
