import { readFile, writeFile } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { dirname, join } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderKubeconfig } from "../../src/kubeconfig.js";
import { waitForStore } from "../../src/wait-for-store.js";
import { SLEEPER_IMAGE, startKubectlSandbox, type KubectlSandbox } from "../kubectl/kubectl-sandbox.js";
import { clientFailure, kubectl as runKubectl, UNAUTHORIZED_STATUS } from "../support.js";

const ROBOT = "system:serviceaccount:default:robot";

/** kube-apiserver's 403 Status for a message. */
function forbidden(message: string, details: Record<string, string>): Record<string, unknown> {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason: "Forbidden",
    details,
    code: 403,
  };
}

describe("authentication and RBAC in a sandbox, with kubectl and client-node", () => {
  let k: KubectlSandbox;
  let dir: string;
  let caPem: string;
  let admin: CoreV1Api;
  let made = 0;

  /** A kubeconfig file that authenticates with `token` (or with nothing), and a client-node API of it. */
  async function tokenClient(token: string | undefined): Promise<{ file: string; core: CoreV1Api }> {
    const yaml = renderKubeconfig({
      name: "token",
      server: k.sandbox.apiServer,
      caPem,
      namespace: "default",
      credentials: { token: token ?? "" },
    });
    const file = join(dir, `token-kubeconfig-${made++}`);
    await writeFile(file, token === undefined ? yaml.replace(/token: .*\n/, "{}\n") : yaml);
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    return { file, core: kc.makeApiClient(CoreV1Api) };
  }

  /** A GET with no client certificate; the answer's status and JSON body. */
  function rawGet(path: string, headers: Record<string, string> = {}): Promise<{ code: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(new URL(path, k.sandbox.apiServer), { ca: caPem, headers }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => {
          const json = res.headers["content-type"] === "application/json";
          resolve({ code: res.statusCode ?? 0, body: json ? (JSON.parse(text) as unknown) : text });
        });
      });
      req.on("error", reject);
      req.end();
    });
  }

  /** A token of `default/NAME` from TokenRequest, as the admin asks for it. */
  async function tokenOf(name: string, expirationSeconds = 600): Promise<string> {
    const answer = await admin.createNamespacedServiceAccountToken({
      name,
      namespace: "default",
      body: { spec: { audiences: [], expirationSeconds } },
    });
    const token = answer.status?.token;
    if (!token) throw new Error(`TokenRequest for ${name} answered without a token`);
    return token;
  }

  beforeAll(async () => {
    k = await startKubectlSandbox();
    dir = dirname(k.sandbox.kubeconfig);
    caPem = await readFile(k.sandbox.caFile, "utf8");
    const kc = new KubeConfig();
    kc.loadFromFile(k.sandbox.kubeconfig);
    admin = kc.makeApiClient(CoreV1Api);
    await k.apply(`
apiVersion: v1
kind: ServiceAccount
metadata: { name: robot }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: pod-reader }
rules:
  - { apiGroups: [""], resources: [pods], verbs: [get, list] }
  - { apiGroups: [""], resources: [configmaps], verbs: [get], resourceNames: [public] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: robot-reads-pods }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader }
subjects: [{ kind: ServiceAccount, name: robot }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: public }
data: { a: "1" }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: private }
data: { b: "2" }
---
apiVersion: v1
kind: Pod
metadata: { name: web }
spec:
  terminationGracePeriodSeconds: 1
  containers: [{ name: main, image: "${SLEEPER_IMAGE}", args: ["3600"] }]
`);
  });

  afterAll(async () => {
    await k?.stop();
  });

  it("lets the admin kubeconfig's client certificate do everything: kubernetes-admin in system:masters", async () => {
    expect((await k.kubectl("get", "secrets", "-A")).code).toBe(0);
    expect((await admin.listNamespacedSecret({ namespace: "kube-system" })).items).toEqual([]);
    const whoami = await k.kubectl("auth", "whoami", "-o", "json");
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({
      kind: "SelfSubjectReview",
      status: { userInfo: { username: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] } },
    });
    const kubeconfig = await readFile(k.sandbox.kubeconfig, "utf8");
    expect(kubeconfig).toContain("client-certificate-data");
    expect(kubeconfig).not.toContain("token");
  });

  it("answers 401 Unauthorized to a request without credentials or with a garbage token", async () => {
    const none = await tokenClient(undefined);
    expect(await clientFailure(none.core.listNamespacedPod({ namespace: "default" }))).toEqual({ code: 401 });
    const garbage = await tokenClient("garbage");
    expect(await clientFailure(garbage.core.listNamespacedPod({ namespace: "default" }))).toEqual({ code: 401 });
    const path = "/api/v1/namespaces/default/pods";
    expect(await rawGet(path)).toEqual({ code: 401, body: UNAUTHORIZED_STATUS });
    expect(await rawGet(path, { Authorization: "Bearer garbage" })).toEqual({ code: 401, body: UNAUTHORIZED_STATUS });
    const run = await runKubectl(garbage.file, "get", "pods");
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("You must be logged in to the server (Unauthorized)");
  });

  it("answers health checks without credentials, and nothing else", async () => {
    expect((await rawGet("/healthz")).code).toBe(200);
    expect((await rawGet("/readyz")).code).toBe(200);
    expect((await rawGet("/version")).code).toBe(401);
    expect((await rawGet("/api")).code).toBe(401);
  });

  it("lets a ServiceAccount token list Pods as its Role allows, and nothing more", async () => {
    const { core, file } = await tokenClient(await tokenOf("robot"));
    expect((await core.listNamespacedPod({ namespace: "default" })).items.map((p) => p.metadata?.name)).toEqual([
      "web",
    ]);
    expect((await core.readNamespacedPod({ name: "web", namespace: "default" })).metadata?.name).toBe("web");
    expect(await clientFailure(core.listNamespacedSecret({ namespace: "default" }))).toEqual({
      code: 403,
      status: forbidden(
        `secrets is forbidden: User "${ROBOT}" cannot list resource "secrets" in API group "" ` +
          'in the namespace "default"',
        { kind: "secrets" },
      ),
    });
    expect((await clientFailure(core.listNamespacedPod({ namespace: "kube-system" }))).status?.message).toBe(
      `pods is forbidden: User "${ROBOT}" cannot list resource "pods" in API group "" in the namespace "kube-system"`,
    );
    const exec = await runKubectl(file, "exec", "web", "--", "true");
    expect(exec.code).not.toBe(0);
    expect(exec.stderr).toMatch(
      new RegExp(
        `pods "web" is forbidden: User "${ROBOT}" cannot (get|create) resource "pods/exec" in API group "" ` +
          'in the namespace "default"',
      ),
    );
  });

  it("limits a rule with resourceNames to the names it lists", async () => {
    const { core } = await tokenClient(await tokenOf("robot"));
    expect((await core.readNamespacedConfigMap({ name: "public", namespace: "default" })).data).toEqual({ a: "1" });
    expect(await clientFailure(core.readNamespacedConfigMap({ name: "private", namespace: "default" }))).toEqual({
      code: 403,
      status: forbidden(
        `configmaps "private" is forbidden: User "${ROBOT}" cannot get resource "configmaps" in API group "" ` +
          'in the namespace "default"',
        { name: "private", kind: "configmaps" },
      ),
    });
    expect((await clientFailure(core.listNamespacedConfigMap({ namespace: "default" }))).code).toBe(403);
  });

  it("grants a ClusterRole bound by a ClusterRoleBinding in every namespace", async () => {
    await k.apply(`
apiVersion: v1
kind: ServiceAccount
metadata: { name: auditor }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: auditor-views }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view }
subjects: [{ kind: ServiceAccount, name: auditor, namespace: default }]
`);
    const { core } = await tokenClient(await tokenOf("auditor"));
    expect((await core.listNamespacedPod({ namespace: "kube-system" })).items).toEqual([]);
    expect((await core.listPodForAllNamespaces()).items.map((p) => p.metadata?.name)).toEqual(["web"]);
    expect((await core.listNamespacedServiceAccount({ namespace: "kube-public" })).items.length).toBeGreaterThan(0);
    expect((await clientFailure(core.listNamespacedSecret({ namespace: "kube-system" }))).code).toBe(403);
  });

  it("answers kubectl auth can-i and whoami for a ServiceAccount token", async () => {
    const { file } = await tokenClient(await tokenOf("robot"));
    const canI = (...args: string[]) => runKubectl(file, "auth", "can-i", ...args);
    expect(await canI("list", "pods")).toMatchObject({ code: 0, stdout: "yes\n" });
    expect(await canI("get", "configmaps/public")).toMatchObject({ code: 0, stdout: "yes\n" });
    expect(await canI("get", "configmaps/private")).toMatchObject({ code: 1, stdout: "no\n" });
    expect(await canI("list", "secrets")).toMatchObject({ code: 1, stdout: "no\n" });
    expect(await canI("create", "pods", "--subresource=exec")).toMatchObject({ code: 1, stdout: "no\n" });
    expect(await canI("list", "pods", "-n", "kube-system")).toMatchObject({ code: 1, stdout: "no\n" });
    const list = await canI("--list");
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^pods\s+\[\]\s+\[\]\s+\[get list\]$/m);
    expect(list.stdout).toMatch(/^configmaps\s+\[\]\s+\[public\]\s+\[get\]$/m);
    expect(list.stdout).toMatch(/^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
    expect(list.stdout).not.toMatch(/^secrets/m);
    const whoami = await runKubectl(file, "auth", "whoami");
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.stdout).toMatch(new RegExp(`Username\\s+${ROBOT}`));
    expect(whoami.stdout).toContain("[system:serviceaccounts system:serviceaccounts:default system:authenticated]");
  });

  it("stops a token from authenticating once its ServiceAccount is deleted, or its bound Pod", async () => {
    await k.apply("apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: shortlived }\n");
    const { core } = await tokenClient(await tokenOf("shortlived"));
    // Discovery is every authenticated user's.
    expect((await core.getAPIResources()).groupVersion).toBe("v1");
    expect((await k.kubectl("delete", "serviceaccount", "shortlived")).code).toBe(0);
    expect((await clientFailure(core.getAPIResources())).code).toBe(401);

    const created = await k.kubectl("create", "token", "robot", "--bound-object-kind=Pod", "--bound-object-name=web");
    expect(created.code, created.stderr).toBe(0);
    const bound = await tokenClient(created.stdout.trim());
    expect((await bound.core.readNamespacedPod({ name: "web", namespace: "default" })).metadata?.name).toBe("web");
    expect((await k.kubectl("delete", "pod", "web", "--wait=true", "--timeout=30s")).code).toBe(0);
    expect((await clientFailure(bound.core.listNamespacedPod({ namespace: "default" }))).code).toBe(401);
  });

  it("issues tokens for the duration asked, and refuses one under ten minutes", async () => {
    const answer = await admin.createNamespacedServiceAccountToken({
      name: "robot",
      namespace: "default",
      body: { spec: { audiences: [], expirationSeconds: 1200 } },
    });
    const expires = answer.status?.expirationTimestamp?.getTime() ?? 0;
    expect(Math.abs(expires - (Date.now() + 1_200_000))).toBeLessThan(10_000);
    const created = await k.kubectl("create", "token", "robot", "--duration=2h", "-o", "json");
    expect(created.code, created.stderr).toBe(0);
    const request = JSON.parse(created.stdout) as { spec: { expirationSeconds: number } };
    expect(request.spec.expirationSeconds).toBe(7200);
    const short = await k.kubectl("create", "token", "robot", "--duration=1m");
    expect(short.code).not.toBe(0);
    expect(short.stderr).toContain("may not specify a duration less than 10 minutes");
  });

  it("lets a token evict a Pod only with create on pods/eviction, and the evicted Pod stops and goes", async () => {
    await k.apply(`
apiVersion: v1
kind: Pod
metadata: { name: evictee }
spec:
  terminationGracePeriodSeconds: 1
  containers: [{ name: main, image: "${SLEEPER_IMAGE}", args: ["3600"] }]
`);
    const { core } = await tokenClient(await tokenOf("robot"));
    const evict = () =>
      core.createNamespacedPodEvictionWithHttpInfo({
        name: "evictee",
        namespace: "default",
        body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "evictee", namespace: "default" } },
      });
    expect(await clientFailure(evict())).toEqual({
      code: 403,
      status: forbidden(
        `pods "evictee" is forbidden: User "${ROBOT}" cannot create resource "pods/eviction" in API group "" ` +
          'in the namespace "default"',
        { name: "evictee", kind: "pods" },
      ),
    });
    expect(k.sandbox.store.get("pods", "default", "evictee")?.metadata.deletionTimestamp).toBeUndefined();

    await k.apply(`
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: pod-evicter }
rules: [{ apiGroups: [""], resources: [pods/eviction], verbs: [create] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: robot-evicts-pods }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-evicter }
subjects: [{ kind: ServiceAccount, name: robot }]
`);
    expect((await evict()).httpStatusCode).toBe(201);
    await waitForStore(
      k.sandbox.store,
      () => !k.sandbox.store.get("pods", "default", "evictee"),
      "the evicted Pod evictee to stop and be removed",
      30_000,
      () => JSON.stringify(k.sandbox.store.get("pods", "default", "evictee")?.status),
    );
    // The Role grants evictions, not deletes.
    expect((await clientFailure(core.deleteNamespacedPod({ name: "web", namespace: "default" }))).code).toBe(403);
  });

  it("gives every namespace a default ServiceAccount, also one made later", async () => {
    expect((await k.kubectl("create", "namespace", "later")).code).toBe(0);
    await waitForStore(
      k.sandbox.store,
      () => k.sandbox.store.get("serviceaccounts", "later", "default"),
      "the default ServiceAccount of namespace later",
      10_000,
    );
    const names = (await admin.listServiceAccountForAllNamespaces()).items.map(
      (sa) => `${sa.metadata?.namespace}/${sa.metadata?.name}`,
    );
    expect(names).toEqual(expect.arrayContaining(["default/default", "kube-system/default", "later/default"]));
  });
});
