import { spawn } from "node:child_process";
import { join } from "node:path";
import { AppsV1Api, type KubeConfig } from "@kubernetes/client-node";
import { afterAll, assert, beforeAll, describe, expect, it } from "vitest";
import type { AlertsAnswer } from "../../src/intake/alerts.js";
import { DEPLOYMENT_STEPS } from "../../src/recovery/context.js";
import type { RecoveryListBody } from "../support/api-bodies.js";
import { expectEqualHashKV, expectHealthyCluster, clusterShape } from "../support/etcd-cluster-checks.js";
import { breakUntilCrashLooping } from "../support/crash-looping-member.js";
import { memberOnClaim, moveDataToEmptyClaim } from "../support/deployment-on-claim.js";
import { breakMember } from "../support/pod-watch.js";
import { conventionalPodName, crashLoopNotification, RECEIVER } from "../support/crash-loop-notification.js";
import { TEST_TOKEN, type ResponderProcess } from "../support/responder-process.js";
import type { SandboxProcess } from "../support/sandbox-process.js";
import { startServiceStack, type ServiceStack } from "../support/service-stack.js";
import { repoRoot } from "../support/tools.js";
import { alertCrashLoops, isFinal, waitForRecovery, type ServiceApi } from "../support/service-api.js";
import { claimUid } from "../support/statefulset-member.js";

const KEYS = 30;

/** Runs `etcd-responder enqueue` as a person would. */
function runEnqueue(url: string, member: number, env: Record<string, string> = { AUTH_TOKEN: TEST_TOKEN }) {
  const args = [
    "--import",
    "tsx",
    join(repoRoot, "src/cli.ts"),
    "enqueue",
    "--url",
    url,
    "--cluster",
    "example",
    "--member",
    String(member),
    "--timeout",
    "90",
  ];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, AUTH_TOKEN: "", AUTH_TOKEN_FILE: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once("exit", (code) => resolve({ code, stdout, stderr })),
  );
}

describe("the service end to end: alert, queue, worker, recovery (one `all` process)", () => {
  let stack: ServiceStack;
  let sandbox: SandboxProcess;
  let service: ResponderProcess;
  let api: ServiceApi;
  let kc: KubeConfig;
  const cluster = () => sandbox.info.clusters[0]!;

  beforeAll(async () => {
    stack = await startServiceStack({}, "before", KEYS);
    ({ sandbox, service, api, kc } = stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("recovers a crash-looping member from an Alertmanager notification", async () => {
    const pod = (await breakMember(kc, "default", "example", 3)) ?? conventionalPodName("example-3");
    const idsBefore = (await clusterShape(sandbox.info, cluster())).ids;

    const answer = await api.post(
      "/v1/alerts",
      crashLoopNotification([{ namespace: "default", pod, fingerprint: "4f1c2a9be07d3c61" }]),
    );
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ deduplicated: 0, ignored: 0 });
    const { enqueued } = answer.body as AlertsAnswer;
    expect(enqueued).toHaveLength(1);
    const [queued] = enqueued;
    assert.isDefined(queued);
    expect(queued).toMatchObject({ cluster: "example", namespace: "default", member: 3 });

    const record = await waitForRecovery(api, queued.id);
    expect(record.state, JSON.stringify(record)).toBe("succeeded");
    expect(record.mode).toBe("act");
    expect(record.trigger).toEqual({
      kind: "alert",
      alertname: "KubePodCrashLooping",
      fingerprint: "4f1c2a9be07d3c61",
      receiver: RECEIVER,
      pod,
      startsAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
    });
    expect(record.steps.map((s) => s.name)).toEqual([...DEPLOYMENT_STEPS]);
    for (const step of record.steps) {
      expect(step.startedAt).toBeGreaterThan(0);
      expect(step.endedAt).toBeGreaterThanOrEqual(step.startedAt);
    }
    expect(Date.parse(record.finishedAt ?? "")).toBeGreaterThanOrEqual(Date.parse(record.startedAt ?? ""));

    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    const idsAfter = (await clusterShape(sandbox.info, cluster())).ids;
    for (const name of ["example1", "example2", "example4", "example5"]) expect(idsAfter[name]).toBe(idsBefore[name]);
    expect(idsAfter.example3).not.toBe(idsBefore.example3);
  });

  it("follows a manual recovery with `enqueue` to the end (exit 0), and answers 3 for a healthy member", async () => {
    // The `[stop]` line below needs a running Pod to stop, so the member must crash-loop rather than be scaled to 0.
    await breakUntilCrashLooping(kc, "default", "example", 4);
    const run = await runEnqueue(service.url, 4);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^queued recovery example-4-/);
    for (const step of ["lock", "diagnose", "stop", "remove", "add", "start", "promote", "verify"]) {
      expect(
        lines.filter((line) => line.startsWith(`[${step}] `)),
        `one [${step}] line in:\n${run.stdout}`,
      ).toHaveLength(1);
    }
    expect(run.stdout).toMatch(/^\[stop\] scaled Deployment example-4 to 0/m);
    expect(lines.at(-1)).toMatch(/^succeeded: recovered member example4 of default\/example/);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);

    const [healthy, unauthorized] = await Promise.all([
      runEnqueue(service.url, 1),
      runEnqueue(service.url, 1, { AUTH_TOKEN: "wrong" }),
    ]);
    expect(healthy.code, healthy.stdout + healthy.stderr).toBe(3);
    expect(healthy.stdout.trim().split("\n").at(-1)).toMatch(/^skipped: already healthy/);
    expect(unauthorized.code).toBe(1);
    expect(unauthorized.stderr.trim().split("\n")).toHaveLength(1);
    expect(unauthorized.stderr).toMatch(/token is missing or wrong/);
  });

  it('recovers a member moved to an empty claim ("already bootstrapped") from its alert, keeping it', async () => {
    const claim = "example-5-data";
    const outcome = await moveDataToEmptyClaim(memberOnClaim(sandbox, 5, claim));
    if (!("crashLooping" in outcome)) throw new Error(`member 5 started empty with state new joined: ${outcome.ready}`);
    const uid = await claimUid(kc, "default", claim);
    const idsBefore = (await clusterShape(sandbox.info, cluster())).ids;

    const [queued] = await alertCrashLoops(api, [outcome.crashLooping]);
    expect(queued).toMatchObject({ cluster: "example", namespace: "default", member: 5 });
    const record = await waitForRecovery(api, queued!.id, isFinal, 120_000);
    expect(record.state, JSON.stringify(record)).toBe("succeeded");
    expect(record.steps.map((s) => s.name)).toEqual([...DEPLOYMENT_STEPS]);
    expect(record.steps.find((s) => s.name === "diagnose")?.detail).toMatch(/has already been bootstrapped/);
    expect(record.steps.find((s) => s.name === "start")?.detail).not.toContain(`PersistentVolumeClaim ${claim} (`);

    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    await expectEqualHashKV(sandbox.info, cluster());
    const idsAfter = (await clusterShape(sandbox.info, cluster())).ids;
    for (const name of ["example1", "example2", "example3", "example4"]) expect(idsAfter[name]).toBe(idsBefore[name]);
    expect(idsAfter.example5).not.toBe(idsBefore.example5);
    expect(await claimUid(kc, "default", claim)).toBe(uid);
    const deployment = await kc
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: "example-5", namespace: "default" });
    expect(deployment.spec?.template?.spec?.volumes?.find((v) => v.name === "data")?.persistentVolumeClaim).toEqual({
      claimName: claim,
    });
  });

  it("in observe mode records a plan and changes nothing", async () => {
    const set = await api.put("/v1/clusters/example/mode", { mode: "observe", reason: "checking the plan first" });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ mode: "observe", modeSource: "api" });

    const pod = (await breakMember(kc, "default", "example", 2)) ?? conventionalPodName("example-2");
    const apps = kc.makeApiClient(AppsV1Api);
    const generation = async () =>
      (await apps.readNamespacedDeployment({ name: "example-2", namespace: "default" })).metadata?.generation;
    const [shapeBefore, generationBefore] = [await clusterShape(sandbox.info, cluster()), await generation()];

    const answer = await api.post(
      "/v1/alerts",
      crashLoopNotification([{ namespace: "default", pod, fingerprint: "0b7e55d1c2a8f934" }]),
    );
    expect(answer.status).toBe(202);
    const { enqueued } = answer.body as AlertsAnswer;
    expect(enqueued).toHaveLength(1);
    const [queued] = enqueued;
    assert.isDefined(queued);
    const record = await waitForRecovery(api, queued.id);
    expect(record, JSON.stringify(record)).toMatchObject({ state: "succeeded", mode: "observe" });
    expect(record.plan?.length).toBeGreaterThan(0);
    expect(record.steps.map((s) => s.name)).toEqual(["permissions", "diagnose", "guard"]);

    expect(await clusterShape(sandbox.info, cluster())).toEqual(shapeBefore);
    expect(await generation()).toBe(generationBefore);
  });

  it("when paused ignores the alert and queues nothing", async () => {
    expect((await api.put("/v1/clusters/example/mode", { mode: "paused" })).status).toBe(200);
    const listed = async () => ((await api.get("/v1/recoveries?cluster=example")).body as RecoveryListBody).recoveries;
    const before = (await listed()).length;

    const answer = await api.post(
      "/v1/alerts",
      crashLoopNotification([
        { namespace: "default", pod: conventionalPodName("example-2"), fingerprint: "77c0d1e2f3a4b5c6" },
      ]),
    );
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ enqueued: [], deduplicated: 0, ignored: 1 });
    expect(await listed()).toHaveLength(before);
  });
});
