import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ServiceAccountTokens } from "../../../src/api/auth/service-account-tokens.js";
import type { FaultReport, FaultState } from "../../../src/api/faults/fault-switch.js";
import type { KeyPairPem } from "../../../src/pki/certificate-authority.js";
import { kubectl } from "../../support.js";
import { startHarness, type ApiHarness } from "../api-harness.js";
import { call, openStream, type RequestOptions } from "../https-client.js";

const FAULTS = "/sandbox/faults";
const DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments";
const CONFIGMAPS = "/api/v1/namespaces/default/configmaps";

function deployment(name: string) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default" },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "main", image: "busybox" }] } },
    },
  };
}

describe("the API server's fault switch", () => {
  let harness: ApiHarness;
  let alice: KeyPairPem;
  const tokens = new ServiceAccountTokens();

  const turnOn = async (fault: object): Promise<FaultState> => {
    const answer = await call(harness, "POST", FAULTS, { body: fault });
    expect(answer.status, answer.text).toBe(201);
    return answer.json<FaultState>();
  };
  const report = async (): Promise<FaultReport> => (await call(harness, "GET", FAULTS)).json<FaultReport>();

  beforeAll(async () => {
    harness = await startHarness({ tokens });
    alice = await harness.ca.issue({ commonName: "alice", organizations: ["developers"], usages: ["client"] });
    expect((await call(harness, "POST", DEPLOYMENTS, { body: deployment("web") })).status).toBe(201);
  });
  afterEach(async () => {
    await call(harness, "DELETE", FAULTS);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it("is off by default and serves every request", async () => {
    expect(await report()).toEqual({ faults: [] });
    expect((await call(harness, "GET", `${DEPLOYMENTS}/web`)).status).toBe(200);
  });

  it("answers every request with kube-apiserver's InternalError for a number of requests", async () => {
    const fault = await turnOn({ kind: "answer", code: 500, requests: 2 });
    expect(fault).toMatchObject({ id: 1, kind: "answer", code: 500, requests: 2, active: true, hits: 0 });
    for (const path of [`${DEPLOYMENTS}/web`, "/version"]) {
      const answer = await call(harness, "GET", path);
      expect(answer.status).toBe(500);
      expect(answer.json()).toEqual({
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "Internal error occurred: the sandbox's fault switch answers 500",
        reason: "InternalError",
        code: 500,
      });
    }
    expect((await call(harness, "GET", `${DEPLOYMENTS}/web`)).status).toBe(200);
    expect((await report()).faults).toEqual([expect.objectContaining({ id: 1, active: false, hits: 2 })]);
  });

  it("answers 409 Conflict to updates of the resources named, and serves everything else", async () => {
    await turnOn({ kind: "answer", code: 409, resources: ["deployments"], requests: 2 });
    const current = (await call(harness, "GET", `${DEPLOYMENTS}/web`)).json<ReturnType<typeof deployment>>();
    const update = await call(harness, "PUT", `${DEPLOYMENTS}/web`, { body: current });
    expect(update.status).toBe(409);
    expect(update.json()).toMatchObject({
      reason: "Conflict",
      message:
        'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; ' +
        "please apply your changes to the latest version and try again",
      details: { name: "web", group: "apps", kind: "deployments" },
      code: 409,
    });
    // Reads, creates and other resources are served; a subresource is not its resource.
    expect((await call(harness, "GET", `${DEPLOYMENTS}/web`)).status).toBe(200);
    expect((await call(harness, "POST", CONFIGMAPS, { body: { metadata: { name: "c" } } })).status).toBe(201);
    const scale = await call(harness, "PATCH", `${DEPLOYMENTS}/web/scale`, {
      body: { spec: { replicas: 2 } },
      headers: { "Content-Type": "application/merge-patch+json" },
    });
    expect(scale.status).toBe(200);
    const patch = await call(harness, "PATCH", `${DEPLOYMENTS}/web`, {
      body: { metadata: { labels: { tier: "front" } } },
      headers: { "Content-Type": "application/merge-patch+json" },
    });
    expect(patch.status).toBe(409);
    const again = await call(harness, "PATCH", `${DEPLOYMENTS}/web`, {
      body: { metadata: { labels: { tier: "front" } } },
      headers: { "Content-Type": "application/merge-patch+json" },
    });
    expect(again.status).toBe(200);
    expect((await report()).faults).toEqual([expect.objectContaining({ verbs: ["update", "patch"], hits: 2 })]);
  });

  it("ends a fault given a duration once it has passed", async () => {
    await turnOn({ kind: "answer", code: 500, verbs: ["list"], forMs: 300 });
    expect((await call(harness, "GET", DEPLOYMENTS)).status).toBe(500);
    expect((await call(harness, "GET", `${DEPLOYMENTS}/web`)).status).toBe(200);
    await expect
      .poll(async () => (await call(harness, "GET", DEPLOYMENTS)).status, { timeout: 5000, interval: 50 })
      .toBe(200);
    expect((await report()).faults).toEqual([expect.objectContaining({ active: false })]);
  });

  it("answers a watch request it matches instead of starting the stream", async () => {
    await turnOn({ kind: "answer", code: 500, verbs: ["watch"], requests: 1 });
    const watch = await openStream(harness, `${DEPLOYMENTS}?watch=true`);
    expect(watch.status).toBe(500);
  });

  it("cuts every open watch connection, repeatedly, without the stream's end", async () => {
    const first = await openStream(harness, `${DEPLOYMENTS}?watch=true`);
    const second = await openStream(harness, `${CONFIGMAPS}?watch=true`);
    await first.until("the Deployment's ADDED event", () => first.events.length === 1);
    const fault = await turnOn({ kind: "drop-watches", times: 2, everyMs: 1000 });
    expect(fault).toMatchObject({ hits: 2, active: true });
    // Opened after the first drop (done before the switch answered), and before the second.
    const third = await openStream(harness, `${DEPLOYMENTS}?watch=true`);
    await first.until("the first watch cut", () => first.ended());
    await second.until("the second watch cut", () => second.ended());
    expect(first.aborted()).toBe(true);
    await third.until("the watch opened after the first drop cut by the second", () => third.ended());
    expect(third.aborted()).toBe(true);
    await expect
      .poll(async () => (await report()).faults[0], { timeout: 3000 })
      .toMatchObject({
        active: false,
        hits: 3,
      });
    // Once it is over, watches stay open.
    const fourth = await openStream(harness, `${DEPLOYMENTS}?watch=true`);
    await fourth.until("the ADDED event of a watch opened after the fault", () => fourth.events.length === 1);
    expect(fourth.ended()).toBe(false);
    fourth.close();
  });

  it("is turned off for good by DELETE, a repeating drop included", async () => {
    await turnOn({ kind: "answer", code: 500, forMs: 60_000 });
    await turnOn({ kind: "drop-watches", times: 100, everyMs: 50 });
    const cleared = await call(harness, "DELETE", FAULTS);
    expect(cleared.status).toBe(200);
    expect(cleared.json<FaultReport>().faults.map((f) => f.active)).toEqual([false, false]);
    expect((await call(harness, "GET", `${DEPLOYMENTS}/web`)).status).toBe(200);
    const watch = await openStream(harness, `${DEPLOYMENTS}?watch=true`);
    await watch.until("the ADDED event", () => watch.events.length === 1);
    expect(await report()).toEqual({ faults: [] });
    expect(watch.ended()).toBe(false);
    watch.close();
  });

  it("can be used with kubectl's raw requests", async () => {
    const file = join(dirname(harness.kubeconfigPath), "fault.json");
    await writeFile(file, JSON.stringify({ kind: "answer", code: 500, resources: ["configmaps"], requests: 1 }));
    const on = await kubectl(harness.kubeconfigPath, "create", "--raw", FAULTS, "-f", file);
    expect(on.code, on.stderr).toBe(0);
    expect(JSON.parse(on.stdout)).toMatchObject({ kind: "answer", active: true });
    const refused = await kubectl(harness.kubeconfigPath, "get", "configmaps");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("Internal error occurred");
    const shown = await kubectl(harness.kubeconfigPath, "get", "--raw", FAULTS);
    expect(JSON.parse(shown.stdout)).toMatchObject({ faults: [{ hits: 1, active: false }] });
    expect((await kubectl(harness.kubeconfigPath, "delete", "--raw", FAULTS)).code).toBe(0);
  });

  it("refuses anyone but the admin, and faults it cannot use", async () => {
    const robot = harness.store.create("serviceaccounts", {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "robot", namespace: "default" },
    });
    const { token } = tokens.issue({ serviceAccount: robot, expirationSeconds: 600 });
    const body = { kind: "answer", code: 500, requests: 1 };
    expect((await call(harness, "POST", FAULTS, { body, client: null })).status).toBe(401);
    const refusedCallers: RequestOptions[] = [
      { client: alice },
      { client: null, headers: { Authorization: `Bearer ${token}` } },
      { headers: { "Impersonate-User": "alice" } },
    ];
    for (const options of refusedCallers) {
      const answer = await call(harness, "POST", FAULTS, { body, ...options });
      expect(answer.status).toBe(403);
      expect(answer.json()).toMatchObject({ reason: "Forbidden" });
      expect((await call(harness, "GET", FAULTS, options)).status).toBe(403);
    }
    for (const [fault, message] of [
      [{ kind: "answer", code: 503, requests: 1 }, "code must be 500 or 409"],
      [{ kind: "answer", code: 500 }, "a fault must end on its own"],
      [{ kind: "answer", code: 409, verbs: ["get"], requests: 1 }, "answers only update and patch"],
      [{ kind: "drop-watches", times: 3 }, "everyMs is required"],
      [{ kind: "slow" }, 'kind must be "answer" or "drop-watches"'],
    ] as const) {
      const answer = await call(harness, "POST", FAULTS, { body: fault });
      expect(answer.status).toBe(400);
      expect(answer.json<{ message: string }>().message).toContain(message);
    }
    expect(await report()).toEqual({ faults: [] });
    expect((await call(harness, "GET", `${DEPLOYMENTS}/web`)).status).toBe(200);
  });
});
