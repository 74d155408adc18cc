import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";
import { expectHealthyCluster, writeKeys } from "../support/etcd-cluster-checks.js";
import { startAlertmanager, type TestAlertmanager } from "../support/alertmanager.js";
import { kubeConfigFrom } from "../support/pod-watch.js";
import { startPrometheus, type TestPrometheus } from "../support/prometheus.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { startResponder, type ResponderProcess } from "../support/responder-process.js";
import { startSandboxProcess, type SandboxProcess } from "../support/sandbox-process.js";
import { breakUntilCrashLooping } from "../support/crash-looping-member.js";
import { readDeployRules, renderRules, withoutPendingPeriod } from "../support/crash-loop-rule.js";
import { ResponderClient } from "../support/responder-client.js";

const KEYS = 40;
/** The receiver the snippet in deploy/alertmanager names; Alertmanager puts it on every notification. */
const RECEIVER = "etcd-responder";

describe("a crash-looping member is recovered from Prometheus's alert alone", () => {
  const token = randomBytes(16).toString("hex");
  let dir: string | undefined;
  let redis: TestRedis | undefined;
  let sandbox: SandboxProcess | undefined;
  let responder: ResponderProcess | undefined;
  let alertmanager: TestAlertmanager | undefined;
  let prometheus: TestPrometheus | undefined;
  let client: ResponderClient;
  const cluster = () => sandbox!.info.clusters[0]!;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "etcd-responder-e2e-"));
    const rulesFile = join(dir, "rules.yaml");
    // The shipped rule with `for: 0s`; rendered-configs.test.ts pins that nothing else differs.
    await writeFile(rulesFile, renderRules(withoutPendingPeriod(await readDeployRules())));
    redis = await startRedis();
    sandbox = await startSandboxProcess({ members: 5 });
    responder = await startResponder({
      config: join(sandbox.dir, "responder.yaml"),
      redisURL: redis.url,
      token,
      mode: "all",
      env: { KUBECONFIG: sandbox.info.kubeconfig },
    });
    client = new ResponderClient(responder.url, token);
    alertmanager = await startAlertmanager({ webhookURL: `${responder.url}/v1/alerts`, token });
    prometheus = await startPrometheus({
      scrapeURL: sandbox.info.metricsURL,
      rulesFile,
      alertmanagerURL: alertmanager.url,
    });
    await writeKeys(sandbox.info, cluster(), "before", KEYS);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    await responder?.stop();
    await sandbox?.stop();
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("recovers member 3 after its Pod came back empty, with no request but Alertmanager's", async () => {
    const pod = await breakUntilCrashLooping(kubeConfigFrom(sandbox!.info.kubeconfig), "default", "example", 3);

    const isMember3Alert = (r: RecoveryRecord) => r.member === 3 && r.trigger.kind === "alert";
    const recovery = await client
      .waitForRecovery(
        { cluster: "example" },
        (records) => {
          const finished = records.filter(isMember3Alert).find((r) => r.state !== "queued" && r.state !== "running");
          if (finished && finished.state !== "succeeded") {
            throw new Error(
              `the alert's recovery of member 3 ended ${finished.state}: ${finished.reason ?? finished.error ?? ""}`,
            );
          }
          return finished;
        },
        "a recovery of member 3 triggered by an alert to succeed",
        150_000,
      )
      .catch(async (error: Error) => {
        const alerts = JSON.stringify({
          prometheus: await prometheus!.alerts(),
          alertmanager: await alertmanager!.alerts(),
        });
        throw new Error(`${error.message}\nalerts: ${alerts}\nresponder:\n${responder!.output().slice(-6000)}`);
      });

    expect(recovery.trigger).toMatchObject({
      kind: "alert",
      alertname: "KubePodCrashLooping",
      receiver: RECEIVER,
      pod,
    });
    expect(recovery.trigger.kind === "alert" && recovery.trigger.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(recovery.mode).toBe("act");
    const done = recovery.steps.filter((s) => s.outcome === "done").map((s) => s.name);
    for (const step of ["stop", "remove", "add", "start", "verify"]) expect(done).toContain(step);

    await expectHealthyCluster(sandbox!, cluster(), "before", KEYS);
    // Nobody but Alertmanager asked: every recovery there is came from an alert, and only about member 3.
    const all = await client.listRecoveries({ cluster: "example" });
    expect(all.map((r) => [r.member, r.trigger.kind])).toEqual(all.map(() => [3, "alert"]));
  }, 180_000);
});
