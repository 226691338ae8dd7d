{{- define "small.name" -}}
{{- default .Chart.Name .Values.nameOverride -}}
{{- end -}}

{{- define "small.fullname" -}}
{{- printf "%s-%s" .Release.Name (include "small.name" .) -}}
{{- end -}}

{{- define "small.selector" -}}
app.kubernetes.io/name: {{ include "small.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "small.labels" -}}
{{ include "small.selector" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
