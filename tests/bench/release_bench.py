#!/usr/bin/env python3
"""Release actions, helmd vs Helm v4, on one cluster in one run.

Times `install`, `upgrade`, `rollback` and `uninstall` of a small chart and of a
chart with 45 objects, without and with `--wait`, through `helmctl` (talking to a
helmd it starts) and through the `helm` CLI, each action run as a user runs it (a
command per action, process start included on both sides). Prints one table of
medians and the Helm/helmd ratio; `--json FILE` writes the raw timings.

Usage: release_bench.py --helm HELM --helmctl HELMCTL --helmd HELMD
                        --kubeconfig KUBECONFIG [--iterations N]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

SMALL = {
    "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  greeting: {{ .Values.greeting | quote }}\n",
    "deployment.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
        "spec:\n  replicas: 1\n  selector:\n    matchLabels: {app: {{ .Release.Name }}}\n"
        "  template:\n    metadata:\n      labels: {app: {{ .Release.Name }}}\n"
        "      annotations: {greeting: {{ .Values.greeting | quote }}}\n"
        "    spec:\n      containers:\n        - name: web\n          image: registry.invalid/web:1\n"
        "          ports:\n            - containerPort: 80\n              protocol: TCP\n"
    ),
    "service.yaml": (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n"
        "spec:\n  selector: {app: {{ .Release.Name }}}\n  ports:\n    - port: 80\n      protocol: TCP\n"
    ),
}


def large_chart():
    """45 objects: 15 ConfigMaps, 10 Secrets, 10 Services, 10 Deployments."""
    files = {}
    files["cms.yaml"] = (
        "{{- range $i := until 15 }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n"
        "  name: {{ $.Release.Name }}-cm-{{ $i }}\ndata:\n  greeting: {{ $.Values.greeting | quote }}\n{{- end }}\n"
    )
    files["secrets.yaml"] = (
        "{{- range $i := until 10 }}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n"
        "  name: {{ $.Release.Name }}-s-{{ $i }}\nstringData:\n  token: {{ $.Values.greeting | quote }}\n{{- end }}\n"
    )
    files["services.yaml"] = (
        "{{- range $i := until 10 }}\n---\napiVersion: v1\nkind: Service\nmetadata:\n"
        "  name: {{ $.Release.Name }}-svc-{{ $i }}\nspec:\n  selector: {app: {{ $.Release.Name }}-{{ $i }}}\n"
        "  ports:\n    - port: 80\n      protocol: TCP\n{{- end }}\n"
    )
    files["deployments.yaml"] = (
        "{{- range $i := until 10 }}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
        "  name: {{ $.Release.Name }}-d-{{ $i }}\nspec:\n  replicas: 1\n"
        "  selector:\n    matchLabels: {app: {{ $.Release.Name }}-{{ $i }}}\n"
        "  template:\n    metadata:\n      labels: {app: {{ $.Release.Name }}-{{ $i }}}\n"
        "      annotations: {greeting: {{ $.Values.greeting | quote }}}\n"
        "    spec:\n      containers:\n        - name: web\n          image: registry.invalid/web:1\n"
        "          ports:\n            - containerPort: 80\n              protocol: TCP\n{{- end }}\n"
    )
    return files


def write_chart(root, name, templates):
    d = os.path.join(root, name)
    os.makedirs(os.path.join(d, "templates"))
    with open(os.path.join(d, "Chart.yaml"), "w") as f:
        f.write(f"apiVersion: v2\nname: {name}\nversion: 1.0.0\n")
    with open(os.path.join(d, "values.yaml"), "w") as f:
        f.write("greeting: hello\n")
    for path, text in templates.items():
        with open(os.path.join(d, "templates", path), "w") as f:
            f.write(text)
    return d


def start_helmd(helmd, kubeconfig, data_dir):
    proc = subprocess.Popen(
        [helmd, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir,
         "--kubeconfig", kubeconfig, "--release-storage", "secrets"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    if not line.startswith("helmd listening on "):
        proc.kill()
        sys.exit(f"helmd did not start: {line!r}")
    return proc, line.split()[-1]


def timed(cmd, env):
    start = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{out.stderr}")
    return elapsed


def run(args):
    work = tempfile.mkdtemp(prefix="release-bench-")
    charts = {"small (3 objects)": write_chart(work, "small", SMALL),
              "large (45 objects)": write_chart(work, "large", large_chart())}
    helmd, addr = start_helmd(args.helmd, args.kubeconfig, os.path.join(work, "helmd"))
    env = dict(os.environ, HELMD_SERVER=addr, HELM_CONFIG_HOME=os.path.join(work, "hc"),
               HELM_CACHE_HOME=os.path.join(work, "hcache"), HELM_DATA_HOME=os.path.join(work, "hd"),
               HELM_DRIVER="secret")
    tools = {
        "helm": lambda *a: [args.helm, *a, "--kubeconfig", args.kubeconfig],
        "helmd": lambda *a: [args.helmctl, *a],
    }
    results = {}
    try:
        for chart_name, chart in charts.items():
            for wait in (False, True):
                for i in range(args.iterations):
                    for tool, cmd in tools.items():
                        ns = f"bench-{tool}-{os.path.basename(chart)}-{int(wait)}-{i}-{os.getpid()}"
                        w = ["--wait"] if wait else []
                        t = {}
                        t["install"] = timed(cmd("install", "r", chart, "-n", ns, "--create-namespace", *w), env)
                        t["upgrade"] = timed(cmd("upgrade", "r", chart, "-n", ns, "--set", "greeting=again", *w), env)
                        t["rollback"] = timed(cmd("rollback", "r", "1", "-n", ns, *w), env)
                        t["uninstall"] = timed(cmd("uninstall", "r", "-n", ns, *w), env)
                        for action, secs in t.items():
                            key = (chart_name, "with wait" if wait else "no wait", action)
                            results.setdefault(key, {}).setdefault(tool, []).append(secs)
    finally:
        helmd.terminate()
        helmd.wait()
    print(f"{'chart':<20} {'wait':<10} {'action':<10} {'helm ms':>9} {'helmd ms':>9} {'ratio':>6}")
    rows = []
    for (chart_name, wait, action), by in results.items():
        h = statistics.median(by["helm"]) * 1000
        d = statistics.median(by["helmd"]) * 1000
        rows.append({"chart": chart_name, "wait": wait, "action": action,
                     "helm_ms": round(h, 1), "helmd_ms": round(d, 1), "ratio": round(h / d, 2)})
        print(f"{chart_name:<20} {wait:<10} {action:<10} {h:>9.0f} {d:>9.0f} {h / d:>5.1f}x")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"iterations": args.iterations, "rows": rows,
                       "raw": {" / ".join(k): v for k, v in results.items()}}, f, indent=2)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--helm", required=True)
    p.add_argument("--helmctl", required=True)
    p.add_argument("--helmd", required=True)
    p.add_argument("--kubeconfig", required=True)
    p.add_argument("--iterations", type=int, default=5)
    p.add_argument("--json")
    run(p.parse_args())


if __name__ == "__main__":
    main()
