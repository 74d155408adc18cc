import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/api/object-store.js";
import { waitForStore } from "../../src/wait-for-store.js";
import { clientFailure } from "../support.js";
import { startHarness, type ApiHarness } from "./api-harness.js";
import { call } from "./https-client.js";

const NS = "default";
const PODS = `/api/v1/namespaces/${NS}/pods`;

/** kube-apiserver's answer to an eviction it carried out. */
const EVICTED = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 };

/** kube-apiserver's answer to a request it refused, as client-node reports it. */
function refused(code: number, reason: string, message: string, details?: Record<string, unknown>) {
  const status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
  return { code, status: details ? { ...status, details } : status };
}

describe("the pods/eviction subresource", () => {
  let harness: ApiHarness;
  let core: CoreV1Api;

  /** Creates a Pod `name` through the API and returns it as stored. */
  async function pod(name: string): Promise<KubeObject> {
    const created = await call(harness, "POST", PODS, {
      body: { metadata: { name }, spec: { containers: [{ name: "main", image: "etcd:3.4" }] } },
    });
    expect(created.status, created.text).toBe(201);
    return harness.store.require("pods", NS, name);
  }

  /** Evicts Pod `name` through client-node with a policy/v1 Eviction naming `evicted`; resolves with the failure. */
  const evictionFailure = (name: string, evicted = name) =>
    clientFailure(
      core.createNamespacedPodEviction({
        name,
        namespace: NS,
        body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: evicted } },
      }),
    );

  beforeAll(async () => {
    harness = await startHarness();
    const kc = new KubeConfig();
    kc.loadFromFile(harness.kubeconfigPath);
    core = kc.makeApiClient(CoreV1Api);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it("is listed in the core group's discovery as a create of policy/v1 Eviction", async () => {
    const core = (await call(harness, "GET", "/api/v1")).json<{ resources: { name: string }[] }>();
    expect(core.resources.find((r) => r.name === "pods/eviction")).toEqual({
      name: "pods/eviction",
      singularName: "",
      namespaced: true,
      group: "policy",
      version: "v1",
      kind: "Eviction",
      verbs: ["create"],
    });
  });

  it("evicts a Pod with client-node: 201 with a Status of success, and the Pod is gone", async () => {
    await pod("quick");
    const answer = await core.createNamespacedPodEvictionWithHttpInfo({
      name: "quick",
      namespace: NS,
      body: {
        apiVersion: "policy/v1",
        kind: "Eviction",
        metadata: { name: "quick", namespace: NS },
        deleteOptions: { gracePeriodSeconds: 0 },
      },
    });
    expect(answer.httpStatusCode).toBe(201);
    await waitForStore(harness.store, () => !harness.store.get("pods", NS, "quick"), "Pod quick to be gone", 5000);
  });

  it("deletes gracefully as a DELETE does, answering the same Status while the Pod terminates", async () => {
    await pod("graceful");
    const answer = await call(harness, "POST", `${PODS}/graceful/eviction`, {
      body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "graceful" } },
    });
    expect([answer.status, answer.json()]).toEqual([201, EVICTED]);
    expect(harness.store.require("pods", NS, "graceful").metadata).toMatchObject({
      deletionGracePeriodSeconds: 30,
      deletionTimestamp: expect.any(String) as unknown,
    });
  });

  it("accepts policy/v1beta1 Evictions and one without apiVersion or kind, as kube-apiserver 1.32 does", async () => {
    await pod("beta");
    const beta = await call(harness, "POST", `${PODS}/beta/eviction`, {
      body: {
        apiVersion: "policy/v1beta1",
        kind: "Eviction",
        metadata: { name: "beta" },
        deleteOptions: { gracePeriodSeconds: 0 },
      },
    });
    expect([beta.status, beta.json()]).toEqual([201, EVICTED]);
    expect(harness.store.get("pods", NS, "beta")).toBeUndefined();

    await pod("bare");
    const bare = await call(harness, "POST", `${PODS}/bare/eviction`, {
      body: { metadata: { name: "bare" }, deleteOptions: { gracePeriodSeconds: 0 } },
    });
    expect([bare.status, bare.json()]).toEqual([201, EVICTED]);
    expect(harness.store.get("pods", NS, "bare")).toBeUndefined();
  });

  it("deletes nothing on a dry run, asked for in the query or in deleteOptions", async () => {
    const kept = await pod("kept");
    const body = { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "kept" } };
    const query = await core.createNamespacedPodEvictionWithHttpInfo({
      name: "kept",
      namespace: NS,
      body,
      dryRun: "All",
    });
    expect(query.httpStatusCode).toBe(201);
    const inBody = await call(harness, "POST", `${PODS}/kept/eviction`, {
      body: { ...body, deleteOptions: { dryRun: ["All"], gracePeriodSeconds: 0 } },
    });
    expect([inBody.status, inBody.json()]).toEqual([201, EVICTED]);
    expect(harness.store.require("pods", NS, "kept")).toEqual(kept);
    expect((await call(harness, "POST", `${PODS}/kept/eviction?dryRun=Some`, { body })).status).toBe(400);
  });

  it("holds deleteOptions' preconditions: 409 when the uid is another Pod's", async () => {
    const held = await pod("held");
    const evict = (uid: string) =>
      call(harness, "POST", `${PODS}/held/eviction`, {
        body: { metadata: { name: "held" }, deleteOptions: { gracePeriodSeconds: 0, preconditions: { uid } } },
      });
    const stale = await evict("0000-other");
    expect(stale.status).toBe(409);
    expect(stale.json()).toMatchObject({
      reason: "Conflict",
      message:
        'Operation cannot be fulfilled on pods "held": Precondition failed: UID in precondition: 0000-other, ' +
        `UID in object meta: ${held.metadata.uid}`,
    });
    expect(harness.store.get("pods", NS, "held")).toBeDefined();
    expect((await evict(held.metadata.uid!)).status).toBe(201);
    expect(harness.store.get("pods", NS, "held")).toBeUndefined();
  });

  it("answers 404 for a missing Pod", async () => {
    expect(await evictionFailure("ghost")).toEqual(
      refused(404, "NotFound", 'pods "ghost" not found', { name: "ghost", group: "", kind: "pods" }),
    );
  });

  it("answers 400 for a name other than the URL's, or a body that is no Eviction, and evicts nothing", async () => {
    await pod("target");
    expect(await evictionFailure("target", "other")).toEqual(
      refused(400, "BadRequest", "name in URL does not match name in Eviction object"),
    );
    const unnamed = await call(harness, "POST", `${PODS}/target/eviction`, { body: { kind: "Eviction" } });
    expect(unnamed.status).toBe(400);
    const wrongKind = await call(harness, "POST", `${PODS}/target/eviction`, {
      body: { apiVersion: "v1", kind: "Pod", metadata: { name: "target" } },
    });
    expect([wrongKind.status, wrongKind.json().message]).toEqual([
      400,
      'Pod in version "v1" cannot be handled as a Eviction: no kind "Pod" is registered for version "v1"',
    ]);
    const wrongVersion = await call(harness, "POST", `${PODS}/target/eviction`, {
      body: { apiVersion: "policy/v2", kind: "Eviction", metadata: { name: "target" } },
    });
    expect(wrongVersion.status).toBe(400);
    expect((await call(harness, "POST", `${PODS}/target/eviction`, { body: "[1]" })).status).toBe(400);
    expect((await call(harness, "GET", `${PODS}/target/eviction`)).status).toBe(405);
    expect(harness.store.require("pods", NS, "target").metadata.deletionTimestamp).toBeUndefined();
  });
});
