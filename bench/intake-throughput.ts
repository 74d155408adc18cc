import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { crashLoopNotification } from "../test/support/crash-loop-notification.js";
import { ResponderClient } from "../test/support/responder-client.js";
import { startRedis } from "../test/support/redis-server.js";
import { tokenKubeconfig } from "../test/support/token-kubeconfig.js";
import { startResponder, type ResponderProcess } from "../test/support/responder-process.js";
import { loadFigures, runAutocannon, type LoadFigures } from "./intake-load.js";

/** Connections of the main runs: a few Alertmanager replicas, each posting several groups at once. */
const CONNECTIONS = 10;
/** Connections of the saturation run: five times as many clients as the main runs. */
const MANY_CONNECTIONS = 50;
const DURATION_SECONDS = 10;
const WARM_UP_SECONDS = 2;
/** The rate the webhook must sustain, requests/s, and the p99 it must keep meanwhile, ms. */
const TARGET_RATE = 3000;
const TARGET_P99_MS = 20;
/** A Pod name of member 3 by the Pod name convention; no Kubernetes is asked. */
const POD = "example-3-7d9f8b6c4d-x2k4q";

export interface IntakeThroughputResult {
  /** `POST /v1/alerts` with one firing alert about a member whose recovery is already queued, as fast as it answers. */
  alerts: LoadFigures;
  /** The same at the target rate: the latencies of that load, not of saturation. */
  alertsAtTarget: LoadFigures;
  /** The same as fast as it answers with many more connections. */
  alertsManyConnections: LoadFigures;
  /** Baselines: `GET /healthz` of the same process under the same three loads. */
  healthz: LoadFigures;
  healthzAtTarget: LoadFigures;
  healthzManyConnections: LoadFigures;
  /** What the first notification answered: one recovery enqueued. */
  enqueuedFirst: number;
  /** Recoveries of the member after the run (expected: the one queued by the first notification). */
  recoveries: number;
}

/**
 * The configuration of a 5-member cluster `example` in `default` whose etcd and Kubernetes are nowhere:
 * the receiver maps alerts to members by the Pod name convention and queues, which needs neither.
 */
function intakeOnlyConfig(): string {
  return stringify({ clusters: [{ name: "example", namespace: "default", members: 5 }] });
}

/**
 * The receiver alone (`serve`, no worker) under an alert storm: every notification after the first joins
 * the queued recovery (a dedup), which is what a storm from several Alertmanager replicas and repeats is.
 */
export async function benchIntakeThroughput(): Promise<IntakeThroughputResult> {
  const dir = await mkdtemp(join(tmpdir(), "etcd-responder-bench-intake-"));
  const redis = await startRedis();
  const token = randomBytes(16).toString("hex");
  let responder: ResponderProcess | undefined;
  try {
    await writeFile(join(dir, "responder.yaml"), intakeOnlyConfig());
    // A port nothing listens on, so the benchmark cannot reach any real cluster.
    await writeFile(join(dir, "kubeconfig"), tokenKubeconfig("https://127.0.0.1:9"));
    responder = await startResponder({
      config: join(dir, "responder.yaml"),
      redisURL: redis.url,
      token,
      mode: "serve",
      env: { KUBECONFIG: join(dir, "kubeconfig") },
    });
    const client = new ResponderClient(responder.url, token);
    const notification = crashLoopNotification([{ pod: POD }]);
    const first = await client.postAlerts(notification);
    const body = JSON.stringify(notification);

    const alertsLoad = {
      url: `${responder.url}/v1/alerts`,
      method: "POST" as const,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body,
    };
    const healthzLoad = { url: `${responder.url}/healthz` };
    // Warm-up (JIT, Redis connection, sockets), not reported.
    await runAutocannon({ ...alertsLoad, connections: MANY_CONNECTIONS, duration: WARM_UP_SECONDS });
    await runAutocannon({ ...healthzLoad, connections: MANY_CONNECTIONS, duration: WARM_UP_SECONDS });

    const run = async (load: typeof healthzLoad, connections: number, overallRate?: number) => {
      const figures = loadFigures(
        await runAutocannon({
          ...load,
          connections,
          duration: DURATION_SECONDS,
          ...(overallRate ? { overallRate } : {}),
        }),
      );
      if (figures.non2xx || figures.errors)
        throw new Error(
          `${load.url} answered ${figures.non2xx} non-2xx and ${figures.errors} errors:\n` +
            `${responder?.output().slice(-3000)}`,
        );
      return figures;
    };
    const healthz = await run(healthzLoad, CONNECTIONS);
    const healthzAtTarget = await run(healthzLoad, CONNECTIONS, TARGET_RATE);
    const healthzManyConnections = await run(healthzLoad, MANY_CONNECTIONS);
    const alerts = await run(alertsLoad, CONNECTIONS);
    const alertsAtTarget = await run(alertsLoad, CONNECTIONS, TARGET_RATE);
    const alertsManyConnections = await run(alertsLoad, MANY_CONNECTIONS);
    const recoveries = await client.listRecoveries({ cluster: "example", member: 3 });
    return {
      alerts,
      alertsAtTarget,
      alertsManyConnections,
      healthz,
      healthzAtTarget,
      healthzManyConnections,
      enqueuedFirst: first.enqueued.length,
      recoveries: recoveries.length,
    };
  } finally {
    await responder?.stop();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function renderIntakeThroughput(result: IntakeThroughputResult): string {
  const row = (what: string, f: LoadFigures) =>
    `| ${what} | ${f.requestsPerSecond.toFixed(0)} | ${f.p50.toFixed(1)} ms | ${f.p99.toFixed(1)} ms | ${f.requests} |`;
  const { alerts, alertsAtTarget, alertsManyConnections, healthz, healthzAtTarget, healthzManyConnections } = result;
  const rateMet = alerts.requestsPerSecond >= TARGET_RATE;
  const latencyMet = alertsAtTarget.requestsPerSecond >= TARGET_RATE * 0.98 && alertsAtTarget.p99 < TARGET_P99_MS;
  const percentOf = (a: LoadFigures, b: LoadFigures) =>
    `${((a.requestsPerSecond / b.requestsPerSecond) * 100).toFixed(0)}%`;
  return [
    `### Intake throughput (receiver only, ${DURATION_SECONDS} s per load, autocannon in the same host)`,
    "",
    "| load | requests/s | p50 | p99 | requests |",
    "|---|---|---|---|---|",
    row(`\`POST /v1/alerts\`, ${CONNECTIONS} connections, as fast as it answers`, alerts),
    row(`\`POST /v1/alerts\`, ${CONNECTIONS} connections, ${TARGET_RATE} requests/s`, alertsAtTarget),
    row(`\`POST /v1/alerts\`, ${MANY_CONNECTIONS} connections, as fast as it answers`, alertsManyConnections),
    row(`baseline \`GET /healthz\`, ${CONNECTIONS} connections, as fast as it answers`, healthz),
    row(`baseline \`GET /healthz\`, ${CONNECTIONS} connections, ${TARGET_RATE} requests/s`, healthzAtTarget),
    row(`baseline \`GET /healthz\`, ${MANY_CONNECTIONS} connections, as fast as it answers`, healthzManyConnections),
    "",
    `Every notification carries one firing alert about a member whose recovery is queued (a dedup). The first ` +
      `queued ${result.enqueuedFirst} recovery; after the runs the member has ${result.recoveries}. ` +
      `Target: at least ${TARGET_RATE} requests/s — ${rateMet ? "met" : "not met"} ` +
      `(${percentOf(alerts, healthz)} of the bare HTTP rate with ${CONNECTIONS} connections, ` +
      `${percentOf(alertsManyConnections, healthzManyConnections)} with ${MANY_CONNECTIONS}); ` +
      `p99 under ${TARGET_P99_MS} ms at that rate — ${latencyMet ? "met" : "not met"}.`,
  ].join("\n");
}
