{{- define "gateway.addr" -}}{{ .Values.region }}:{{ .Values.port }}{{- end -}}
