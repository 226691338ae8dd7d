{{- define "db.host" -}}
{{- required "db.host is required" .Values.db.host -}}
{{- end -}}
