import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RbacAuthorizationV1Api, type KubeConfig, type V1PolicyRule } from "@kubernetes/client-node";
import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";
import { startAlertmanager, type TestAlertmanager } from "../support/alertmanager.js";
import { readDeployRules, renderRules, withoutPendingPeriod } from "../support/crash-loop-rule.js";
import { breakUntilCrashLooping } from "../support/crash-looping-member.js";
import { clusterShape, expectEqualHashKV, expectHealthyCluster, writeKeys } from "../support/etcd-cluster-checks.js";
import { findObject, renderChart, runHelm, type HelmRun } from "../support/helm-chart.js";
import { isReady, kubeConfigFrom, waitForPods } from "../support/pod-watch.js";
import { startPrometheus, type TestPrometheus } from "../support/prometheus.js";
import { ResponderClient } from "../support/responder-client.js";
import { withoutVerb } from "../support/restricted-identity.js";
import { installedKeys, releaseObjects } from "../support/release-objects.js";
import { releaseReceiver } from "../support/release-receiver.js";
import { memberWorld, refusalEvents } from "../support/refusal-checks.js";
import { serviceMonitorScrapeConfigs } from "../support/service-monitor-scrape.js";
import { startSandboxProcess, type SandboxProcess } from "../support/sandbox-process.js";

const NS = "default";
const RELEASE = "etcd-responder";
const RELEASE_PODS = `app.kubernetes.io/instance=${RELEASE}`;
/** Helm's own record of the release: one Secret `sh.helm.release.v1.<release>.v<revision>` per revision. */
const HELM_RECORDS = `owner=helm,name=${RELEASE}`;
const KEYS = 30;
/** Helm waits this long for every Pod of the release to be Ready. */
const HELM_WAIT = "120s";

// The product as users install it: `helm install ./chart` with the chart's defaults into the sandbox, whose
// example cluster (5 members in `default`, addressed by Service name) is the chart's default cluster. The
// responder then runs in Pods of its own image, as the chart's ServiceAccount, under the chart's Role.
describe("the Helm-installed responder heals a member in-cluster, under its own RBAC", () => {
  let dir: string;
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  let prometheus: TestPrometheus | undefined;
  let alertmanager: TestAlertmanager | undefined;
  let receiver: ResponderClient;
  let token: string;
  let receiverURL: string;
  const cluster = () => sandbox.info.clusters[0]!;
  const helm = (...args: string[]): Promise<HelmRun> =>
    runHelm(["--kubeconfig", sandbox.info.kubeconfig, "--namespace", NS, ...args], dir, 180_000);
  const expectHelm = async (...args: string[]): Promise<HelmRun> => {
    const run = await helm(...args);
    expect(run.code, `helm ${args.join(" ")}:\n${run.stderr}${run.stdout.slice(-3000)}`).toBe(0);
    return run;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "etcd-responder-helm-e2e-"));
    sandbox = await startSandboxProcess({ members: 5, isolation: "namespaces" });
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    await writeKeys(sandbox.info, cluster(), "before", KEYS);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    await sandbox?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Waits until the release's Pods are exactly `count` Ready ones, none Terminating. */
  function releasePodsReady(count: number, what: string) {
    return waitForPods(
      kc,
      NS,
      RELEASE_PODS,
      (pods) =>
        pods.length === count && pods.every((pod) => isReady(pod) && !pod.metadata?.deletionTimestamp)
          ? pods
          : undefined,
      what,
      120_000,
    );
  }

  it("installs with the chart's defaults: every Pod Ready, the bundled Redis's too, and helm test passes", async () => {
    await expectHelm("install", RELEASE, "chart", "--wait", "--timeout", HELM_WAIT);
    const pods = await releasePodsReady(3, "the receiver, the worker and Redis Ready");
    expect(pods.map((pod) => pod.metadata!.labels!["app.kubernetes.io/component"]).sort()).toEqual([
      "receiver",
      "redis",
      "worker",
    ]);
    const test = await expectHelm("test", RELEASE, "--timeout", "60s");
    expect(test.stdout).toMatch(/Phase:\s+Succeeded/);

    ({ url: receiverURL, token } = await releaseReceiver(kc, RELEASE, NS));
    receiver = new ResponderClient(receiverURL, token);
  }, 200_000);

  const world = () => memberWorld(kc, sandbox.info, cluster(), "example-3");

  const rbacCases = [
    {
      what: "get on pods/log, used by Diagnose before the first change",
      rules: (rules: V1PolicyRule[]) => withoutVerb(rules, "", "pods/log", "get"),
      permission: "get pods/log in namespace default",
    },
    {
      what: "update on deployments, used only by Start",
      rules: (rules: V1PolicyRule[]) => withoutVerb(rules, "apps", "deployments", "update"),
      permission: "update deployments.apps in namespace default",
    },
  ];

  it("is refused up front when the chart's Role lacks a permission, with it named and nothing changed", async () => {
    await breakUntilCrashLooping(kc, NS, "example", 3);
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    const role = await rbac.readNamespacedRole({ name: RELEASE, namespace: NS });
    const chartRules = role.rules!;
    try {
      for (const { what, rules, permission } of rbacCases) {
        const current = await rbac.readNamespacedRole({ name: RELEASE, namespace: NS });
        await rbac.replaceNamespacedRole({
          name: RELEASE,
          namespace: NS,
          body: { ...current, rules: rules(chartRules) },
        });
        const before = await world();
        const { id } = await receiver.requestRecovery({ cluster: "example", namespace: NS, member: 3 });
        const record = await receiver.waitUntilFinished(id, 60_000);
        expect(record.state, `without ${what}: ${JSON.stringify(record)}`).toBe("refused");
        expect(record.reason).toContain(permission);
        expect(record.steps.map((step) => step.name)).toEqual(["permissions"]);
        expect(await world()).toEqual(before);
        expect((await refusalEvents(kc, NS, "example-3")).filter((m) => m.includes(permission))).not.toEqual([]);
      }
    } finally {
      const current = await rbac.readNamespacedRole({ name: RELEASE, namespace: NS });
      await rbac.replaceNamespacedRole({ name: RELEASE, namespace: NS, body: { ...current, rules: chartRules } });
    }
  }, 120_000);

  it("recovers the member from Prometheus's alert via Alertmanager, scraping as the ServiceMonitor says", async () => {
    const rulesFile = join(dir, "rules.yaml");
    await writeFile(rulesFile, renderRules(withoutPendingPeriod(await readDeployRules())));
    const serviceMonitor = findObject(
      await renderChart({
        set: ["serviceMonitor.enabled=true", "serviceMonitor.interval=1s", "serviceMonitor.scrapeTimeout=1s"],
        namespace: NS,
      }),
      "ServiceMonitor",
      RELEASE,
    );
    alertmanager = await startAlertmanager({ webhookURL: `${receiverURL}/v1/alerts`, token });
    prometheus = await startPrometheus({
      scrapeURL: sandbox.info.metricsURL,
      rulesFile,
      alertmanagerURL: alertmanager.url,
      extraScrapeConfigs: await serviceMonitorScrapeConfigs(kc, serviceMonitor),
    });

    const fromAlert = (r: RecoveryRecord) => r.member === 3 && r.trigger.kind === "alert";
    const recovery = await receiver
      .waitForRecovery(
        { cluster: "example" },
        (records) => {
          const finished = records.filter(fromAlert).find((r) => r.state !== "queued" && r.state !== "running");
          if (finished && finished.state !== "succeeded") {
            throw new Error(`the alert's recovery ended ${finished.state}: ${finished.reason ?? finished.error ?? ""}`);
          }
          return finished;
        },
        "a recovery of member 3 triggered by the alert to succeed",
        150_000,
      )
      .catch(async (error: Error) => {
        const alerts = JSON.stringify({
          prometheus: await prometheus!.alerts(),
          alertmanager: await alertmanager!.alerts(),
        });
        throw new Error(`${error.message}\nalerts: ${alerts}\nprometheus:\n${prometheus!.output().slice(-3000)}`);
      });
    expect(recovery.trigger).toMatchObject({ kind: "alert", alertname: "KubePodCrashLooping" });
    const verify = recovery.steps.find((step) => step.name === "verify");
    expect(verify?.detail).toMatch(/^5 voting members answer .* hashKV \d+ at revision \d+ on all/);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    expect((await clusterShape(sandbox.info, cluster())).learners).toBe(0);
    await expectEqualHashKV(sandbox.info, cluster());

    // Both of the release's metrics endpoints were found through the API server and scraped, and the worker's
    // counted the recovery.
    const scraped = async () =>
      (await prometheus!.query('up{job=~"etcd-responder.*"} == 1'))
        .map((series) => `${series.job}/${series.endpoint}`)
        .sort();
    await expect
      .poll(scraped, { timeout: 30_000, interval: 500 })
      .toEqual(["etcd-responder-worker/metrics", "etcd-responder/http"]);
    const counted = async () =>
      (await prometheus!.query('etcd_responder_recoveries_total{outcome="succeeded",cluster="example"} > 0')).length;
    await expect.poll(counted, { timeout: 30_000, interval: 500 }).toBe(1);
  }, 240_000);

  /**
   * Asserts that the release's objects are exactly those the chart renders in `mode`: none of the other mode's
   * left, none of this mode's missing.
   */
  async function expectObjectsOfMode(mode: "split" | "all") {
    const expected = installedKeys(await renderChart({ set: [`mode=${mode}`], namespace: NS, release: RELEASE }));
    const present = await releaseObjects(kc, NS, RELEASE_PODS);
    const left = present.filter((key) => !expected.includes(key));
    const missing = expected.filter((key) => !present.includes(key));
    expect({ left, missing }, `the release's objects in mode ${mode}: ${present.join(", ")}`).toEqual({
      left: [],
      missing: [],
    });
  }

  it("upgrades from split mode to all mode and back, healthy each time", async () => {
    await expectHelm("upgrade", RELEASE, "chart", "--set", "mode=all", "--wait", "--timeout", HELM_WAIT);
    const all = await releasePodsReady(2, "the all-in-one responder and Redis Ready, the split Pods gone");
    expect(all.map((pod) => pod.metadata!.labels!["app.kubernetes.io/component"]).sort()).toEqual(["all", "redis"]);
    // The receiver's and the worker's Deployments and the worker's metrics Service are gone; the Service
    // `etcd-responder` now selects the all-in-one Pod.
    await expectObjectsOfMode("all");
    const { id } = await receiver.requestRecovery({ cluster: "example", namespace: NS, member: 2 });
    expect((await receiver.waitUntilFinished(id, 60_000)).state).toBe("skipped");

    await expectHelm("upgrade", RELEASE, "chart", "--set", "mode=split", "--wait", "--timeout", HELM_WAIT);
    await releasePodsReady(3, "the receiver, the worker and Redis Ready again");
    await expectObjectsOfMode("split");
    await expectHelm("test", RELEASE, "--timeout", "60s");
  }, 300_000);

  it("uninstalls and leaves nothing behind", async () => {
    // While it is installed, the same lists find the release: its objects, and Helm's record of its first revision.
    expect(await releaseObjects(kc, NS, RELEASE_PODS)).toContain(`RoleBinding/${RELEASE}`);
    expect(await releaseObjects(kc, NS, HELM_RECORDS, ["Secret"])).toContain(`Secret/sh.helm.release.v1.${RELEASE}.v1`);
    await expectHelm("uninstall", RELEASE, "--wait", "--timeout", HELM_WAIT);
    await waitForPods(
      kc,
      NS,
      RELEASE_PODS,
      (pods) => (pods.length === 0 ? true : undefined),
      "the release's Pods gone",
    );
    const left = {
      objects: await releaseObjects(kc, NS, RELEASE_PODS),
      helmRecords: await releaseObjects(kc, NS, HELM_RECORDS, ["Secret"]),
      leases: await releaseObjects(kc, NS, undefined, ["Lease"]),
    };
    expect(left, "what the release left behind").toEqual({ objects: [], helmRecords: [], leases: [] });
    // The etcd cluster itself is untouched by the uninstall.
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
  }, 200_000);
});
