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

{{/* resources.limits.memory in MiB (0 without a limit): a Kubernetes quantity (Ki, Mi, Gi, Ti, k, M, G, T, bytes). */}}
{{- define "quiesce-operator.memoryLimitMiB" -}}
{{- $limit := "" }}
{{- with .Values.resources }}{{ with .limits }}{{ $limit = toString (.memory | default "") }}{{ end }}{{ end }}
{{- if eq $limit "" }}0{{ else }}
{{- $num := regexFind "^[0-9]+(\\.[0-9]+)?" $limit }}
{{- $unit := trimPrefix $num $limit }}
{{- $bytes := dict "" 1.0 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "k" 1000.0 "M" 1000000.0 "G" 1000000000.0 "T" 1000000000000.0 }}
{{- if or (eq $num "") (not (hasKey $bytes $unit)) }}
{{- fail (printf "resources.limits.memory %q: not a memory quantity the chart can size the heap from (use Ki, Mi, Gi, Ti, k, M, G, T or bytes)" $limit) }}
{{- end }}
{{- divf (mulf (float64 $num) (get $bytes $unit)) 1048576.0 | floor | int }}
{{- end }}
{{- end }}

{{/*
NODE_OPTIONS of the operator: V8's old space at heap.maxOldSpacePercent of the memory limit (or heap.maxOldSpaceMiB),
so the garbage collector works within the container instead of growing into an OOM kill, and the young generation
capped at heap.maxSemiSpaceMiB per semi-space (V8's default lets it grow to 3 x 64 MiB). Empty when neither applies.
*/}}
{{- define "quiesce-operator.nodeOptions" -}}
{{- $heap := .Values.heap | default dict }}
{{- $old := int ($heap.maxOldSpaceMiB | default 0) }}
{{- if eq $old 0 }}
{{- $old = div (mul (int (include "quiesce-operator.memoryLimitMiB" .)) (int ($heap.maxOldSpacePercent | default 75))) 100 }}
{{- end }}
{{- $flags := list }}
{{- if gt $old 0 }}{{ $flags = append $flags (printf "--max-old-space-size=%d" $old) }}{{ end }}
{{- if $heap.maxSemiSpaceMiB }}{{ $flags = append $flags (printf "--max-semi-space-size=%d" (int $heap.maxSemiSpaceMiB)) }}{{ end }}
{{- join " " $flags }}
{{- end }}
