import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { CertificateAuthority, type KeyPairPem } from "../../../src/pki/certificate-authority.js";
import { startHarness, type ApiHarness } from "../api-harness.js";
import { call } from "../https-client.js";
import { UNAUTHORIZED_STATUS } from "../../support.js";

const SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

/** The HTTP status a WebSocket upgrade is refused with. */
function upgradeRefusal(harness: ApiHarness, path: string, client: KeyPairPem | object): Promise<number> {
  const url = `${harness.server.url.replace("https", "wss")}${path}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ["v5.channel.k8s.io"], { ca: harness.caPem, ...client });
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on("open", () => {
      ws.terminate();
      reject(new Error("the upgrade was accepted"));
    });
    ws.on("error", reject);
  });
}

describe("authentication and authorization of API requests", () => {
  let harness: ApiHarness;
  let alice: KeyPairPem;
  let stranger: KeyPairPem;

  beforeAll(async () => {
    harness = await startHarness();
    alice = await harness.ca.issue({ commonName: "alice", organizations: ["developers"], usages: ["client"] });
    const otherCa = await CertificateAuthority.create("another CA");
    stranger = await otherCa.issue({ commonName: "mallory", organizations: ["system:masters"], usages: ["client"] });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it("answers 401 without credentials, with a certificate of another CA, or a token of no one", async () => {
    for (const options of [
      { client: null },
      { client: stranger },
      { client: null, headers: { Authorization: "Bearer not-a-token" } },
    ]) {
      const answer = await call(harness, "GET", "/api/v1/namespaces", options);
      expect(answer.status).toBe(401);
      expect(answer.json()).toEqual(UNAUTHORIZED_STATUS);
    }
    expect((await call(harness, "GET", "/livez", { client: null })).status).toBe(200);
    expect(await upgradeRefusal(harness, "/api/v1/namespaces/default/pods/x/exec?command=true", {})).toBe(401);
  });

  it("takes a certificate's CN as the user and its O values as groups", async () => {
    const answer = await call(harness, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
      client: alice,
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    });
    expect(answer.status).toBe(201);
    expect(answer.json()).toEqual({
      kind: "SelfSubjectReview",
      apiVersion: "authentication.k8s.io/v1",
      metadata: { creationTimestamp: null },
      status: { userInfo: { username: "alice", groups: ["developers", "system:authenticated"] } },
    });
  });

  it("refuses what RBAC does not allow before anything else, also an exec upgrade", async () => {
    const list = await call(harness, "GET", "/api/v1/pods", { client: alice });
    expect(list.status).toBe(403);
    expect(list.json()).toMatchObject({
      reason: "Forbidden",
      message: 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" at the cluster scope',
    });
    const missing = await call(harness, "GET", "/apis/apps/v1/namespaces/default/deployments/none", { client: alice });
    expect(missing.status).toBe(403);
    expect((await call(harness, "GET", "/apis/apps/v1", { client: alice })).status).toBe(200);
    expect(await upgradeRefusal(harness, "/api/v1/namespaces/default/pods/x/exec?command=true", alice)).toBe(403);
  });

  it("acts as an impersonated user only for a requester that may impersonate", async () => {
    const asAlice = await call(harness, "GET", "/api/v1/namespaces/default/secrets", {
      headers: { "Impersonate-User": "alice", "Impersonate-Group": "developers" },
    });
    expect(asAlice.status).toBe(403);
    expect(asAlice.json<{ message: string }>().message).toContain('User "alice" cannot list resource "secrets"');
    const byAlice = await call(harness, "GET", "/api/v1/namespaces/default/secrets", {
      client: alice,
      headers: { "Impersonate-User": "bob" },
    });
    expect(byAlice.status).toBe(403);
    expect(byAlice.json<{ message: string }>().message).toBe(
      'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
  });

  it("reviews access to resources and paths for the requester", async () => {
    const review = async (spec: object, client: KeyPairPem = alice) => {
      const answer = await call(harness, "POST", SSAR, {
        client,
        body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec },
      });
      return { code: answer.status, body: answer.json<{ status?: object; message?: string }>() };
    };
    const version = await review({ nonResourceAttributes: { path: "/version", verb: "get" } });
    expect(version).toMatchObject({
      code: 201,
      body: {
        status: {
          allowed: true,
          reason:
            'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" ' +
            'to Group "system:authenticated"',
        },
      },
    });
    const pods = await review({ resourceAttributes: { namespace: "default", verb: "list", resource: "pods" } });
    expect(pods.body.status).toEqual({ allowed: false });
    const asAdmin = await review({ resourceAttributes: { verb: "delete", resource: "nodes" } }, harness.admin);
    expect(asAdmin.body.status).toEqual({ allowed: true });
    expect((await review({})).code).toBe(422);
  });

  it("lists the requester's rules for a namespace", async () => {
    const answer = await call(harness, "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", {
      client: alice,
      body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectRulesReview", spec: { namespace: "default" } },
    });
    const status = answer.json<{
      status: { resourceRules: { resources: string[] }[]; nonResourceRules: { nonResourceURLs: string[] }[] };
    }>().status;
    expect(status.resourceRules.flatMap((r) => r.resources).sort()).toEqual([
      "selfsubjectaccessreviews",
      "selfsubjectreviews",
      "selfsubjectrulesreviews",
    ]);
    expect(status.nonResourceRules.flatMap((r) => r.nonResourceURLs)).toContain("/version");
  });

  it("binds a token only to a Pod that exists, and is the one named", async () => {
    harness.store.create("serviceaccounts", {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "robot", namespace: "default" },
    });
    const token = (boundObjectRef: object) =>
      call(harness, "POST", "/api/v1/namespaces/default/serviceaccounts/robot/token", {
        body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { boundObjectRef } },
      });
    expect((await token({ kind: "Pod", apiVersion: "v1", name: "missing" })).status).toBe(404);
    harness.store.create("pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web", namespace: "default" },
      spec: { containers: [], nodeName: "node-a" },
    });
    const node = harness.store.create("nodes", { apiVersion: "v1", kind: "Node", metadata: { name: "node-a" } });
    const stale = await token({ kind: "Pod", apiVersion: "v1", name: "web", uid: "not-its-uid" });
    expect(stale.status).toBe(409);
    expect((await token({ kind: "Secret", apiVersion: "v1", name: "web" })).status).toBe(422);
    const bound = await token({ kind: "Pod", apiVersion: "v1", name: "web" });
    expect(bound.status).toBe(201);
    const issued = bound.json<{ status: { token: string } }>().status.token;
    const whoami = await call(harness, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
      client: null,
      headers: { Authorization: `Bearer ${issued}` },
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    });
    expect(whoami.json()).toMatchObject({
      status: {
        userInfo: {
          username: "system:serviceaccount:default:robot",
          extra: {
            "authentication.kubernetes.io/pod-name": ["web"],
            "authentication.kubernetes.io/node-name": ["node-a"],
            "authentication.kubernetes.io/node-uid": [node.metadata.uid],
          },
        },
      },
    });
  });
});
