import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { crashLoopNotification } from "../test/e2e/crash-loop-notification.js";
import { ResponderClient } from "../test/e2e/responder-client.js";
import { startRedis } from "../test/support/redis-server.js";
import { startResponder, type ResponderProcess } from "../test/support/responder-process.js";
import { loadFigures, runAutocannon, type LoadFigures } from "./intake-load.js";

const CONNECTIONS = 50;
const DURATION_SECONDS = 10;
const WARM_UP_SECONDS = 2;
/** A Pod name of member 3 by the Pod name convention; no Kubernetes is asked. */
const POD = "example-3-7d9f8b6c4d-x2k4q";

export interface IntakeThroughputResult {
  /** `POST /v1/alerts` with one firing alert about a member whose recovery is already queued. */
  alerts: LoadFigures;
  /** Baseline: `GET /healthz` of the same process. */
  healthz: LoadFigures;
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

/** A kubeconfig naming a port nothing listens on, so the benchmark cannot reach any real cluster. */
function unreachableKubeconfig(): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "nowhere", cluster: { server: "https://127.0.0.1:9" } }],
    users: [{ name: "nobody", user: { token: "none" } }],
    contexts: [{ name: "nowhere", context: { cluster: "nowhere", user: "nobody" } }],
    "current-context": "nowhere",
  });
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
    await writeFile(join(dir, "kubeconfig"), unreachableKubeconfig());
    responder = await startResponder({
      config: join(dir, "responder.yaml"),
      redisURL: redis.url,
      token,
      mode: "serve",
      env: { KUBECONFIG: join(dir, "kubeconfig") },
    });
    const client = new ResponderClient(responder.url, token);
    const notification = crashLoopNotification({ pod: POD });
    const first = await client.postAlerts(notification);
    const body = JSON.stringify(notification);

    const alertsLoad = { url: `${responder.url}/v1/alerts`, method: "POST" as const, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body };
    const healthzLoad = { url: `${responder.url}/healthz` };
    // Warm-up (JIT, Redis connection, sockets), not reported.
    await runAutocannon({ ...alertsLoad, connections: CONNECTIONS, duration: WARM_UP_SECONDS });
    await runAutocannon({ ...healthzLoad, connections: CONNECTIONS, duration: WARM_UP_SECONDS });

    const healthz = loadFigures(await runAutocannon({ ...healthzLoad, connections: CONNECTIONS, duration: DURATION_SECONDS }));
    const alerts = loadFigures(await runAutocannon({ ...alertsLoad, connections: CONNECTIONS, duration: DURATION_SECONDS }));
    if (alerts.non2xx || alerts.errors) throw new Error(`the webhook answered ${alerts.non2xx} non-2xx and ${alerts.errors} errors:\n${responder.output().slice(-3000)}`);
    const recoveries = await client.listRecoveries({ cluster: "example", member: 3 });
    return { alerts, healthz, enqueuedFirst: first.enqueued.length, recoveries: recoveries.length };
  } finally {
    await responder?.stop();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function renderIntakeThroughput(result: IntakeThroughputResult): string {
  const row = (what: string, f: LoadFigures) =>
    `| ${what} | ${f.requestsPerSecond.toFixed(0)} | ${f.p50.toFixed(1)} ms | ${f.p99.toFixed(1)} ms | ${f.requests} |`;
  const { alerts, healthz } = result;
  const met = alerts.requestsPerSecond >= 3000 && alerts.p99 < 20;
  return [
    `### Intake throughput (receiver only, ${CONNECTIONS} connections, ${DURATION_SECONDS} s each, autocannon in the same host)`,
    "",
    "| what | requests/s | p50 | p99 | requests |",
    "|---|---|---|---|---|",
    row("`POST /v1/alerts`: one firing alert about a member whose recovery is queued (a dedup)", alerts),
    row("baseline: `GET /healthz` of the same process (Express and HTTP alone)", healthz),
    "",
    `The first notification queued ${result.enqueuedFirst} recovery; after the run the member has ${result.recoveries} ` +
      `(every other notification joined it). Each webhook request checks the token, parses and validates the body, ` +
      `maps the Pod to its member, reads the cluster's mode and asks Redis to queue, and logs three lines. ` +
      `Target: at least 3000 requests/s with p99 under 20 ms — ${met ? "met" : "not met"}; ` +
      `${((alerts.requestsPerSecond / healthz.requestsPerSecond) * 100).toFixed(0)}% of the bare HTTP rate.`,
  ].join("\n");
}
