{{/* Environment, volumes and mounts shared by the worker Deployment, the dead-letter replay Job and the
     reconciliation CronJob. */}}
{{- define "cdp-worker.envFrom" -}}
- configMapRef:
    name: {{ include "cdp-worker.fullname" . }}
{{- if or .Values.secret.create .Values.secret.existingSecret }}
- secretRef:
    name: {{ include "cdp-worker.secretName" . }}
{{- end }}
{{- with .Values.extraEnvFrom }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "cdp-worker.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- with .Values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "cdp-worker.volumes" -}}
# The root filesystem is read-only; /tmp is the only writable path.
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- with .Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "cdp-worker.podCommon" -}}
serviceAccountName: {{ include "cdp-worker.serviceAccountName" . }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* The pod spec of a one-shot command (replay Job, reconciliation CronJob).
     Call with (dict "root" $ "name" "container-name" "job" .Values.<section>). */}}
{{- define "cdp-worker.toolPod" -}}
{{- $root := .root -}}
{{- include "cdp-worker.podCommon" $root }}
restartPolicy: Never
containers:
  - name: {{ .name }}
    image: {{ include "cdp-worker.image" $root | quote }}
    imagePullPolicy: {{ $root.Values.image.pullPolicy }}
    args:
      {{- toYaml .job.args | nindent 6 }}
    envFrom:
      {{- include "cdp-worker.envFrom" $root | nindent 6 }}
    {{- with $root.Values.extraEnv }}
    env:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    resources:
      {{- toYaml .job.resources | nindent 6 }}
    securityContext:
      {{- toYaml $root.Values.securityContext | nindent 6 }}
    volumeMounts:
      {{- include "cdp-worker.volumeMounts" $root | nindent 6 }}
volumes:
  {{- include "cdp-worker.volumes" $root | nindent 2 }}
{{- end }}
