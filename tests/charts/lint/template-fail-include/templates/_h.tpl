{{ define "broken" }}{{ index .Values.list 3 }}{{ end }}
