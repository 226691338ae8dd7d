"""Runs one Helm v4 action (helm_python) against a cluster and prints its result as JSON.

Used by tests/cluster/tests/helm.rs to prove the local cluster is real enough
for Helm: install (with wait), list, upgrade, rollback, history, uninstall.

    python helm_action.py --kubeconfig K --namespace N ACTION [--release R]
        [--chart DIR] [--values JSON] [--revision REV] [--timeout SECONDS]
"""

import argparse
import json
import sys

import helm_python as helm


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("action", choices=["install", "upgrade", "rollback", "list", "history", "status", "uninstall"])
    p.add_argument("--kubeconfig", required=True)
    p.add_argument("--namespace", required=True)
    p.add_argument("--release")
    p.add_argument("--chart")
    p.add_argument("--values", default="{}")
    p.add_argument("--revision", type=int)
    p.add_argument("--timeout", type=int, default=120)
    a = p.parse_args()
    values = json.loads(a.values)
    wait = "watcher"
    with helm.Config(kubeconfig_path=a.kubeconfig, namespace=a.namespace) as cfg:
        if a.action == "install":
            out = cfg.install(helm.Chart.load(a.chart), a.release, values, namespace=a.namespace,
                              wait=wait, timeout=a.timeout)
        elif a.action == "upgrade":
            out = cfg.upgrade(helm.Chart.load(a.chart), a.release, values, namespace=a.namespace,
                              wait=wait, timeout=a.timeout)
        elif a.action == "rollback":
            cfg.rollback(a.release, version=a.revision, wait=wait, timeout=a.timeout)
            out = cfg.status(a.release)
        elif a.action == "list":
            out = cfg.list(all_states=True)
        elif a.action == "history":
            out = cfg.history(a.release)
        elif a.action == "status":
            out = cfg.status(a.release)
        else:
            out = cfg.uninstall(a.release, wait=wait, timeout=a.timeout)
    json.dump(out, sys.stdout, default=str)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except helm.HelmError as e:
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
