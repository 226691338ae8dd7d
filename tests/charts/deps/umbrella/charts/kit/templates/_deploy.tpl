{{- define "kit.deployment" -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "kit.fullname" . }}
  labels:
{{ include "kit.labels" . | indent 4 }}
spec:
  replicas: {{ .Values.replicas }}
  template:
    spec:
      containers:
      - name: {{ .Chart.Name }}
        image: {{ tpl (printf "%s/%s:%s" .Values.global.image.registry .Chart.Name .Values.global.image.tag) . }}
        env:
        {{- range $k, $v := .Values.env }}
        - name: {{ $k }}
          value: {{ tpl (print $v) $ | quote }}
        {{- end }}
        args:
        {{- range $i, $_ := .Values.workerNames }}
        - --worker={{ $i }}
        {{- end }}
{{- end -}}
