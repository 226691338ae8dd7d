//! The representative chart the render benchmark uses (helpers, a
//! deployment per component, config maps with toYaml/toJson/tpl), shared with
//! the differential test that checks Helm renders it identically.

use std::path::Path;

const HELPERS: &str = r#"{{- define "app.name" -}}{{ default .Chart.Name .Values.nameOverride | trunc63 }}{{- end -}}
{{- define "app.fullname" -}}{{ printf "%s-%s" .Release.Name (include "app.name" .) }}{{- end -}}
{{- define "app.labels" -}}
app.kubernetes.io/name: {{ include "app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
"#;

const DEPLOYMENT: &str = r#"{{- range $name, $c := .Values.components }}
{{- if $c.enabled }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "app.fullname" $ }}-{{ $name }}
  labels:
    {{- include "app.labels" $ | nindent 4 }}
spec:
  replicas: {{ $c.replicaCount }}
  template:
    metadata:
      annotations:
        {{- toYaml $c.podAnnotations | nindent 8 }}
    spec:
      containers:
        - name: {{ $name }}
          image: "{{ $c.image.repository }}:{{ $c.image.tag }}"
          env:
          {{- range $c.extraEnv }}
            - name: {{ .name }}
              value: {{ .value | toString | quote }}
          {{- end }}
          resources:
            {{- toYaml $c.resources | nindent 12 }}
{{- end }}
{{- end }}
"#;

const CONFIGMAP: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "app.fullname" . }}
data:
  values.json: {{ toJson .Values | quote }}
  greeting: {{ tpl .Values.greeting . | quote }}
{{- range $k, $v := .Values.components }}
  {{ $k }}.yaml: |
    {{- toYaml $v | nindent 4 }}
{{- end }}
"#;

fn values() -> String {
    let mut s =
        String::from("nameOverride: \"\"\ngreeting: \"hello {{ .Release.Name }}\"\ncomponents:\n");
    for i in 0..15 {
        s.push_str(&format!(
            "  c{i}:\n    enabled: true\n    replicaCount: {i}\n    image: {{repository: bitnami/app{i}, tag: 1.2.{i}}}\n    resources:\n      limits: {{cpu: 500m, memory: 512Mi}}\n      requests: {{cpu: 250m, memory: 256Mi}}\n    podAnnotations: {{prometheus.io/scrape: \"true\"}}\n    extraEnv:\n    - {{name: A, value: x}}\n    - {{name: B, value: 0.5}}\n"
        ));
    }
    s
}

/// Writes the chart into `dir`.
pub fn write_chart(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("templates"))?;
    std::fs::write(
        dir.join("Chart.yaml"),
        "apiVersion: v2\nname: bench\nversion: 1.0.0\nappVersion: \"2.0\"\n",
    )?;
    std::fs::write(dir.join("values.yaml"), values())?;
    std::fs::write(
        dir.join("templates/_helpers.tpl"),
        HELPERS.replace(" | trunc63", ""),
    )?;
    std::fs::write(dir.join("templates/deployment.yaml"), DEPLOYMENT)?;
    std::fs::write(dir.join("templates/configmap.yaml"), CONFIGMAP)?;
    std::fs::write(
        dir.join("templates/NOTES.txt"),
        "Installed {{ .Release.Name }}.\n",
    )?;
    Ok(())
}
