import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { CLUSTER_MODES, type ClusterMode } from "./config/types.js";

/** What became of one alert of a webhook notification. */
type AlertResult = "enqueued" | "deduplicated" | "ignored";

/** Where the gauges read their values at scrape time; each source is optional. */
export interface MetricsSources {
  /** Recoveries waiting per cluster (`namespace/name`), usually `queue.waitingCounts()`; default none. */
  waitingCounts?: () => Promise<Record<string, number>>;
  /** The current mode of every cluster, usually `modes.list()`; default none. */
  clusterModes?: () => Promise<readonly { cluster: string; namespace: string; mode: ClusterMode }[]>;
  /** How long a scrape waits for a source before leaving its gauge empty, ms; default `2000`. */
  sourceTimeoutMs?: number;
}

/** The metrics of one process (receiver or worker), served on its own `/metrics`. */
export interface Metrics {
  /** The prom-client registry holding the default process metrics and the responder's own. */
  readonly registry: Registry;
  /** Counts alerts of webhook notifications by what became of them. */
  countAlerts(result: AlertResult, count?: number): void;
  /** Records one answered HTTP request; `route` is the route template (`/v1/recoveries/:id`), never the raw path. */
  observeHttpRequest(request: { route: string; method: string; code: number }, seconds: number): void;
  /** Records one finished recovery: its count by outcome (`succeeded`, `skipped`, ...) and how long it took. */
  observeRecovery(recovery: { cluster: string; namespace: string; outcome: string }, seconds: number): void;
  /** Counts one trip of a cluster's circuit breaker (the cluster went to `observe`). */
  countCircuitBreakerTrip(cluster: string): void;
  /** Counts one recovery that failed for good after it had changed its member (a human must look). */
  countLeftChanged(recovery: { cluster: string; namespace: string }): void;
  /**
   * Counts notifications to a target by event and what became of them: `sent`, `failed` (given up after its
   * attempts, or refused by the receiver) or `dropped` (its queue was full, or the worker stopped).
   */
  countNotification(
    notification: { target: string; event: string; result: "sent" | "failed" | "dropped" },
    count?: number,
  ): void;
  /** Sets how many notifications to a target are queued or being sent. */
  setNotificationsPending(target: string, count: number): void;
  /** Counts one release of memory once the process went quiet after start-up or a burst. */
  countIdleHeapRelease(): void;
  /** The Content-Type of `render()`'s text. */
  readonly contentType: string;
  /** Every metric in the Prometheus text format. */
  render(): Promise<string>;
}

const DEFAULT_SOURCE_TIMEOUT_MS = 2000;

/** Creates a fresh registry with the default process metrics and the responder's own metrics. */
export function createMetrics(sources: MetricsSources = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const timeoutMs = sources.sourceTimeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS;

  const alerts = new Counter({
    name: "etcd_responder_alerts_total",
    help: "Alerts received on the Alertmanager webhook, by what became of them.",
    labelNames: ["result"] as const,
    registers,
  });
  // Zero series up front so a rate() query has data before the first alert.
  for (const result of ["enqueued", "deduplicated", "ignored"] as const) alerts.inc({ result }, 0);

  const httpRequests = new Counter({
    name: "etcd_responder_http_requests_total",
    help: "HTTP requests answered, by route template, method and status code.",
    labelNames: ["route", "method", "code"] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: "etcd_responder_http_request_duration_seconds",
    help: "Time to answer an HTTP request, by route template and method.",
    labelNames: ["route", "method"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const recoveries = new Counter({
    name: "etcd_responder_recoveries_total",
    help: "Recoveries finished, by cluster, namespace and outcome.",
    labelNames: ["cluster", "namespace", "outcome"] as const,
    registers,
  });
  const recoveryDuration = new Histogram({
    name: "etcd_responder_recovery_duration_seconds",
    help: "Time from the start of a recovery to its end, by cluster and outcome.",
    labelNames: ["cluster", "outcome"] as const,
    buckets: [1, 5, 10, 20, 30, 60, 120, 300, 600, 1200],
    registers,
  });
  const trips = new Counter({
    name: "etcd_responder_circuit_breaker_trips_total",
    help: "Times a cluster's circuit breaker tripped and put the cluster in observe mode.",
    labelNames: ["cluster"] as const,
    registers,
  });

  const leftChanged = new Counter({
    name: "etcd_responder_recoveries_left_changed_total",
    help:
      "Recoveries that failed for good after they had changed their member (e.g. its Deployment left at 0 " +
      "replicas): a human must look.",
    labelNames: ["cluster", "namespace"] as const,
    registers,
  });

  const notifications = new Counter({
    name: "etcd_responder_notifications_total",
    help:
      "Notifications to each target, by event and result: sent, failed (given up) or dropped (queue full, " +
      "shutdown).",
    labelNames: ["target", "event", "result"] as const,
    registers,
  });
  const notificationsPending = new Gauge({
    name: "etcd_responder_notifications_pending",
    help: "Notifications queued or being sent, by target.",
    labelNames: ["target"] as const,
    registers,
  });

  const idleHeapReleases = new Counter({
    name: "etcd_responder_idle_heap_releases_total",
    help: "Times the process gave memory back once it went quiet after start-up or a burst (an alert storm).",
    registers,
  });

  const { waitingCounts, clusterModes } = sources;
  new Gauge({
    name: "etcd_responder_queue_waiting",
    help: "Recoveries waiting to run, by cluster (namespace/name).",
    labelNames: ["cluster"] as const,
    registers,
    async collect() {
      this.reset();
      if (!waitingCounts) return;
      // A scrape must answer even when Redis does not; the gauge is then left empty.
      const counts = await withinDeadline(waitingCounts(), timeoutMs);
      for (const [cluster, count] of Object.entries(counts ?? {})) this.set({ cluster }, count);
    },
  });
  new Gauge({
    name: "etcd_responder_cluster_mode",
    help: "1 for the current mode of each cluster, 0 for the other modes.",
    labelNames: ["cluster", "namespace", "mode"] as const,
    registers,
    async collect() {
      this.reset();
      if (!clusterModes) return;
      const states = await withinDeadline(clusterModes(), timeoutMs);
      for (const state of states ?? []) {
        for (const mode of CLUSTER_MODES) {
          this.set({ cluster: state.cluster, namespace: state.namespace, mode }, state.mode === mode ? 1 : 0);
        }
      }
    },
  });

  return {
    registry,
    contentType: registry.contentType,
    countAlerts: (result, count = 1) => alerts.inc({ result }, count),
    observeHttpRequest: ({ route, method, code }, seconds) => {
      httpRequests.inc({ route, method, code: String(code) });
      httpDuration.observe({ route, method }, seconds);
    },
    observeRecovery: ({ cluster, namespace, outcome }, seconds) => {
      recoveries.inc({ cluster, namespace, outcome });
      recoveryDuration.observe({ cluster, outcome }, seconds);
    },
    countCircuitBreakerTrip: (cluster) => trips.inc({ cluster }),
    countLeftChanged: ({ cluster, namespace }) => leftChanged.inc({ cluster, namespace }),
    countNotification: ({ target, event, result }, count = 1) => notifications.inc({ target, event, result }, count),
    setNotificationsPending: (target, count) => notificationsPending.set({ target }, count),
    countIdleHeapRelease: () => idleHeapReleases.inc(),
    render: () => registry.metrics(),
  };
}

/** The source's value, or undefined when it fails or does not answer within `timeoutMs`. */
async function withinDeadline<T>(source: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    return await Promise.race([source.catch(() => undefined), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
