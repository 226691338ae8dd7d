{{- define "th.prefix" -}}
{{ tpl .Values.prefix . }}
{{- end -}}

{{- define "th.name" -}}
{{- $root := index . 0 -}}{{- $suffix := index . 1 -}}
{{ include "th.prefix" $root }}-{{ $suffix }}
{{- end -}}

{{- define "th.annotations" -}}
{{- range $k, $v := .Values.annotations }}
{{ $k }}: {{ tpl $v $ | quote }}
{{- end }}
{{- end -}}

{{- define "th.host" -}}
{{- tpl .root.Values.hostTemplate . -}}
{{- end -}}

{{- define "th.route" -}}
{{- $ctx := dict "name" .route.name "path" .route.path "weight" .route.weight "port" 8080 "root" .root -}}
- host: {{ include "th.host" $ctx }}
  path: {{ .route.path }}
  banner: {{ tpl .root.Values.snippets.banner $ctx | quote }}
  probe:
    {{- tpl .root.Values.snippets.probe $ctx | nindent 4 }}
{{- end -}}
