{{- define "common.svc" -}}
kind: Service
metadata:
  name: {{ .Values.name }}
  chart: {{ .Chart.Name }}
ports:
{{- range .Values.ports }}
- {{ . }}
{{- end }}
{{- end -}}
