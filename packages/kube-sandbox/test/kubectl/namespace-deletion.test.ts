import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pod } from "../../src/controllers/workload-types.js";
import { waitForStore } from "../../src/index.js";
import { processAlive } from "../support.js";
import { sleeperDeployment, startKubectlSandbox, type KubectlSandbox } from "./kubectl-sandbox.js";

const WAIT_MS = 30_000;

/** A Service, a ConfigMap, a Secret and a Lease in `namespace`; the ConfigMap holds `finalizers`. */
function otherObjects(namespace: string, finalizers: string[] = []): string {
  return `
apiVersion: v1
kind: Service
metadata: { name: web, namespace: ${namespace} }
spec: { selector: { app: web }, ports: [{ port: 80 }] }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: ${namespace}, finalizers: ${JSON.stringify(finalizers)} }
data: { level: debug }
---
apiVersion: v1
kind: Secret
metadata: { name: token, namespace: ${namespace} }
stringData: { token: secret }
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: { name: leader, namespace: ${namespace} }
spec: { holderIdentity: web }
`;
}

const NAMESPACED_TYPES = [
  "deployments.apps",
  "replicasets.apps",
  "pods",
  "services",
  "configmaps",
  "secrets",
  "leases.coordination.k8s.io",
  "events",
];

describe("namespace deletion with kubectl", () => {
  let k: KubectlSandbox;

  beforeAll(async () => {
    k = await startKubectlSandbox();
  });

  afterAll(async () => {
    await k?.stop();
  });

  /** Creates `namespace` with a running two-Pod Deployment and the other objects; returns the Pods' pids. */
  async function populate(namespace: string, finalizers: string[] = []): Promise<number[]> {
    const created = await k.kubectl("create", "namespace", namespace);
    expect(created.code, created.stderr).toBe(0);
    await k.apply(sleeperDeployment("web", 2, namespace));
    await k.apply(otherObjects(namespace, finalizers));
    const pods = await waitForStore(
      k.sandbox.store,
      () => {
        const running = (k.sandbox.store.list("pods", namespace) as Pod[]).filter(
          (p) => p.status?.containerStatuses?.[0]?.state?.running,
        );
        return running.length === 2 ? running : undefined;
      },
      `two running Pods in ${namespace}`,
      WAIT_MS,
    );
    expect(k.sandbox.store.list("events", namespace).length).toBeGreaterThan(0);
    return pods.map((p) => Number(p.status?.containerStatuses?.[0]?.containerID?.replace("sandbox://", "")));
  }

  const contentOf = (namespace: string) =>
    NAMESPACED_TYPES.flatMap((type) => k.sandbox.store.list(type, namespace).map((o) => `${type}/${o.metadata.name}`));

  it("kubectl delete namespace --wait returns once everything in it is gone and its processes exited", async () => {
    const pids = await populate("doomed");
    expect(pids.filter(processAlive)).toHaveLength(2);

    const deleted = await k.kubectl("delete", "namespace", "doomed", "--wait", "--timeout=30s");
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout.trim()).toBe('namespace "doomed" deleted');

    expect(k.sandbox.store.get("namespaces", undefined, "doomed")).toBeUndefined();
    expect(contentOf("doomed")).toEqual([]);
    expect(pids.filter(processAlive)).toEqual([]);
  });

  const ONE_CONFIGMAP = "Some resources are remaining: configmaps\\. has 1 resource instances";
  const onlyConfigMapRemains = () =>
    (
      k.sandbox.store.get("namespaces", undefined, "held")?.status as
        { conditions?: { type: string; message: string }[] } | undefined
    )?.conditions?.some(
      (c) => c.type === "NamespaceContentRemaining" && new RegExp(`^${ONE_CONFIGMAP}$`).test(c.message),
    );

  it("keeps a namespace Terminating, refusing new content, until its objects' finalizers are taken off", async () => {
    await populate("held", ["example.com/hold"]);
    const deleted = await k.kubectl("delete", "namespace", "held", "--wait=false");
    expect(deleted.code, deleted.stderr).toBe(0);

    const read = await k.kubectl("get", "namespace", "held", "-o", "json");
    expect(read.code, read.stderr).toBe(0);
    const namespace = JSON.parse(read.stdout) as {
      metadata: { deletionTimestamp?: string };
      spec: { finalizers: string[] };
      status: { phase: string };
    };
    expect(namespace.metadata.deletionTimestamp).toBeDefined();
    expect(namespace.spec.finalizers).toEqual(["kubernetes"]);
    expect(namespace.status.phase).toBe("Terminating");

    const refused = await k.kubectl("create", "configmap", "late", "-n", "held");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      'configmaps "late" is forbidden: unable to create new content in namespace held because it is being terminated',
    );

    await waitForStore(
      k.sandbox.store,
      () => contentOf("held").join() === "configmaps/settings" && onlyConfigMapRemains(),
      "everything in held but the held ConfigMap to go, and the namespace to say so",
      WAIT_MS,
    );
    const listed = await k.kubectl("get", "namespaces", "held");
    expect(listed.stdout).toMatch(/^held\s+Terminating\s/m);
    const described = await k.kubectl("describe", "namespace", "held");
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toMatch(
      new RegExp(`NamespaceContentRemaining\\s+True\\s.*SomeResourcesRemain\\s+${ONE_CONFIGMAP}$`, "m"),
    );
    expect(described.stdout).toMatch(
      /NamespaceFinalizersRemaining\s+True\s.*remaining: example\.com\/hold in 1 resource instances$/m,
    );

    const released = await k.kubectl(
      "patch",
      "configmap",
      "settings",
      "-n",
      "held",
      "--type=json",
      "-p",
      '[{"op":"remove","path":"/metadata/finalizers"}]',
    );
    expect(released.code, released.stderr).toBe(0);
    const gone = await k.kubectl("wait", "--for=delete", "namespace/held", "--timeout=30s");
    expect(gone.code, gone.stderr).toBe(0);
    expect(contentOf("held")).toEqual([]);
  });

  it("refuses to delete default, kube-system and kube-public", async () => {
    for (const name of ["default", "kube-system", "kube-public"]) {
      const refused = await k.kubectl("delete", "namespace", name, "--wait=false");
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(`namespaces "${name}" is forbidden: this namespace may not be deleted`);
      expect(k.sandbox.store.get("namespaces", undefined, name)?.metadata.deletionTimestamp).toBeUndefined();
    }
  });
});
