import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppsV1Api, type KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAlertmanager, type TestAlertmanager } from "../support/alertmanager.js";
import { kubeConfigFrom } from "../support/pod-watch.js";
import { startPrometheus, type TestPrometheus } from "../support/prometheus.js";
import { startSandboxProcess, type SandboxProcess } from "../support/sandbox-process.js";
import { breakUntilCrashLooping } from "../support/crash-looping-member.js";
import { readDeployRules, renderRules, withoutPendingPeriod, type RulesFile } from "../support/crash-loop-rule.js";
import { startWebhookRecorder, type RecordedRequest, type WebhookRecorder } from "../support/webhook-recorder.js";
import { waitUntil } from "../support/etcd-retry.js";

interface Notification {
  version: string;
  receiver: string;
  status: string;
  groupLabels: Record<string, string>;
  alerts: {
    status: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    fingerprint: string;
  }[];
}

/** A firing notification about `pod`, as Alertmanager posts it. */
const firingAbout = (pod: string) => (request: RecordedRequest) => {
  const body = request.body as Partial<Notification>;
  return body.status === "firing" && (body.alerts ?? []).some((a) => a.status === "firing" && a.labels.pod === pod);
};

/** A one-replica StatefulSet `name` whose container exits at once, so its Pod `<name>-0` crash-loops. */
async function createCrashingStatefulSet(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  const labels = { app: name };
  await kc.makeApiClient(AppsV1Api).createNamespacedStatefulSet({
    namespace,
    body: {
      metadata: { name, namespace },
      spec: {
        replicas: 1,
        serviceName: name,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: "etcd", image: "busybox", command: ["sh", "-c", "exit 1"] }] },
        },
      },
    },
  });
}

describe("the shipped rule and Alertmanager route on real Prometheus and Alertmanager", () => {
  const token = randomBytes(16).toString("hex");
  let dir: string;
  let sandbox: SandboxProcess | undefined;
  let recorder: WebhookRecorder | undefined;
  let alertmanager: TestAlertmanager | undefined;
  let prometheus: TestPrometheus | undefined;
  let shipped: RulesFile;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "etcd-responder-e2e-"));
    shipped = await readDeployRules();
    const rulesFile = join(dir, "rules.yaml");
    await writeFile(rulesFile, renderRules(withoutPendingPeriod(shipped)));
    sandbox = await startSandboxProcess({ members: 3 });
    recorder = await startWebhookRecorder();
    alertmanager = await startAlertmanager({ webhookURL: `${recorder.url}/v1/alerts`, token });
    prometheus = await startPrometheus({
      scrapeURL: sandbox.info.metricsURL,
      rulesFile,
      alertmanagerURL: alertmanager.url,
    });
  });

  afterAll(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    await recorder?.close();
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("runs the shipped rule's filters unchanged: they name the sandbox's cluster", () => {
    // rendered-configs.test.ts pins that only `for:` differs from the shipped rule.
    const expr = shipped.groups[0]!.rules[0]!.expr;
    expect(expr).toContain('namespace=~"default", pod=~"example-[0-9]+-.*|example-[0-9]+"');
    expect(sandbox!.info.clusters.map((c) => `${c.namespace}/${c.name}`)).toEqual(["default/example"]);
  });

  it("fires for a crash-looping member Pod and posts it to the webhook with the bearer token", async () => {
    const pod = await breakUntilCrashLooping(kubeConfigFrom(sandbox!.info.kubeconfig), "default", "example", 2);
    const request = await recorder!
      .waitFor(firingAbout(pod), `a firing notification about ${pod}`, 60_000)
      .catch(async (error: Error) => {
        const seen = JSON.stringify({
          prometheus: await prometheus!.alerts(),
          alertmanager: await alertmanager!.alerts(),
        });
        throw new Error(
          `${error.message}\nalerts: ${seen}\n` +
            `prometheus:\n${prometheus!.output()}\nalertmanager:\n${alertmanager!.output()}`,
        );
      });

    expect(request.method).toBe("POST");
    expect(request.path).toBe("/v1/alerts");
    expect(request.authorization).toBe(`Bearer ${token}`);
    expect(request.contentType).toMatch(/^application\/json/);
    const body = request.body as Notification;
    expect(body.version).toBe("4");
    expect(body.receiver).toBe("etcd-responder");
    expect(body.groupLabels).toEqual({ alertname: "KubePodCrashLooping", namespace: "default", pod });
    // One notification per crash-looping Pod, as the route's group_by promises.
    expect(body.alerts).toHaveLength(1);
    const [alert] = body.alerts;
    expect(alert!.labels).toMatchObject({
      alertname: "KubePodCrashLooping",
      namespace: "default",
      pod,
      container: "etcd",
      reason: "CrashLoopBackOff",
      job: "kube-state-metrics",
      severity: "warning",
    });
    expect(alert!.annotations.summary).toBe(`etcd member Pod default/${pod} is crash-looping`);
    expect(alert!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    // No healthy member was reported.
    const pods = recorder!.requests.flatMap((r) => (r.body as Notification).alerts.map((a) => a.labels.pod));
    expect(new Set(pods)).toEqual(new Set([pod]));
  });

  it("fires for a crash-looping StatefulSet Pod of the cluster, and not for a look-alike StatefulSet's", async () => {
    const kc = kubeConfigFrom(sandbox!.info.kubeconfig);
    // The look-alike crash-loops first and is in Prometheus before the cluster's StatefulSet exists, so the
    // evaluation that fires for `example-0` has seen it too.
    await createCrashingStatefulSet(kc, "default", "example-redis");
    const lookAlike = 'kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff", pod="example-redis-0"}';
    await waitUntil(
      async () => (await prometheus!.query(`max_over_time(${lookAlike}[5m])`)).length > 0,
      "Prometheus to hold example-redis-0 in CrashLoopBackOff",
      60_000,
    );
    await createCrashingStatefulSet(kc, "default", "example");
    await recorder!.waitFor(firingAbout("example-0"), "a firing notification about example-0", 60_000);

    const alerted = (await prometheus!.alerts()).map((a) => a.labels.pod);
    expect(alerted).toContain("example-0");
    expect(alerted).not.toContain("example-redis-0");
    const notified = recorder!.requests.flatMap((r) => (r.body as Notification).alerts.map((a) => a.labels.pod));
    expect(notified).not.toContain("example-redis-0");
  });
});
