{{ define "p" }}P{{ end }}
