import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { startSandbox, type Sandbox } from "kube-sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/core/logger.js";
import {
  createKubernetesGateway,
  GRANTED_TO_EVERY_USER,
  type KubernetesGateway,
  REQUIRED_PERMISSIONS,
  type RequiredPermission,
} from "../../../src/gateways/kubernetes/kubernetes-gateway.js";
import { capturingLogger, type CapturingLogger } from "../../support/capturing-logger.js";

// The gateway runs against the sandbox's real API server, in this process so that its request log can be read
// (the sandbox process helper starts the sandbox at log level info, which leaves requests out). The Pods run
// `sleep`, and the Deployment stays at 0 replicas, so that the only Pods are the ones the test makes. Each request
// the server served is turned into the RBAC verb and resource it needs, and checked against REQUIRED_PERMISSIONS.

const NS = "etcd-prod";
const SELECTOR = "etcd.responder.io/cluster=example,etcd.responder.io/member=1";
const LABELS = { "etcd.responder.io/cluster": "example", "etcd.responder.io/member": "1" };
const SLEEPER = { name: "etcd", image: "quay.io/coreos/etcd:v3.4.34", command: ["sleep", "3600"] };

/** One request as RBAC sees it. */
interface RbacRequest {
  apiGroup: string;
  resource: string;
  verb: string;
  namespace: string | undefined;
  /** The logged request, for failure messages. */
  line: string;
}

/** Method + path + query to the RBAC verb and (sub)resource, as the API server's authorizer derives them. */
function toRbacRequest(method: string, path: string, query: string | undefined): RbacRequest | undefined {
  const segments = path.split("/").filter(Boolean);
  let apiGroup: string;
  let rest: string[];
  if (segments[0] === "api") [apiGroup, rest] = ["", segments.slice(2)];
  else if (segments[0] === "apis") [apiGroup, rest] = [segments[1] ?? "", segments.slice(3)];
  else return undefined; // discovery, version, health: no resource, every authenticated client may read them
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource] = rest;
  if (!plural) return undefined;
  const params = new URLSearchParams(query ?? "");
  const watching = params.get("watch") === "true" || params.get("watch") === "1";
  const verb = verbOf(method, name !== undefined, watching);
  const resource = subresource ? `${plural}/${subresource}` : plural;
  return { apiGroup, resource, verb, namespace, line: `${method} ${path}${query ?? ""}` };
}

function verbOf(method: string, named: boolean, watching: boolean): string {
  switch (method) {
    case "GET":
    case "HEAD":
      if (watching) return "watch";
      return named ? "get" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return named ? "delete" : "deletecollection";
    default:
      return `unknown:${method}`;
  }
}

function grantedBy(permissions: RequiredPermission[], request: RbacRequest): boolean {
  return permissions.some(
    (p) => p.apiGroup === request.apiGroup && p.resource === request.resource && p.verbs.includes(request.verb),
  );
}

function claim(name: string) {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace: NS },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
  };
}

/** The UID the store gave an object. */
function uidOf(sandbox: Sandbox, resource: string, name: string): string {
  const uid = sandbox.store.get(resource, NS, name)?.metadata.uid;
  if (!uid) throw new Error(`${resource} ${name} has no UID`);
  return uid;
}

function pod(name: string, labels: Record<string, string>) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, labels },
    spec: { containers: [SLEEPER] },
  };
}

describe("REQUIRED_PERMISSIONS", () => {
  let dir: string;
  let sandbox: Sandbox;
  let log: CapturingLogger;
  let gateway: KubernetesGateway;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "required-permissions-"));
    log = capturingLogger();
    sandbox = await startSandbox({ dir, namespace: NS, logger: log.logger });
    // Objects are seeded straight into the store, so the only HTTP requests are the gateway's.
    sandbox.store.create("deployments.apps", {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "example-1", namespace: NS, labels: LABELS },
      spec: {
        replicas: 0,
        selector: { matchLabels: LABELS },
        template: { metadata: { labels: LABELS }, spec: { containers: [SLEEPER] } },
      },
    });
    sandbox.store.create("pods", pod("example-1-abc-x1", LABELS));
    sandbox.store.create("statefulsets.apps", {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "etcd", namespace: NS },
      spec: {
        replicas: 0,
        serviceName: "etcd-headless",
        selector: { matchLabels: { app: "etcd" } },
        template: { metadata: { labels: { app: "etcd" } }, spec: { containers: [SLEEPER] } },
      },
    });
    for (const name of ["data-etcd-0", "data-etcd-1", "data-etcd-2"])
      sandbox.store.create("persistentvolumeclaims", claim(name));
    sandbox.store.create("pods", pod("doomed-0", { doomed: "yes" }));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(sandbox.kubeconfig);
    gateway = createKubernetesGateway({ kubeConfig, logger: createLogger({ level: "silent" }) });
  });

  afterAll(async () => {
    await sandbox?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Typed over every method of the interface: a new gateway method does not compile until it is exercised here.
  const exercises: { [M in keyof KubernetesGateway]: (gateway: KubernetesGateway) => Promise<unknown> } = {
    readDeployment: (g) => g.readDeployment(NS, "example-1"),
    readStatefulSet: (g) => g.readStatefulSet(NS, "example-1"),
    scaleDeployment: (g) => g.scaleDeployment(NS, "example-1", 0),
    updateDeployment: (g) =>
      g.updateDeployment(NS, "example-1", (d) => {
        d.metadata = { ...d.metadata, annotations: { ...d.metadata?.annotations, "etcd.responder.io/touched": "yes" } };
      }),
    updateStatefulSet: (g) =>
      g.updateStatefulSet(NS, "etcd", (set) => {
        set.metadata = { ...set.metadata, annotations: { "etcd.responder.io/touched": "yes" } };
      }),
    deletePod: async (g) => expect(await g.deletePod(NS, "doomed-0", uidOf(sandbox, "pods", "doomed-0"))).toBe(true),
    readPersistentVolumeClaim: async (g) =>
      expect((await g.readPersistentVolumeClaim(NS, "data-etcd-0"))?.metadata?.name).toBe("data-etcd-0"),
    deletePersistentVolumeClaim: async (g) =>
      expect(
        await g.deletePersistentVolumeClaim(NS, "data-etcd-1", uidOf(sandbox, "persistentvolumeclaims", "data-etcd-1")),
      ).toBe(true),
    createPersistentVolumeClaim: async (g) => {
      expect(await g.createPersistentVolumeClaim(NS, claim("data-example-1"))).toBe(true);
      // A claim of that name exists now: nothing is made, and the answer says so.
      expect(await g.createPersistentVolumeClaim(NS, claim("data-example-1"))).toBe(false);
    },
    waitForClaimGone: async (g) => {
      // A claim that stays: the wait lists it, watches it, and gives up at its deadline naming it.
      const uid = uidOf(sandbox, "persistentvolumeclaims", "data-etcd-0");
      await expect(g.waitForClaimGone(NS, "data-etcd-0", uid, 1500)).rejects.toThrow(
        /waiting for PersistentVolumeClaim etcd-prod\/data-etcd-0 .* to be gone \(last: present, not being deleted\)/,
      );
    },
    listPods: (g) => g.listPods(NS, SELECTOR),
    waitForPods: async (g) => {
      // Waits for a second Pod, so the wait lists, then watches until the Pod added meanwhile shows up.
      const twoPods = (pods: V1Pod[]) => (pods.length === 2 ? true : undefined);
      const waiting = g.waitForPods(NS, SELECTOR, twoPods, "a second member Pod", 10_000);
      await log.waitFor(
        "the pod watch",
        (l) => l.msg === "request" && textOf(l.path).endsWith("/pods") && textOf(l.query).includes("watch=true"),
        10_000,
      );
      sandbox.store.create("pods", pod("example-1-abc-x2", LABELS));
      await waiting;
    },
    readPodLog: (g) => g.readPodLog(NS, "example-1-abc-x1", { container: "etcd", tailLines: 5 }),
    acquireLease: (g) => g.acquireLease(NS, "etcd-responder-example", "worker-a", 15),
    renewLease: (g) =>
      g.renewLease({ namespace: NS, name: "etcd-responder-example", holder: "worker-a", durationSeconds: 15 }),
    releaseLease: (g) =>
      g.releaseLease({ namespace: NS, name: "etcd-responder-example", holder: "worker-a", durationSeconds: 15 }),
    reviewAccess: async (g) => {
      const decision = await g.reviewAccess({
        verb: "patch",
        group: "apps",
        resource: "deployments",
        subresource: "scale",
        namespace: NS,
      });
      // The sandbox's admin is in system:masters: allowed everything.
      expect(decision.allowed).toBe(true);
    },
    recordEvent: (g) =>
      g.recordEvent(
        { kind: "Deployment", apiVersion: "apps/v1", namespace: NS, name: "example-1" },
        { type: "Normal", reason: "MemberRecovered", message: "member 1 is back" },
      ),
  };

  it("covers every request the gateway makes, and every permission is one the gateway uses", async () => {
    for (const exercise of Object.values(exercises)) await exercise(gateway);

    const requests = log
      .lines()
      .filter((l) => l.msg === "request" || l.msg === "request refused" || l.msg === "request failed")
      .map((l) => toRbacRequest(textOf(l.method), textOf(l.path), typeof l.query === "string" ? l.query : undefined))
      .filter((r): r is RbacRequest => r !== undefined);

    // Each exercise reached the server; a silent gateway would make this test pass vacuously.
    expect(requests.length).toBeGreaterThanOrEqual(Object.keys(exercises).length);
    // The self-review needs no Role (every user may make it), and is the only request that does not.
    const reviews = requests.filter((r) => grantedBy(GRANTED_TO_EVERY_USER, r));
    expect(reviews.map((r) => r.line)).toEqual(["POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews"]);
    const needingRole = requests.filter((r) => !grantedBy(GRANTED_TO_EVERY_USER, r));
    // Every other request stays in the managed namespace: a namespaced Role is enough.
    expect(needingRole.filter((r) => r.namespace !== NS).map((r) => r.line)).toEqual([]);

    const uncovered = needingRole
      .filter((r) => !grantedBy(REQUIRED_PERMISSIONS, r))
      .map((r) => `${r.line} needs ${r.verb} ${r.apiGroup || "core"}/${r.resource}`);
    expect(uncovered).toEqual([]);

    const used = new Set(requests.map((r) => `${r.apiGroup}/${r.resource}/${r.verb}`));
    const unused = REQUIRED_PERMISSIONS.flatMap((p) => p.verbs.map((v) => `${p.apiGroup}/${p.resource}/${v}`)).filter(
      (k) => !used.has(k),
    );
    expect(unused).toEqual([]);
  });

  it("maps requests to verbs as the API server's authorizer does", () => {
    const map = (method: string, path: string, query?: string) => {
      const r = toRbacRequest(method, path, query);
      return r && `${r.verb} ${r.apiGroup}/${r.resource}`;
    };
    expect(map("GET", "/api/v1/namespaces/a/pods", "?labelSelector=x")).toBe("list /pods");
    expect(map("GET", "/api/v1/namespaces/a/pods", "?watch=true&resourceVersion=5")).toBe("watch /pods");
    expect(map("GET", "/api/v1/namespaces/a/pods/p/log", "?tailLines=5")).toBe("get /pods/log");
    expect(map("PATCH", "/apis/apps/v1/namespaces/a/deployments/d/scale")).toBe("patch apps/deployments/scale");
    expect(map("PUT", "/apis/coordination.k8s.io/v1/namespaces/a/leases/l")).toBe("update coordination.k8s.io/leases");
    expect(map("POST", "/api/v1/namespaces/a/events")).toBe("create /events");
    expect(map("DELETE", "/api/v1/namespaces/a/pods/p")).toBe("delete /pods");
    expect(map("GET", "/apis/apps/v1")).toBeUndefined();
  });
});

/** A string field of a JSON log line, or "" when the line has none. */
function textOf(value: unknown): string {
  return typeof value === "string" ? value : "";
}
