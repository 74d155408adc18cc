import { describe, expect, it } from "vitest";
import { createServiceAccountAdmission } from "../../../src/api/admission/service-account-admission.js";
import { ObjectStore, type KubeObject } from "../../../src/api/object-store.js";
import { StatusError } from "../../../src/api/status-error.js";

const MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";

interface Spec {
  serviceAccountName?: string;
  volumes?: { name: string }[];
  containers: { name: string; volumeMounts?: { name: string; mountPath: string }[] }[];
  initContainers?: { name: string; volumeMounts?: { name: string; mountPath: string }[] }[];
}

function storeWithAccount(account: Record<string, unknown> = {}): ObjectStore {
  const store = new ObjectStore();
  store.create("serviceaccounts", {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "default", namespace: "apps" },
    ...account,
  });
  return store;
}

function pod(spec: Partial<Spec>, metadata: Partial<KubeObject["metadata"]> = { name: "web" }): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "", namespace: "apps", ...metadata },
    spec: { containers: [{ name: "main" }], ...spec },
  };
}

describe("ServiceAccount admission", () => {
  it("mounts the token volume in every init and app container that mounts nothing at its path", () => {
    const admitted = pod({
      initContainers: [{ name: "setup" }],
      containers: [{ name: "main" }, { name: "own", volumeMounts: [{ name: "mine", mountPath: MOUNT_PATH }] }],
      volumes: [{ name: "mine" }],
    });
    createServiceAccountAdmission(storeWithAccount())(admitted);
    const spec = admitted.spec as Spec;
    const added = spec.volumes?.[1]?.name ?? "";
    expect(spec.volumes?.map((v) => v.name)).toEqual(["mine", added]);
    expect(added).toMatch(/^kube-api-access-/);
    const mountsOf = (c: { volumeMounts?: { name: string }[] } | undefined) => c?.volumeMounts?.map((m) => m.name);
    expect(mountsOf(spec.initContainers?.[0])).toEqual([added]);
    expect(mountsOf(spec.containers[0])).toEqual([added]);
    expect(mountsOf(spec.containers[1])).toEqual(["mine"]);
  });

  it("lets the Pod's automountServiceAccountToken override its ServiceAccount's", () => {
    const store = storeWithAccount({ automountServiceAccountToken: false });
    const plain = pod({});
    const asking = pod({ automountServiceAccountToken: true } as Partial<Spec>);
    createServiceAccountAdmission(store)(plain);
    createServiceAccountAdmission(store)(asking);
    expect((plain.spec as Spec).volumes).toBeUndefined();
    expect((asking.spec as Spec).volumes).toHaveLength(1);
  });

  it("names a Pod that has only generateName by its prefix when its ServiceAccount is missing", () => {
    const admit = createServiceAccountAdmission(storeWithAccount());
    let refusal: unknown;
    try {
      admit(pod({ serviceAccountName: "ghost" }, { generateName: "web-" }));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(StatusError);
    expect((refusal as StatusError).code).toBe(403);
    expect((refusal as StatusError).message).toBe(
      'pods "web-" is forbidden: error looking up service account apps/ghost: serviceaccount "ghost" not found',
    );
  });
});
