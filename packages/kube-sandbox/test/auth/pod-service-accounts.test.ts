import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForStore, type KubeObject } from "../../src/index.js";
import { startKubectlSandbox, type KubectlSandbox } from "../kubectl/kubectl-sandbox.js";
import { runningAsRoot } from "../node/isolation-harness.js";

const MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";

/** A Pod `name` that sleeps, with `extra` YAML lines under its spec. */
function sleeperPod(name: string, extra = ""): string {
  return `
apiVersion: v1
kind: Pod
metadata: { name: ${name} }
spec:
  terminationGracePeriodSeconds: 1
${extra}
  containers:
    - { name: main, image: busybox:1.36, command: ["sleep", "3600"] }
`;
}

/** A shell script for inside a Pod: the HTTP status of listing Pods of `default` with the mounted token and CA. */
const LIST_PODS_STATUS =
  `D=${MOUNT_PATH}; curl -sS -o /dev/null -w '%{http_code}' --cacert $D/ca.crt ` +
  `-H "Authorization: Bearer $(cat $D/token)" ` +
  `"https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT/api/v1/namespaces/default/pods"`;

const POD_READER = `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: pod-lister }
rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["list"] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: default-lists-pods }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-lister }
subjects: [{ kind: ServiceAccount, name: default, namespace: default }]
`;

const modes = runningAsRoot ? (["loopback", "namespaces"] as const) : (["loopback"] as const);

describe.each(modes)("Pods and their ServiceAccounts (%s Pods)", (isolation) => {
  let k: KubectlSandbox;
  const exec = async (pod: string, script: string) => {
    const run = await k.kubectl("exec", pod, "--", "sh", "-c", script);
    expect(run.stderr, `kubectl exec ${pod} -- sh -c '${script}'`).toBe("");
    expect(run.code).toBe(0);
    return run.stdout;
  };
  const runningPod = (name: string) =>
    waitForStore(
      k.sandbox.store,
      () =>
        (k.sandbox.store.get("pods", "default", name)?.status as { phase?: string } | undefined)?.phase === "Running",
      `Pod ${name} running`,
      30_000,
    );

  beforeAll(async () => {
    k = await startKubectlSandbox(isolation);
    expect(k.sandbox.isolation).toBe(isolation);
    await k.apply(sleeperPod("reader"));
    await runningPod("reader");
  }, 60_000);

  afterAll(async () => {
    await k?.stop();
  });

  it("gives a Pod without a ServiceAccount the default one, its token volume and a mount in every container", () => {
    const pod = k.sandbox.store.get("pods", "default", "reader") as KubeObject;
    const spec = pod.spec as {
      serviceAccountName?: string;
      serviceAccount?: string;
      volumes?: { name: string; projected?: unknown }[];
      containers: { volumeMounts?: unknown[] }[];
    };
    expect(spec.serviceAccountName).toBe("default");
    expect(spec.serviceAccount).toBe("default");
    const volume = spec.volumes?.find((v) => v.name.startsWith("kube-api-access-"));
    expect(volume?.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(volume?.projected).toEqual({
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        {
          downwardAPI: {
            items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }],
          },
        },
      ],
    });
    expect(spec.containers[0]?.volumeMounts).toEqual([{ name: volume?.name, readOnly: true, mountPath: MOUNT_PATH }]);
  });

  it("mounts the Pod's token, namespace and the cluster's CA, and tells it where the API server is", async () => {
    const files = await exec("reader", `D=${MOUNT_PATH}; cat $D/namespace; echo; cat $D/ca.crt; cat $D/token`);
    const [namespace, ...rest] = files.split("\n");
    expect(namespace).toBe("default");
    const caPem = await readFile(k.sandbox.caFile, "utf8");
    expect(rest.join("\n").startsWith(caPem)).toBe(true);
    const token = rest.join("\n").slice(caPem.length);
    const user = k.sandbox.tokens.authenticate(token, k.sandbox.store);
    expect(user.username).toBe("system:serviceaccount:default:default");
    expect(user.extra?.["authentication.kubernetes.io/pod-name"]).toEqual(["reader"]);

    const env = await exec("reader", "echo $KUBERNETES_SERVICE_HOST $KUBERNETES_SERVICE_PORT $KUBERNETES_PORT");
    const [host, port, link] = env.trim().split(" ");
    if (isolation === "loopback") expect(`https://${host}:${port}`).toBe(k.sandbox.apiServer);
    else expect(port).toBe("443");
    expect(link).toBe(`tcp://${host}:${port}`);
    // The API server's certificate names the address the Pods use.
    const serving = new X509Certificate(await tlsCertificateOf(k, host ?? "", Number(port)));
    expect(serving.checkIP(host ?? "")).toBe(host);
  });

  it("answers the Pod's token with 403 until a Role grants it, then with 200", async () => {
    expect(await exec("reader", LIST_PODS_STATUS)).toBe("403");
    await k.apply(POD_READER);
    expect(await exec("reader", LIST_PODS_STATUS)).toBe("200");
    expect((await k.kubectl("delete", "rolebinding", "default-lists-pods")).code).toBe(0);
  });

  it.runIf(isolation === "namespaces")(
    "serves the API on the kubernetes Service's name in the cluster DNS",
    async () => {
      const url = "https://kubernetes.default.svc.cluster.local/version";
      const version = await exec(
        "reader",
        `D=${MOUNT_PATH}; curl -sS --cacert $D/ca.crt -H "Authorization: Bearer $(cat $D/token)" ${url}`,
      );
      expect(JSON.parse(version)).toMatchObject({ major: "1", minor: "32" });
      const slice = k.sandbox.store.get("endpointslices.discovery.k8s.io", "default", "kubernetes");
      expect(slice?.ports).toEqual([
        { name: "https", port: Number(new URL(k.sandbox.apiServer).port), protocol: "TCP" },
      ]);
    },
  );

  it("adds no token volume when the Pod or its ServiceAccount turns automounting off", async () => {
    await k.apply(sleeperPod("no-token", "  automountServiceAccountToken: false"));
    await k.apply(`
apiVersion: v1
kind: ServiceAccount
metadata: { name: quiet }
automountServiceAccountToken: false
${sleeperPod("quiet-pod", "  serviceAccountName: quiet").replace(/^\n/, "---\n")}`);
    for (const name of ["no-token", "quiet-pod"]) {
      const spec = k.sandbox.store.get("pods", "default", name)?.spec as {
        volumes?: unknown[];
        containers: { volumeMounts?: unknown[] }[];
      };
      expect(spec.volumes, name).toBeUndefined();
      expect(spec.containers[0]?.volumeMounts, name).toBeUndefined();
    }
    await runningPod("no-token");
    expect(await exec("no-token", `ls ${MOUNT_PATH} 2>&1 || echo missing`)).toContain("missing");
  });

  it("refuses a Pod whose ServiceAccount does not exist, in kube-apiserver's words", async () => {
    const run = await k.kubectl("run", "orphan", "--image=busybox:1.36", "--overrides", overrides("ghost"));
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(
      'pods "orphan" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found',
    );
    expect(k.sandbox.store.get("pods", "default", "orphan")).toBeUndefined();
  });

  it("has a ReplicaSet whose ServiceAccount is missing record FailedCreate and make no Pod", async () => {
    await k.apply(`
apiVersion: apps/v1
kind: ReplicaSet
metadata: { name: haunted }
spec:
  replicas: 1
  selector: { matchLabels: { app: haunted } }
  template:
    metadata: { labels: { app: haunted } }
    spec:
      serviceAccountName: ghost
      containers: [{ name: main, image: busybox:1.36, command: ["sleep", "3600"] }]
`);
    const failedCreate = () =>
      k.sandbox.store
        .list("events", "default")
        .find((e) => e.reason === "FailedCreate" && (e.involvedObject as { name?: string }).name === "haunted");
    await waitForStore(k.sandbox.store, failedCreate, "a FailedCreate Event about ReplicaSet haunted", 10_000);
    expect(failedCreate()?.message).toBe(
      'Error creating: pods "haunted-" is forbidden: error looking up service account default/ghost: ' +
        'serviceaccount "ghost" not found',
    );
    expect(k.sandbox.store.list("pods", "default").filter((p) => p.metadata.name.startsWith("haunted"))).toEqual([]);
  });

  it("publishes the cluster's CA as kube-root-ca.crt in every namespace", async () => {
    expect((await k.kubectl("create", "namespace", "fresh")).code).toBe(0);
    const caPem = await readFile(k.sandbox.caFile, "utf8");
    await waitForStore(
      k.sandbox.store,
      () => k.sandbox.store.get("configmaps", "fresh", "kube-root-ca.crt"),
      "kube-root-ca.crt in namespace fresh",
      10_000,
    );
    const run = await k.kubectl(
      "get",
      "configmap",
      "kube-root-ca.crt",
      "-n",
      "fresh",
      "-o",
      "jsonpath={.data.ca\\.crt}",
    );
    expect(run.stdout).toBe(caPem);
  });
});

/** `kubectl run --overrides` JSON naming a ServiceAccount. */
function overrides(serviceAccount: string): string {
  return JSON.stringify({ apiVersion: "v1", spec: { serviceAccountName: serviceAccount } });
}

/** The certificate the API server presents at `host:port`, DER, fetched from inside the sandbox's host. */
async function tlsCertificateOf(k: KubectlSandbox, host: string, port: number): Promise<Buffer> {
  const { connect } = await import("node:tls");
  const caPem = await readFile(k.sandbox.caFile, "utf8");
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, ca: caPem, servername: "kubernetes.default.svc" }, () => {
      const der = socket.getPeerCertificate().raw;
      socket.destroy();
      resolve(der);
    });
    socket.setTimeout(5000, () => socket.destroy(new Error(`no TLS handshake with ${host}:${port} within 5 s`)));
    socket.on("error", reject);
  });
}
