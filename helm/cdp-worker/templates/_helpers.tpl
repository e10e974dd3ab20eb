{{/* Chart name, truncated to the 63 characters a DNS label allows. */}}
{{- define "cdp-worker.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name; also the Service name and so the Prometheus `job` label. */}}
{{- define "cdp-worker.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "cdp-worker.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "cdp-worker.labels" -}}
helm.sh/chart: {{ include "cdp-worker.chart" . }}
{{ include "cdp-worker.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cdp-worker
{{- end }}

{{- define "cdp-worker.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cdp-worker.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "cdp-worker.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cdp-worker.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "cdp-worker.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/* Name of the Secret holding CDPW_CDP_API_TOKEN and CDPW_KAFKA_SASL_PASSWORD. */}}
{{- define "cdp-worker.secretName" -}}
{{- default (include "cdp-worker.fullname" .) .Values.secret.existingSecret }}
{{- end }}

{{- define "cdp-worker.metricsPort" -}}
{{- .Values.config.CDPW_METRICS_PORT | int }}
{{- end }}

{{/* PromQL label matcher that scopes alerts and the dashboard's defaults to this release's scrape job. */}}
{{- define "cdp-worker.jobSelector" -}}
{{- printf "job=%q" (default (include "cdp-worker.fullname" .) .Values.prometheusRule.job) }}
{{- end }}

{{/*
Pod grace period: the worker's drain deadline plus a margin for commit and close.
An explicit value must still exceed the drain deadline, or pods would be killed mid-drain.
*/}}
{{- define "cdp-worker.terminationGracePeriodSeconds" -}}
{{- $drain := .Values.config.CDPW_DRAIN_TIMEOUT_S | float64 | ceil | int }}
{{- $grace := .Values.terminationGracePeriodSeconds | default (add $drain .Values.drainGraceMarginSeconds) | int }}
{{- if le $grace $drain }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed CDPW_DRAIN_TIMEOUT_S (%d)" $grace $drain) }}
{{- end }}
{{- $poll := div (.Values.config.CDPW_KAFKA_MAX_POLL_INTERVAL_MS | int) 1000 }}
{{- if le $poll $drain }}
{{- fail (printf "CDPW_KAFKA_MAX_POLL_INTERVAL_MS (%ds) must exceed CDPW_DRAIN_TIMEOUT_S (%d)" $poll $drain) }}
{{- end }}
{{- $grace }}
{{- end }}

{{/* Replica ceiling: never more pods than partitions (extra consumers would sit idle). */}}
{{- define "cdp-worker.maxReplicas" -}}
{{- min .Values.autoscaling.maxReplicas .Values.autoscaling.partitions }}
{{- end }}

{{/* Lag per replica that triggers a scale-up: what one pod clears in targetCatchUpSeconds. */}}
{{- define "cdp-worker.lagThreshold" -}}
{{- if .Values.autoscaling.lagThreshold }}
{{- .Values.autoscaling.lagThreshold | int }}
{{- else }}
{{- mulf .Values.autoscaling.perPodRecordsPerSecond .Values.autoscaling.targetCatchUpSeconds | ceil | int }}
{{- end }}
{{- end }}

{{/*
A setting as an environment string. Helm reads YAML numbers as float64, and Go would print a large
integer as 1.2e+07, which an integer setting rejects: integral numbers are printed as integers.
*/}}
{{- define "cdp-worker.envValue" -}}
{{- if and (kindIs "float64" .) (eq . (floor .)) }}
{{- printf "%d" (int64 .) }}
{{- else }}
{{- toString . }}
{{- end }}
{{- end }}
