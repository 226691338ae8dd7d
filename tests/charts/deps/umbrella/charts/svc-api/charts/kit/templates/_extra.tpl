{{- define "kit.extra" -}}extra{{- end -}}
