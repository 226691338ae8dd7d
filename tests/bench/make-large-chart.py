#!/usr/bin/env python3
"""Writes tests/charts/bench/large: 56 templates of four shapes over big values.

The chart is committed; rerun this only to change it:
    python3 tests/bench/make-large-chart.py tests/charts/bench/large
"""

import os
import sys

SHAPES = {
    "config": """{{- $g := index .Values.groups "%(group)s" }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "large.fullname" . }}-%(name)s
  labels:
    {{- include "large.labels" . | nindent 4 }}
data:
{{- range $i, $e := $g.entries }}
  {{ $e.name }}: {{ printf "%%s:%%v/%%d" $e.host $e.port $i | quote }}
{{- end }}
  summary.yaml: |
    {{- toYaml $g.settings | nindent 4 }}
""",
    "workload": """{{- $g := index .Values.groups "%(group)s" }}
{{- range $name, $c := $g.components }}
{{- if $c.enabled }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "large.fullname" $ }}-%(name)s-{{ $name }}
  labels:
    {{- include "large.labels" $ | nindent 4 }}
spec:
  replicas: {{ $c.replicas }}
  template:
    spec:
      containers:
        - name: {{ $name }}
          image: {{ printf "%%s/%%s:%%s" $.Values.registry $name $c.tag | quote }}
          env:
          {{- range $e := $g.entries }}
            - name: {{ upper $e.name }}
              value: {{ $e.port | toString | quote }}
          {{- end }}
          resources:
            {{- toYaml $c.resources | nindent 12 }}
{{- end }}
{{- end }}
""",
    "rbac": """{{- $g := index .Values.groups "%(group)s" }}
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ include "large.fullname" . }}-%(name)s
rules:
{{- range $g.entries }}
{{- if eq (len .name) 6 }}
  - apiGroups: [""]
    resources: [{{ .name | quote }}]
    verbs: {{ toJson (list "get" "list" "watch") }}
{{- else }}
  - apiGroups: ["apps"]
    resources: [{{ printf "%%s-%%d" .name .port | quote }}]
    verbs: ["get"]
{{- end }}
{{- end }}
""",
    "service": """{{- $g := index .Values.groups "%(group)s" }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "large.fullname" . }}-%(name)s
  annotations:
    {{- toYaml $g.settings | nindent 4 }}
spec:
  ports:
  {{- range $i, $e := $g.entries }}
  {{- if lt $i 20 }}
    - name: {{ $e.name | lower | trim }}
      port: {{ $e.port }}
      targetPort: {{ $i }}
  {{- end }}
  {{- end }}
""",
}

HELPERS = """{{- define "large.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name -}}
{{- end -}}

{{- define "large.labels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
"""

GROUPS = 14


def values() -> str:
    out = ["registry: registry.example.test/large", "groups:"]
    for g in range(GROUPS):
        out.append(f"  g{g:02d}:")
        out.append("    settings:")
        out.append(f"      owner: team-{g}")
        out.append(f"      tier: \"{g % 3}\"")
        out.append(f"      rollout: {{maxSurge: {g % 4}, paused: {str(g % 2 == 0).lower()}}}")
        out.append("    components:")
        for c in range(4):
            out.append(f"      comp{c}:")
            out.append(f"        enabled: {str((g + c) % 4 != 0).lower()}")
            out.append(f"        replicas: {1 + (g + c) % 3}")
            out.append(f"        tag: v{g}.{c}.0")
            out.append(f"        resources: {{limits: {{cpu: {100 * (c + 1)}m, memory: {64 * (g + 1)}Mi}}}}")
        out.append("    entries:")
        for e in range(40):
            out.append(f"      - {{name: key{g}x{e}, host: host-{e % 7}.svc, port: {1000 + g * 40 + e}}}")
    return "\n".join(out) + "\n"


def main() -> None:
    root = sys.argv[1]
    os.makedirs(os.path.join(root, "templates"), exist_ok=True)
    with open(os.path.join(root, "Chart.yaml"), "w") as f:
        f.write("apiVersion: v2\nname: large\ndescription: Benchmark chart - 56 templates with big loops over values\nversion: 0.3.0\nappVersion: \"1.0\"\n")
    with open(os.path.join(root, "values.yaml"), "w") as f:
        f.write(values())
    with open(os.path.join(root, "templates", "_helpers.tpl"), "w") as f:
        f.write(HELPERS)
    n = 0
    for g in range(GROUPS):
        for shape, text in SHAPES.items():
            name = f"{shape}-{g:02d}"
            with open(os.path.join(root, "templates", name + ".yaml"), "w") as f:
                f.write(text % {"group": f"g{g:02d}", "name": name})
            n += 1
    print(f"wrote {n} templates")


if __name__ == "__main__":
    main()
