{{/*
The chart name, or nameOverride.
*/}}
{{- define "etcd-responder.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Prefix of every object name: fullnameOverride, else the release name (with the chart name unless the release
name already contains it). Truncated to 63 characters: Service names are DNS labels.
*/}}
{{- define "etcd-responder.fullname" -}}
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

{{/*
Name of one component's objects, `<fullname>-<suffix>`, shortened so that it stays a 63-character DNS label.
Takes a list: the root context and the suffix.
*/}}
{{- define "etcd-responder.componentName" -}}
{{- $root := index . 0 }}
{{- $suffix := index . 1 }}
{{- $prefix := include "etcd-responder.fullname" $root | trunc (int (sub 62 (len $suffix))) | trimSuffix "-" }}
{{- printf "%s-%s" $prefix $suffix }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "etcd-responder.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels on every object.
*/}}
{{- define "etcd-responder.labels" -}}
helm.sh/chart: {{ include "etcd-responder.chart" . }}
{{ include "etcd-responder.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: etcd-responder
{{- end }}

{{/*
Labels that select this release's Pods; add app.kubernetes.io/component to pick one component.
*/}}
{{- define "etcd-responder.selectorLabels" -}}
app.kubernetes.io/name: {{ include "etcd-responder.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The ServiceAccount the responder's Pods run as.
*/}}
{{- define "etcd-responder.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "etcd-responder.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The container image, `repository:tag`, the tag defaulting to the chart's appVersion.
*/}}
{{- define "etcd-responder.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/*
The namespaces of the managed etcd clusters, sorted and without repeats, one per line.
*/}}
{{- define "etcd-responder.managedNamespaces" -}}
{{- $namespaces := list }}
{{- range .Values.config.clusters }}
{{- $namespaces = append $namespaces (.namespace | default "default") }}
{{- end }}
{{- $namespaces | uniq | sortAlpha | join "\n" }}
{{- end }}

{{/*
The RBAC rules the responder needs in each managed namespace: exactly what its Kubernetes gateway calls
(REQUIRED_PERMISSIONS in src/gateways/kubernetes/kubernetes-gateway.ts; a test keeps the two equal), for members
run by Deployments (on a PersistentVolumeClaim or not) and by StatefulSets alike.
*/}}
{{- define "etcd-responder.rbacRules" -}}
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "update"]
- apiGroups: ["apps"]
  resources: ["deployments/scale"]
  verbs: ["patch"]
- apiGroups: ["apps"]
  resources: ["statefulsets"]
  verbs: ["get", "update"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list", "watch", "delete"]
- apiGroups: [""]
  resources: ["pods/log"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  verbs: ["get", "list", "watch", "create", "delete"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "create", "update", "delete"]
{{- end }}

{{/*
Name of the Secret holding the webhook bearer token, and its key.
*/}}
{{- define "etcd-responder.authSecretName" -}}
{{- .Values.auth.existingSecret | default (include "etcd-responder.componentName" (list . "auth")) }}
{{- end }}

{{- define "etcd-responder.authSecretKey" -}}
{{- if .Values.auth.existingSecret }}{{ .Values.auth.existingSecretKey }}{{ else }}token{{ end }}
{{- end }}

{{/*
The webhook token: auth.token when given, else the one already stored by an earlier release (so upgrades keep
it), else 32 random characters.
*/}}
{{- define "etcd-responder.authToken" -}}
{{- if .Values.auth.token }}
{{- .Values.auth.token }}
{{- else }}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "etcd-responder.authSecretName" .) }}
{{- if and $existing $existing.data (index $existing.data "token") }}
{{- index $existing.data "token" | b64dec }}
{{- else }}
{{- randAlphaNum 32 }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The Secret the chart makes for notification targets that give their `url` in the values, and its data.
*/}}
{{- define "etcd-responder.notificationsSecretName" -}}
{{- include "etcd-responder.componentName" (list . "notifications") }}
{{- end }}

{{- define "etcd-responder.notificationsSecretData" -}}
{{- range .Values.notifications.targets }}
{{- if and .url (not .existingSecret) }}
{{ .name }}: {{ .url | b64enc | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Name of the bundled Redis (StatefulSet, Service, Secret).
*/}}
{{- define "etcd-responder.redisName" -}}
{{- include "etcd-responder.componentName" (list . "redis") }}
{{- end }}

{{/*
The bundled Redis password: redis.bundled.auth.password when given, else the stored one, else random.
Only characters a URL carries as they are, because it goes into REDIS_URL unescaped.
*/}}
{{- define "etcd-responder.redisPassword" -}}
{{- if .Values.redis.bundled.auth.password }}
{{- .Values.redis.bundled.auth.password }}
{{- else }}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "etcd-responder.redisName" .) }}
{{- if and $existing $existing.data (index $existing.data "password") }}
{{- index $existing.data "password" | b64dec }}
{{- else }}
{{- randAlphaNum 32 }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Fails with a sentence naming the values that do not go together.
*/}}
{{- define "etcd-responder.validate" -}}
{{- if and .Values.serverless.keda.enabled (ne .Values.mode "split") }}
{{- fail "serverless.keda.enabled needs mode: split (KEDA scales the worker Deployment)" }}
{{- end }}
{{- if and .Values.serverless.knative.enabled (ne .Values.mode "split") }}
{{- fail "serverless.knative.enabled needs mode: split (only the receiver runs as a Knative Service)" }}
{{- end }}
{{- $sentinel := .Values.redis.sentinel }}
{{- $redisCluster := .Values.redis.cluster }}
{{- if and (not .Values.redis.bundled.enabled) (not .Values.redis.url) (not .Values.redis.existingSecret) (not $sentinel.addresses) (not $redisCluster.nodes) }}
{{- fail "Redis is required: enable redis.bundled, or set redis.url, redis.existingSecret, redis.sentinel.addresses or redis.cluster.nodes" }}
{{- end }}
{{- if and .Values.redis.bundled.enabled (or .Values.redis.url .Values.redis.existingSecret $sentinel.addresses $redisCluster.nodes) }}
{{- fail "redis.url, redis.existingSecret, redis.sentinel and redis.cluster are for an external Redis; set redis.bundled.enabled=false to use one" }}
{{- end }}
{{- if and $redisCluster.nodes $sentinel.addresses }}
{{- fail "redis.cluster and redis.sentinel are two ways to reach Redis: set one of them" }}
{{- end }}
{{- if and $redisCluster.nodes (not (regexMatch "\\{[^{}]+\\}" .Values.redis.queuePrefix)) }}
{{- $tagged := printf "{%s}" (.Values.redis.queuePrefix | default "etcd-responder") }}
{{- fail (printf "redis.cluster needs redis.queuePrefix with a hash tag, so that every key is in one hash slot: set redis.queuePrefix to %q (on the command line: --set-json 'redis.queuePrefix=%q')" $tagged $tagged) }}
{{- end }}
{{- if and $redisCluster.nodes .Values.serverless.keda.enabled }}
{{- fail "serverless.keda reads one Redis server, not a Redis Cluster; use it with the bundled Redis or a fixed redis.url" }}
{{- end }}
{{- if ne (empty $sentinel.addresses) (empty $sentinel.masterName) }}
{{- fail "redis.sentinel.addresses and redis.sentinel.masterName go together: set both to reach Redis through Sentinel" }}
{{- end }}
{{- if and $sentinel.addresses .Values.serverless.keda.enabled }}
{{- fail "serverless.keda does not follow a Sentinel failover; use it with the bundled Redis or a fixed redis.url" }}
{{- end }}
{{- if and .Values.serverless.keda.enabled (not .Values.redis.bundled.enabled) (not .Values.serverless.keda.redis.address) }}
{{- fail "serverless.keda.redis.address (host:port) is required with an external Redis" }}
{{- end }}
{{- if and .Values.etcd.auth.existingSecret (not .Values.etcd.auth.username) }}
{{- fail "etcd.auth.username is required with etcd.auth.existingSecret" }}
{{- end }}
{{- range $i, $target := .Values.notifications.targets }}
{{- if eq (empty $target.url) (empty $target.existingSecret) }}
{{- fail (printf "notifications.targets[%d] (%s) needs its URL from existingSecret or url, one of them" $i $target.name) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Mount paths inside the responder's containers.
*/}}
{{- define "etcd-responder.configDir" -}}/etc/etcd-responder{{- end }}
{{- define "etcd-responder.configPath" -}}/etc/etcd-responder/config.yaml{{- end }}
{{- define "etcd-responder.snapshotsDir" -}}/var/lib/etcd-responder/snapshots{{- end }}

{{/*
config.yaml: .Values.config with what the chart mounts filled in: every cluster's snapshots go to the snapshots
volume, and clusters without their own tls/auth use etcd.tls / etcd.auth when those are set (and then, unless
they name their own client URLs, https:// ones).
*/}}
{{- define "etcd-responder.configFile" -}}
{{- $dir := include "etcd-responder.configDir" . }}
{{- $clusters := list }}
{{- range .Values.config.clusters }}
{{- $cluster := deepCopy . }}
{{- $snapshots := deepCopy (.snapshots | default dict) }}
{{- $_ := set $snapshots "dir" (include "etcd-responder.snapshotsDir" $) }}
{{- $_ := set $cluster "snapshots" $snapshots }}
{{- if and $.Values.etcd.tls.existingSecret (not .tls) }}
{{- $tls := dict "caFile" (printf "%s/etcd-tls/ca.crt" $dir) }}
{{- if $.Values.etcd.tls.clientCertificate }}
{{- $_ := set $tls "certFile" (printf "%s/etcd-tls/tls.crt" $dir) }}
{{- $_ := set $tls "keyFile" (printf "%s/etcd-tls/tls.key" $dir) }}
{{- end }}
{{- $_ := set $cluster "tls" $tls }}
{{- /* TLS needs https:// client URLs: the responder's default template with https, unless the cluster names its own. */}}
{{- if not (and .naming .naming.clientURL) }}
{{- $naming := deepCopy (.naming | default dict) }}
{{- $_ := set $naming "clientURL" "https://{name}{index}.{namespace}.svc:2379" }}
{{- $_ := set $cluster "naming" $naming }}
{{- end }}
{{- end }}
{{- if and $.Values.etcd.auth.existingSecret (not .auth) }}
{{- $_ := set $cluster "auth" (dict "username" $.Values.etcd.auth.username "passwordFile" (printf "%s/etcd-auth/password" $dir)) }}
{{- end }}
{{- $clusters = append $clusters $cluster }}
{{- end }}
{{- $config := dict "clusters" $clusters "recovery" .Values.config.recovery }}
{{- if .Values.config.service }}
{{- $_ := set $config "service" .Values.config.service }}
{{- end }}
{{- with .Values.notifications }}
{{- if .targets }}
{{- $targets := list }}
{{- range .targets }}
{{- $target := dict "name" .name "format" .format "urlFile" (printf "%s/notifications/%s/url" $dir .name) }}
{{- with .events }}{{ $_ := set $target "events" . }}{{ end }}
{{- with .linkTemplate }}{{ $_ := set $target "linkTemplate" . }}{{ end }}
{{- $targets = append $targets $target }}
{{- end }}
{{- $notifications := merge (dict "targets" $targets) (deepCopy .settings) }}
{{- with .defaultTargets }}{{ $_ := set $notifications "defaultTargets" . }}{{ end }}
{{- $_ := set $config "notifications" $notifications }}
{{- end }}
{{- end }}
{{- toYaml $config }}
{{- end }}

{{/*
The alert expression: a container of a managed etcd member's Pod waited in CrashLoopBackOff within the last
5 minutes. One term per cluster. A cluster with a `statefulSet` has the Pods `<statefulSet.name>-<ordinal>`;
any other has its Deployments' Pods (the Deployment template, `{name}-{index}` by default, then the
ReplicaSet hash and the Pod suffix) and the Pods of a StatefulSet named after the cluster (`<name>-<ordinal>`).
Prometheus anchors the pattern at both ends, so `<name>-2x` or `<name>-redis-0` are not members.
*/}}
{{- define "etcd-responder.crashLoopExpr" -}}
{{- $terms := list }}
{{- range .Values.config.clusters }}
{{- $namespace := .namespace | default "default" }}
{{- $pods := "" }}
{{- if .statefulSet }}
{{- $pods = printf "%s-[0-9]+" .statefulSet.name }}
{{- else }}
{{- $deployment := "{name}-{index}" }}
{{- if and .naming .naming.deployment }}{{ $deployment = .naming.deployment }}{{ end }}
{{- $pattern := $deployment | replace "." "\\\\." | replace "{name}" .name | replace "{namespace}" $namespace | replace "{index}" "[0-9]+" }}
{{- $pods = printf "%s-.*|%s-[0-9]+" $pattern .name }}
{{- end }}
{{- $terms = append $terms (printf "max_over_time(kube_pod_container_status_waiting_reason{reason=\"CrashLoopBackOff\", namespace=~\"%s\", pod=~\"%s\"}[5m]) >= 1" $namespace $pods) }}
{{- end }}
{{- $terms | join "\nor\n" }}
{{- end }}

{{/*
Where Alertmanager posts alerts: the receiver's Service, or the Knative Service when the receiver runs on Knative.
*/}}
{{- define "etcd-responder.receiverBaseURL" -}}
{{- if .Values.serverless.knative.enabled }}
{{- printf "http://%s.%s.svc.cluster.local" (include "etcd-responder.fullname" .) .Release.Namespace }}
{{- else }}
{{- printf "http://%s.%s.svc:%d" (include "etcd-responder.fullname" .) .Release.Namespace (int .Values.service.port) }}
{{- end }}
{{- end }}

{{/*
BullMQ keys of one cluster's recovery queue, `<prefix>:<queue>:<list>`. The prefix and the queue name
`recover.<namespace>.<cluster>` are fixed by the responder's queue code.
*/}}
{{- define "etcd-responder.queueKey" -}}
{{- $cluster := index . 0 }}
{{- $list := index . 1 }}
{{- $prefix := index . 2 | default "etcd-responder" }}
{{- printf "%s:recover.%s.%s:%s" $prefix ($cluster.namespace | default "default") $cluster.name $list }}
{{- end }}
