{{- define "common.labels" -}}
labels: {{ toJson .Values | quote }}
{{- end -}}
