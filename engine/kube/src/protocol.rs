//! Ports without `protocol` on servers whose server-side apply refuses them.
//!
//! Before Kubernetes 1.26 server-side apply rejects a list-map item that omits a
//! key with a default (`associative list with keys has an element that omits key
//! field "protocol"`), though the API server would default it to `TCP` anyway.
//! Helm v4 fails there; helmd writes the default the server would have written,
//! on those servers only, so the same chart installs everywhere.

use serde_json::Value;

/// Whether a server (`v1.20.2`) needs the default spelled out.
pub fn needs_port_protocols(version: &str) -> bool {
    let mut parts = version.trim_start_matches('v').split('.');
    let major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(1);
    let minor: u32 = parts
        .next()
        .map(|p| p.trim_end_matches(|c: char| !c.is_ascii_digit()))
        .and_then(|p| p.parse().ok())
        .unwrap_or(u32::MAX);
    major == 1 && minor < 26
}

fn default_ports(ports: &mut Value) {
    if let Some(list) = ports.as_array_mut() {
        for port in list {
            if let Some(map) = port.as_object_mut() {
                map.entry("protocol")
                    .or_insert_with(|| Value::String("TCP".into()));
            }
        }
    }
}

/// Sets `protocol: TCP` where a Service's ports or any container's ports (in a
/// Pod or any pod template) omit it.
pub fn default_port_protocols(kind: &str, object: &mut Value) {
    if kind == "Service"
        && let Some(ports) = object.pointer_mut("/spec/ports")
    {
        default_ports(ports);
    }
    walk(object);
}

fn walk(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if matches!(key.as_str(), "containers" | "initContainers")
                    && let Some(list) = child.as_array_mut()
                {
                    for container in list {
                        if let Some(ports) = container.get_mut("ports") {
                            default_ports(ports);
                        }
                    }
                } else {
                    walk(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(walk),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_servers_before_1_26_need_the_default() {
        assert!(needs_port_protocols("v1.20.2"));
        assert!(needs_port_protocols("v1.25.0+k3s1"));
        assert!(!needs_port_protocols("v1.26.0"));
        assert!(!needs_port_protocols("v1.37.2"));
    }

    #[test]
    fn service_and_template_ports_get_tcp_and_explicit_protocols_stay() {
        let mut svc = json!({"spec": {"ports": [{"port": 80}, {"port": 53, "protocol": "UDP"}]}});
        default_port_protocols("Service", &mut svc);
        assert_eq!(svc["spec"]["ports"][0]["protocol"], "TCP");
        assert_eq!(svc["spec"]["ports"][1]["protocol"], "UDP");
        let mut deploy = json!({"spec": {"template": {"spec": {
            "initContainers": [{"name": "i", "ports": [{"containerPort": 1}]}],
            "containers": [{"name": "c", "ports": [{"containerPort": 80}]}, {"name": "d"}]
        }}}});
        default_port_protocols("Deployment", &mut deploy);
        let spec = &deploy["spec"]["template"]["spec"];
        assert_eq!(spec["containers"][0]["ports"][0]["protocol"], "TCP");
        assert_eq!(spec["initContainers"][0]["ports"][0]["protocol"], "TCP");
        assert!(spec["containers"][1].get("ports").is_none());
    }
}
