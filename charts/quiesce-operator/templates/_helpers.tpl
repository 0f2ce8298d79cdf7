{{/* Names, labels and shared values of the quiesce-operator chart. */}}

{{- define "quiesce-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "quiesce-operator.fullname" -}}
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

{{- define "quiesce-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "quiesce-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "quiesce-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "quiesce-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: quiesce-operator
{{- end }}

{{- define "quiesce-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "quiesce-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The webhook Service; its DNS name is in the serving certificate. */}}
{{- define "quiesce-operator.webhookService" -}}
{{- printf "%s-webhook" (include "quiesce-operator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "quiesce-operator.certSecret" -}}
{{- printf "%s-webhook-tls" (include "quiesce-operator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "quiesce-operator.leaseName" -}}
{{- include "quiesce-operator.fullname" . }}
{{- end }}

{{- define "quiesce-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* kube-system, the release namespace and webhook.excludeNamespaces: never sent to the webhooks. */}}
{{- define "quiesce-operator.excludedNamespaces" -}}
{{- $all := concat (list "kube-system" .Release.Namespace) .Values.webhook.excludeNamespaces | uniq }}
{{- toJson $all }}
{{- end }}
