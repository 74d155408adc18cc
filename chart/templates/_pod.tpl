{{/*
The responder's Pod spec, shared by the receiver, the worker, the single Deployment of mode `all` and the
Knative receiver. Takes a dict: `root` (the chart context), `component` (receiver, worker or all) and
`knative` (true for the Knative Service, which sets PORT itself and allows only container security contexts).
*/}}
{{- define "etcd-responder.podSpec" -}}
{{- $root := .root }}
{{- $component := .component }}
{{- $knative := .knative | default false }}
{{- $serves := or (eq $component "receiver") (eq $component "all") }}
{{- $works := or (eq $component "worker") (eq $component "all") }}
{{- $values := $root.Values }}
serviceAccountName: {{ include "etcd-responder.serviceAccountName" $root }}
{{- with $values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if not $knative }}
{{- if $values.priorityClassName }}
priorityClassName: {{ $values.priorityClassName }}
{{- end }}
securityContext:
  {{- toYaml $values.podSecurityContext | nindent 2 }}
{{- if eq $component "worker" }}
terminationGracePeriodSeconds: {{ $values.worker.terminationGracePeriodSeconds }}
{{- else if eq $component "all" }}
terminationGracePeriodSeconds: {{ $values.all.terminationGracePeriodSeconds }}
{{- end }}
{{- with $values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
containers:
  - name: {{ $component }}
    image: {{ include "etcd-responder.image" $root }}
    imagePullPolicy: {{ $values.image.pullPolicy }}
    # The image's entrypoint is `node dist/cli.js` (with V8 heap flags); these are the command and its flags.
    args:
      - {{ $component | replace "receiver" "serve" }}
      - --config
      - {{ include "etcd-responder.configPath" $root }}
    {{- if $knative }}
    ports:
      - name: http1
        containerPort: {{ $values.service.port }}
    {{- else }}
    ports:
      {{- if $serves }}
      - name: http
        containerPort: {{ $values.service.port }}
        protocol: TCP
      {{- end }}
      {{- if $works }}
      - name: metrics
        containerPort: {{ $values.worker.port }}
        protocol: TCP
      {{- end }}
    {{- end }}
    env:
      - name: LOG_LEVEL
        value: {{ $values.logLevel | quote }}
      {{- if and $serves (not $knative) }}
      - name: PORT
        value: {{ $values.service.port | quote }}
      {{- end }}
      {{- if $works }}
      - name: WORKER_PORT
        value: {{ $values.worker.port | quote }}
      {{- end }}
      {{- if $serves }}
      - name: AUTH_TOKEN_FILE
        value: {{ include "etcd-responder.configDir" $root }}/auth/token
      {{- end }}
      {{- include "etcd-responder.redisEnv" $root | trim | nindent 6 }}
      {{- /* Knative refuses fieldRef by default; there HOSTNAME names the Pod. */}}
      {{- if not $knative }}
      - name: POD_NAME
        valueFrom:
          fieldRef:
            fieldPath: metadata.name
      - name: POD_NAMESPACE
        valueFrom:
          fieldRef:
            fieldPath: metadata.namespace
      {{- end }}
      {{- with $values.extraEnv }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
    {{- if $knative }}
    # Knative probes through its queue-proxy; the port, when given, must be the serving port.
    livenessProbe:
      httpGet:
        path: /healthz
        port: {{ $values.service.port }}
      periodSeconds: 10
      failureThreshold: 3
    readinessProbe:
      httpGet:
        path: /readyz
        port: {{ $values.service.port }}
      periodSeconds: 5
      failureThreshold: 2
    {{- else }}
    livenessProbe:
      httpGet:
        path: /healthz
        port: {{ ternary "http" "metrics" $serves }}
      initialDelaySeconds: 5
      periodSeconds: 10
      timeoutSeconds: 3
      failureThreshold: 3
    readinessProbe:
      httpGet:
        path: /readyz
        port: {{ ternary "http" "metrics" $serves }}
      periodSeconds: 5
      timeoutSeconds: 3
      failureThreshold: 2
    {{- end }}
    resources:
      {{- toYaml (index $values $component).resources | nindent 6 }}
    securityContext:
      {{- $securityContext := deepCopy $values.securityContext }}
      {{- if $knative }}
      {{- /* Knative refuses a Pod-level security context by default; the container carries the user instead. */}}
      {{- $_ := set $securityContext "runAsUser" $values.podSecurityContext.runAsUser }}
      {{- $_ := set $securityContext "runAsGroup" $values.podSecurityContext.runAsGroup }}
      {{- end }}
      {{- toYaml $securityContext | nindent 6 }}
    volumeMounts:
      - name: config
        mountPath: {{ include "etcd-responder.configDir" $root }}
        readOnly: true
      - name: tmp
        mountPath: /tmp
      {{- if $works }}
      - name: snapshots
        mountPath: {{ include "etcd-responder.snapshotsDir" $root }}
      {{- end }}
volumes:
  - name: config
    projected:
      # 0440 (group-readable: the Pod's fsGroup owns the files); 0444 on Knative, which sets no fsGroup.
      defaultMode: {{ ternary 292 288 $knative }}
      sources:
        - configMap:
            name: {{ include "etcd-responder.fullname" $root }}
            items:
              - key: config.yaml
                path: config.yaml
        {{- if $serves }}
        - secret:
            name: {{ include "etcd-responder.authSecretName" $root }}
            items:
              - key: {{ include "etcd-responder.authSecretKey" $root }}
                path: auth/token
        {{- end }}
        {{- with $values.etcd.tls }}
        {{- if .existingSecret }}
        - secret:
            name: {{ .existingSecret }}
            items:
              - key: {{ .caKey }}
                path: etcd-tls/ca.crt
              {{- if .clientCertificate }}
              - key: {{ .certKey }}
                path: etcd-tls/tls.crt
              - key: {{ .keyKey }}
                path: etcd-tls/tls.key
              {{- end }}
        {{- end }}
        {{- end }}
        {{- with $values.etcd.auth }}
        {{- if .existingSecret }}
        - secret:
            name: {{ .existingSecret }}
            items:
              - key: {{ .passwordKey }}
                path: etcd-auth/password
        {{- end }}
        {{- end }}
        {{- /* Each notification target's webhook URL, a secret, as the file its urlFile names. */}}
        {{- range $values.notifications.targets }}
        - secret:
            {{- if .existingSecret }}
            name: {{ .existingSecret }}
            items:
              - key: {{ .existingSecretKey | default "url" }}
                path: notifications/{{ .name }}/url
            {{- else }}
            name: {{ include "etcd-responder.notificationsSecretName" $root }}
            items:
              - key: {{ .name }}
                path: notifications/{{ .name }}/url
            {{- end }}
        {{- end }}
  - name: tmp
    emptyDir:
      sizeLimit: 64Mi
  {{- if $works }}
  - name: snapshots
    {{- if $values.snapshots.persistence.enabled }}
    persistentVolumeClaim:
      claimName: {{ $values.snapshots.persistence.existingClaim | default (include "etcd-responder.componentName" (list $root "snapshots")) }}
    {{- else }}
    emptyDir: {}
    {{- end }}
  {{- end }}
{{- end }}

{{/*
REDIS_URL for the responder's containers: the bundled Redis (with its password from the Secret, put into the
URL by the kubelet's $(VAR) expansion), the external URL, or the external URL from a Secret. With redis.sentinel,
the Sentinels, the master's name, the Sentinels' password from its Secret and the replicas that confirm a request;
with redis.cluster, the seed nodes and the replicas that confirm a request. REDIS_URL then only carries the
password, database and TLS, and is left out when neither url nor existingSecret is set. QUEUE_PREFIX when
redis.queuePrefix is set.
*/}}
{{- define "etcd-responder.redisEnv" -}}
{{- $values := .Values }}
{{- if $values.redis.bundled.enabled }}
{{- $host := printf "%s.%s.svc" (include "etcd-responder.redisName" .) .Release.Namespace }}
{{- if $values.redis.bundled.auth.enabled }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "etcd-responder.redisName" . }}
      key: password
- name: REDIS_URL
  value: {{ printf "redis://:$(REDIS_PASSWORD)@%s:6379/0" $host | quote }}
{{- else }}
- name: REDIS_URL
  value: {{ printf "redis://%s:6379/0" $host | quote }}
{{- end }}
{{- else if $values.redis.existingSecret }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $values.redis.existingSecret }}
      key: {{ $values.redis.existingSecretKey }}
{{- else if $values.redis.url }}
- name: REDIS_URL
  value: {{ $values.redis.url | quote }}
{{- end }}
{{- with $values.redis.cluster }}
{{- if .nodes }}
- name: REDIS_CLUSTER_NODES
  value: {{ join "," .nodes | quote }}
- name: REDIS_WAIT_REPLICAS
  value: {{ .waitReplicas | quote }}
{{- end }}
{{- end }}
{{- with $values.redis.queuePrefix }}
- name: QUEUE_PREFIX
  value: {{ . | quote }}
{{- end }}
{{- with $values.redis.sentinel }}
{{- if .addresses }}
- name: REDIS_SENTINELS
  value: {{ join "," .addresses | quote }}
- name: REDIS_MASTER_NAME
  value: {{ .masterName | quote }}
{{- if .passwordSecret.name }}
- name: REDIS_SENTINEL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .passwordSecret.name }}
      key: {{ .passwordSecret.key }}
{{- end }}
- name: REDIS_WAIT_REPLICAS
  value: {{ .waitReplicas | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Pod template metadata: labels and the checksums that roll the Pods when their configuration changes.
Takes the same dict as etcd-responder.podSpec.
*/}}
{{- define "etcd-responder.podMetadata" -}}
{{- $root := .root }}
labels:
  {{- include "etcd-responder.selectorLabels" $root | nindent 2 }}
  app.kubernetes.io/component: {{ .component }}
  {{- with $root.Values.podLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
annotations:
  checksum/config: {{ include "etcd-responder.configFile" $root | sha256sum }}
  {{- with include "etcd-responder.notificationsSecretData" $root | trim }}
  {{- /* The responder reads the URLs at start only: a changed one rolls the Pods. */}}
  checksum/notifications: {{ . | sha256sum }}
  {{- end }}
  {{- with .annotations }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
  {{- with $root.Values.podAnnotations }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}
