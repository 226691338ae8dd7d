"""Installs a chart with Helm v4 (helm_python) on a real cluster and prints the
release's manifest and hooks as Helm stored them.

A client-only install carries no hooks, so this is how tests learn what Helm
extracts: events, weight, delete and output-log policies, path, kind, name and
manifest text of every hook, in the order Helm keeps them.

    python helm_hooks.py KUBECONFIG NAMESPACE CHART_DIR RELEASE

stdout: {"manifest": "...", "hooks": [{name, kind, path, manifest, events,
weight, delete_policies, output_log_policies}, ...]}
"""

from __future__ import annotations

import json
import sys

import helm_python


def main() -> int:
    kubeconfig, namespace, chart_dir, release = sys.argv[1:5]
    with helm_python.Config(kubeconfig_path=kubeconfig, namespace=namespace) as cfg:
        installed = cfg.install(
            helm_python.Chart.load(chart_dir),
            release,
            {},
            namespace=namespace,
            timeout=120,
        )
        stored = cfg.get_all(release)
    keys = ["name", "kind", "path", "manifest", "events", "weight", "delete_policies",
            "output_log_policies"]
    hooks = [{k: h.get(k) for k in keys} for h in stored.get("hooks") or []]
    json.dump({"manifest": installed.get("manifest", ""), "hooks": hooks}, sys.stdout)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except helm_python.HelmError as e:
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
