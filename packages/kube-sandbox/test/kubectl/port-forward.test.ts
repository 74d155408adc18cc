import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runningAsRoot } from "../node/isolation-harness.js";
import { localGet, startPortForward } from "../support.js";
import { startKubectlSandbox, type KubectlSandbox } from "./kubectl-sandbox.js";

/** etcd serving clients on its Pod's address only, behind a Service. */
const STORE = `
apiVersion: v1
kind: Pod
metadata: { name: store, labels: { app: store } }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: etcd
      image: quay.io/coreos/etcd:v3.5.17
      command: [etcd]
      args:
        - --data-dir=/var/lib/store/data
        - --listen-client-urls=http://$(POD_IP):2379
        - --advertise-client-urls=http://$(POD_IP):2379
        - --listen-peer-urls=http://$(POD_IP):2380
        - --initial-advertise-peer-urls=http://$(POD_IP):2380
        - --initial-cluster=default=http://$(POD_IP):2380
      env: [{ name: POD_IP, valueFrom: { fieldRef: { fieldPath: status.podIP } } }]
      volumeMounts: [{ name: data, mountPath: /var/lib/store }]
      readinessProbe: { httpGet: { path: /health, port: 2379 }, periodSeconds: 1 }
  volumes: [{ name: data, emptyDir: {} }]
---
apiVersion: v1
kind: Service
metadata: { name: store }
spec:
  selector: { app: store }
  ports: [{ name: client, port: 12379, targetPort: 2379 }]
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: forwarder }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: forwarder }
rules:
  - { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }
  - { apiGroups: [""], resources: ["pods/portforward"], verbs: ["create"] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: forwarder }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: forwarder }
subjects: [{ kind: ServiceAccount, name: forwarder, namespace: default }]
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: reader }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: reader }
rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: reader }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader }
subjects: [{ kind: ServiceAccount, name: reader, namespace: default }]
`;

/** etcd listening on its Pod's localhost only: reached as a kubelet reaches it, inside the Pod's network namespace. */
const LOCAL_ONLY = `
apiVersion: v1
kind: Pod
metadata: { name: local }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: etcd
      image: quay.io/coreos/etcd:v3.5.17
      command: [etcd]
      args:
        - --data-dir=/var/lib/local/data
        - --listen-client-urls=http://127.0.0.1:2379
        - --advertise-client-urls=http://127.0.0.1:2379
        - --listen-peer-urls=http://127.0.0.1:2380
        - --initial-advertise-peer-urls=http://127.0.0.1:2380
        - --initial-cluster=default=http://127.0.0.1:2380
      volumeMounts: [{ name: data, mountPath: /var/lib/local }]
  volumes: [{ name: data, emptyDir: {} }]
`;

const modes = runningAsRoot ? (["loopback", "namespaces"] as const) : (["loopback"] as const);

describe.each(modes)("kubectl port-forward (%s Pods)", (isolation) => {
  let k: KubectlSandbox;

  /** Runs `kubectl port-forward ARGS`, GETs `path` through it, stops it; resolves to the answer and its output. */
  async function through(args: string[], path: string, env: NodeJS.ProcessEnv = {}) {
    const forward = await startPortForward(k.sandbox.kubeconfig, args, env);
    try {
      return { ...(await localGet(forward.port, path)), output: forward.output() };
    } finally {
      await forward.stop();
    }
  }

  beforeAll(async () => {
    k = await startKubectlSandbox(isolation);
    await k.apply(STORE);
    const ready = await k.kubectl("wait", "--for=condition=Ready", "pod/store", "--timeout=30s");
    expect(ready.code, ready.stderr).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await k?.stop();
  });

  it("forwards a local port to a Pod's port, over the WebSocket kubectl 1.32 tries first", async () => {
    const answer = await through(["pod/store", ":2379"], "/health");
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ health: "true" });
    const metrics = await through(["pod/store", ":2379"], "/metrics");
    expect(metrics.body.length).toBeGreaterThan(64 * 1024);
    expect(metrics.body.endsWith("\n")).toBe(true);
  });

  it.runIf(isolation === "namespaces")(
    "reaches a server on the Pod's localhost, inside its network namespace",
    async () => {
      await k.apply(LOCAL_ONLY);
      const running = await k.kubectl("wait", "--for=condition=Ready", "pod/local", "--timeout=30s");
      expect(running.code, running.stderr).toBe(0);
      let answer: { body: string } | undefined;
      // Ready once started: etcd may take a moment to listen.
      for (let i = 0; i < 40 && !answer; i++) {
        answer = await through(["pod/local", ":2379"], "/health").catch(async () => {
          await new Promise((resolve) => setTimeout(resolve, 250));
          return undefined;
        });
      }
      expect(JSON.parse(answer?.body ?? "{}")).toMatchObject({ health: "true" });
      const metrics = await through(["pod/local", ":2379"], "/metrics");
      expect(metrics.body.length).toBeGreaterThan(64 * 1024);
      expect(metrics.body.endsWith("\n")).toBe(true);
    },
  );

  it("forwards to the Pod and target port kubectl picks for a Service", async () => {
    const answer = await through(["svc/store", ":12379"], "/version");
    expect(JSON.parse(answer.body)).toHaveProperty("etcdserver");
  });

  it("forwards over plain SPDY, kubectl's fallback", async () => {
    const answer = await through(["pod/store", ":2379"], "/health", { KUBECTL_PORT_FORWARD_WEBSOCKETS: "false" });
    expect(JSON.parse(answer.body)).toMatchObject({ health: "true" });
  });

  it("reports a closed port on the error stream, as the kubelet does, and kubectl gives up", async () => {
    const forward = await startPortForward(k.sandbox.kubeconfig, ["pod/store", ":2999"]);
    try {
      await expect(localGet(forward.port, "/health")).rejects.toThrow();
      for (let i = 0; i < 100 && !/lost connection to pod/.test(forward.output()); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(forward.output()).toMatch(
        /an error occurred forwarding \d+ -> 2999: error forwarding port 2999 to pod store/,
      );
      expect(forward.output()).toMatch(/to pod store, uid [0-9a-f-]+: .*connect: connection refused/);
      expect(forward.output()).toContain("lost connection to pod");
    } finally {
      await forward.stop();
    }
  });

  it("needs create on pods/portforward: SPDY's POST, after the refused WebSocket GET", async () => {
    const allowed = await through(["--as=system:serviceaccount:default:forwarder", "pod/store", ":2379"], "/health");
    expect(JSON.parse(allowed.body)).toMatchObject({ health: "true" });
    await expect(
      startPortForward(k.sandbox.kubeconfig, ["--as=system:serviceaccount:default:reader", "pod/store", ":2379"]),
    ).rejects.toThrow(
      /pods "store" is forbidden: User "system:serviceaccount:default:reader" cannot create resource "pods\/portforwar/,
    );
  });
});
