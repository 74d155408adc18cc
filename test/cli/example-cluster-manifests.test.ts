import { describe, expect, it, afterAll, beforeAll } from "vitest";
import {
  type Manifest,
  DEFAULT_ETCD_IMAGE,
  type ExampleClusterOptions,
  ExampleClusterOptionsError,
  generateExampleCluster,
  memberDeploymentName,
  memberServiceName,
  renderYaml,
} from "../../src/cli/example-cluster-manifests.js";
import { parseAllDocuments } from "yaml";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { probePort } from "kube-sandbox";

interface Container {
  name: string;
  image: string;
  command: string[];
  args: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
  ports: { name: string; containerPort: number }[];
  readinessProbe: { httpGet: { path: string; port: number } };
  volumeMounts: { name: string; mountPath: string }[];
}

const base: ExampleClusterOptions = {
  name: "example",
  members: 5,
  namespace: "default",
  addressing: { kind: "service-dns" },
};

/** The parts of a member Deployment's spec these tests read. */
interface DeploymentSpec {
  replicas: number;
  strategy: unknown;
  selector: unknown;
  template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
}

/** The parts of a member Pod's spec these tests read. */
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds: number;
  volumes: unknown[];
}

/** The parts of a member Service's spec these tests read. */
interface ServiceSpec {
  selector: Record<string, string>;
  clusterIP?: string;
}

function deploymentSpec(deployment: Manifest): DeploymentSpec {
  return deployment.spec as DeploymentSpec;
}

function serviceSpec(service: Manifest): ServiceSpec {
  return service.spec as ServiceSpec;
}

function podSpec(deployment: Manifest): PodSpec {
  return deploymentSpec(deployment).template.spec;
}

function container(deployment: Manifest): Container {
  const first = podSpec(deployment).containers[0];
  if (!first) throw new Error(`Deployment ${deployment.metadata.name} has no container`);
  return first;
}

function arg(c: Container, flag: string): string | undefined {
  return c.args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
}

function env(c: Container): Record<string, unknown> {
  return Object.fromEntries(c.env.map((e) => [e.name, e.value ?? e.valueFrom]));
}

describe("member names", () => {
  it("follows the NAME-N Deployment and NAMEN Service convention", () => {
    expect(memberDeploymentName("example", 3)).toBe("example-3");
    expect(memberServiceName("example", 3)).toBe("example3");
  });
});

describe("generateExampleCluster with service DNS", () => {
  const objects = generateExampleCluster(base);

  it("emits each member's Service followed by its Deployment", () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "Service/example1",
      "Deployment/example-1",
      "Service/example2",
      "Deployment/example-2",
      "Service/example3",
      "Deployment/example-3",
      "Service/example4",
      "Deployment/example-4",
      "Service/example5",
      "Deployment/example-5",
    ]);
    for (const o of objects) expect(o.metadata.namespace).toBe("default");
    // Without a namespace, none is written: the objects go where they are applied.
    const { namespace: _namespace, ...anywhere } = base;
    for (const o of generateExampleCluster(anywhere)) expect(o.metadata).not.toHaveProperty("namespace");
  });

  it("labels and selects one member", () => {
    const [service, deployment] = objects.slice(4, 6) as [Manifest, Manifest];
    const labels = {
      "app.kubernetes.io/name": "etcd",
      "app.kubernetes.io/instance": "example",
      "etcd.responder.io/cluster": "example",
      "etcd.responder.io/member": "3",
    };
    const selector = { "etcd.responder.io/cluster": "example", "etcd.responder.io/member": "3" };
    expect(service.metadata.labels).toEqual(labels);
    expect(deployment.metadata.labels).toEqual(labels);
    expect(deploymentSpec(deployment).template.metadata.labels).toEqual(labels);
    expect(deploymentSpec(deployment).selector).toEqual({ matchLabels: selector });
    expect(serviceSpec(service).selector).toEqual(selector);
  });

  it("publishes not-ready members on client and peer ports, without a fixed address", () => {
    const service = objects[0]!;
    expect(service.spec).toEqual({
      selector: { "etcd.responder.io/cluster": "example", "etcd.responder.io/member": "1" },
      publishNotReadyAddresses: true,
      ports: [
        { name: "client", port: 2379, targetPort: 2379, protocol: "TCP" },
        { name: "peer", port: 2380, targetPort: 2380, protocol: "TCP" },
      ],
    });
  });

  it("runs one Pod per member, never two at once, on ephemeral storage", () => {
    const deployment = objects[1]!;
    expect(deploymentSpec(deployment).replicas).toBe(1);
    expect(deploymentSpec(deployment).strategy).toEqual({ type: "Recreate" });
    expect(podSpec(deployment).terminationGracePeriodSeconds).toBe(10);
    expect(podSpec(deployment).volumes).toEqual([{ name: "data", emptyDir: {} }]);
    const c = container(deployment);
    expect(c.name).toBe("etcd");
    expect(c.image).toBe(DEFAULT_ETCD_IMAGE);
    expect(c.command).toEqual(["etcd"]);
    expect(c.volumeMounts).toEqual([{ name: "data", mountPath: "/var/run/etcd" }]);
    expect(c.ports.map((p) => [p.name, p.containerPort])).toEqual([
      ["client", 2379],
      ["peer", 2380],
      ["metrics", 2381],
    ]);
    expect(c.readinessProbe).toEqual({
      httpGet: { path: "/health", port: 2381 },
      initialDelaySeconds: 0,
      periodSeconds: 1,
      failureThreshold: 3,
    });
  });

  it("starts etcd with the member's name and service URLs", () => {
    const c = container(objects[5]!);
    expect(c.args).toEqual([
      "--name=example3",
      "--data-dir=/var/run/etcd/default.etcd",
      "--listen-client-urls=http://0.0.0.0:2379",
      "--advertise-client-urls=http://example3:2379",
      "--listen-peer-urls=http://0.0.0.0:2380",
      "--initial-advertise-peer-urls=http://example3:2380",
      "--listen-metrics-urls=http://0.0.0.0:2381",
      "--initial-cluster=example1=http://example1:2380,example2=http://example2:2380,example3=http://example3:2380," +
        "example4=http://example4:2380,example5=http://example5:2380",
      "--initial-cluster-state=new",
      "--initial-cluster-token=example",
    ]);
    expect(c.env).toEqual([{ name: "ETCDCTL_API", value: "3" }]);
  });

  it("joins an existing cluster when asked, with the chosen image", () => {
    const [, deployment] = generateExampleCluster({
      ...base,
      members: 1,
      image: "registry.local/etcd:3.5",
      initialClusterState: "existing",
    });
    const c = container(deployment!);
    expect(arg(c, "--initial-cluster-state")).toBe("existing");
    expect(arg(c, "--initial-cluster")).toBe("example1=http://example1:2380");
    expect(c.image).toBe("registry.local/etcd:3.5");
  });
});

describe("generateExampleCluster with fixed addresses", () => {
  const ips = ["127.101.7.1", "127.101.7.2", "127.101.7.3"];
  const objects = generateExampleCluster({ ...base, members: 3, addressing: { kind: "fixed-ips", ips } });

  it("gives each member's Service its address", () => {
    expect(objects.filter((o) => o.kind === "Service").map((s) => serviceSpec(s).clusterIP)).toEqual(ips);
  });

  it("listens on the Pod's address and advertises the member's address", () => {
    const c = container(objects[3]!);
    expect(c.args).toEqual([
      "--name=example2",
      "--data-dir=/var/run/etcd/default.etcd",
      "--listen-client-urls=http://$(POD_IP):2379",
      "--advertise-client-urls=http://127.101.7.2:2379",
      "--listen-peer-urls=http://$(POD_IP):2380",
      "--initial-advertise-peer-urls=http://127.101.7.2:2380",
      "--listen-metrics-urls=http://$(POD_IP):2381",
      "--initial-cluster=example1=http://127.101.7.1:2380,example2=http://127.101.7.2:2380,example3=http://127.101.7.3:2380",
      "--initial-cluster-state=new",
      "--initial-cluster-token=example",
    ]);
  });

  it("defines POD_IP before the variables that use it and points etcdctl at the Pod's own member", () => {
    const c = container(objects[1]!);
    expect(c.env).toEqual([
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "ETCDCTL_API", value: "3" },
      { name: "ETCDCTL_ENDPOINTS", value: "http://$(POD_IP):2379" },
    ]);
  });
});

describe("generateExampleCluster with client TLS", () => {
  it("serves clients over https with client-cert auth from the Secret, keeping health on http", () => {
    const objects = generateExampleCluster({ ...base, members: 3, tls: { secretName: "example-tls" } });
    const deployment = objects[1]!;
    const c = container(deployment);
    expect(arg(c, "--listen-client-urls")).toBe("https://0.0.0.0:2379");
    expect(arg(c, "--advertise-client-urls")).toBe("https://example1:2379");
    expect(arg(c, "--listen-peer-urls")).toBe("http://0.0.0.0:2380");
    expect(arg(c, "--listen-metrics-urls")).toBe("http://0.0.0.0:2381");
    expect(c.args.slice(-4)).toEqual([
      "--cert-file=/etc/etcd/tls/tls.crt",
      "--key-file=/etc/etcd/tls/tls.key",
      "--trusted-ca-file=/etc/etcd/tls/ca.crt",
      "--client-cert-auth",
    ]);
    expect(env(c)).toEqual({
      ETCDCTL_API: "3",
      ETCDCTL_ENDPOINTS: "https://example1:2379",
      ETCDCTL_CACERT: "/etc/etcd/tls/ca.crt",
      ETCDCTL_CERT: "/etc/etcd/tls/tls.crt",
      ETCDCTL_KEY: "/etc/etcd/tls/tls.key",
    });
    expect(c.volumeMounts).toContainEqual({ name: "tls", mountPath: "/etc/etcd/tls", readOnly: true });
    expect(podSpec(deployment).volumes).toContainEqual({ name: "tls", secret: { secretName: "example-tls" } });
  });

  it("combines with fixed addresses", () => {
    const objects = generateExampleCluster({
      ...base,
      members: 1,
      addressing: { kind: "fixed-ips", ips: ["127.101.7.9"] },
      tls: { secretName: "example-tls" },
    });
    const c = container(objects[1]!);
    expect(arg(c, "--listen-client-urls")).toBe("https://$(POD_IP):2379");
    expect(arg(c, "--advertise-client-urls")).toBe("https://127.101.7.9:2379");
    expect(env(c).ETCDCTL_ENDPOINTS).toBe("https://$(POD_IP):2379");
  });
});

describe("option validation", () => {
  function failure(options: ExampleClusterOptions): ExampleClusterOptionsError {
    try {
      generateExampleCluster(options);
    } catch (err) {
      if (err instanceof ExampleClusterOptionsError) return err;
      throw err;
    }
    throw new Error("expected an ExampleClusterOptionsError");
  }

  it.each(["Example", "1example", "example-", "-example", "ex_ample", "", "a".repeat(63)])(
    "rejects cluster name %j",
    (name) => {
      const err = failure({ ...base, name });
      expect(err.option).toBe("name");
      expect(err.message).toMatch(/^name: .* is not a valid cluster name: use lowercase letters, digits and '-'/);
    },
  );

  it("accepts a 62-character name, so that NAMEN still fits a Service name", () => {
    const name = "e".repeat(62);
    expect(generateExampleCluster({ ...base, name, members: 1 })[0]!.metadata.name).toHaveLength(63);
  });

  it.each([0, 10, 2.5, Number.NaN])("rejects %d members", (members) => {
    expect(failure({ ...base, members }).message).toMatch(/^members: must be a whole number from 1 to 9/);
  });

  it("rejects a bad namespace, image, Secret name and cluster state", () => {
    expect(failure({ ...base, namespace: "Default" }).option).toBe("namespace");
    expect(failure({ ...base, image: "etcd latest" }).option).toBe("image");
    expect(failure({ ...base, tls: { secretName: "Bad_Secret" } }).option).toBe("tls.secretName");
    expect(failure({ ...base, initialClusterState: "old" as "new" }).option).toBe("initialClusterState");
  });

  it("needs one distinct IPv4 address per member", () => {
    expect(failure({ ...base, members: 2, addressing: { kind: "fixed-ips", ips: ["127.0.0.1"] } }).message).toBe(
      "addressing.ips: needs exactly one IPv4 address per member (2), got 1",
    );
    expect(
      failure({ ...base, members: 2, addressing: { kind: "fixed-ips", ips: ["127.0.0.1", "example2"] } }).message,
    ).toBe('addressing.ips: "example2" is not an IPv4 address');
    expect(
      failure({ ...base, members: 2, addressing: { kind: "fixed-ips", ips: ["127.0.0.1", "127.0.0.1"] } }).message,
    ).toBe("addressing.ips: 127.0.0.1 is given to more than one member");
  });
});

describe("renderYaml", () => {
  it("writes one YAML document per object that parses back to the objects", () => {
    const objects = generateExampleCluster({ ...base, members: 2 });
    const docs = parseAllDocuments(renderYaml(objects));
    expect(docs.map((d) => d.toJS() as unknown)).toEqual(objects);
  });

  it("keeps member labels strings and long arguments on one line", () => {
    const text = renderYaml(generateExampleCluster(base));
    expect(text).toContain('etcd.responder.io/member: "5"');
    expect(text).toContain(
      "- --initial-cluster=example1=http://example1:2380,example2=http://example2:2380,example3=http://example3:2380,example4=http://example4:2380,example5=http://example5:2380\n",
    );
  });
});

const run = promisify(execFile);
const IPS = ["127.78.0.1", "127.78.0.2", "127.78.0.3"];

interface Member {
  name: string;
  peerURLs: string[];
  /** Absent until the member has published them. */
  clientURLs?: string[];
}

/** What the kubelet would do: put the Pod's address in for $(POD_IP) and the data volume's directory for its mount. */
function expand(text: string, podIp: string, dataDir: string): string {
  return text.replaceAll("$(POD_IP)", podIp).replace("/var/run/etcd/", `${dataDir}/`);
}

async function waitFor<T>(what: string, timeoutMs: number, attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last error: ${String(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

describe("a fixed-address cluster started from the generated arguments", () => {
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  let dataRoot = "";
  let etcdctlEnv: Record<string, string> = {};

  beforeAll(async () => {
    // A second run of this file at the same time would mix two clusters on the same addresses.
    for (const ip of IPS) {
      for (const port of [2379, 2380, 2381]) {
        const busy = await probePort(ip, port);
        if (busy) throw new Error(`${ip}:${port} is not free (${busy}): is another run of this test going on?`);
      }
    }
    dataRoot = mkdtempSync(join(tmpdir(), "example-cluster-etcd-"));
    const objects = generateExampleCluster({
      name: "example",
      members: 3,
      namespace: "default",
      addressing: { kind: "fixed-ips", ips: IPS },
    });
    const deployments = objects.filter((o) => o.kind === "Deployment");
    deployments.forEach((deployment, i) => {
      const ip = IPS[i]!;
      const etcd = container(deployment);
      const dataDir = join(dataRoot, `member-${i + 1}`);
      const [command, ...commandArgs] = etcd.command;
      const child = spawn(command!, [...commandArgs, ...etcd.args.map((a) => expand(a, ip, dataDir))], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      children.push(child);
      child.on("error", (err) => logs.push(`could not start etcd: ${err.message}\n`));
      child.stdout?.on("data", (chunk: Buffer) => logs.push(chunk.toString()));
      child.stderr?.on("data", (chunk: Buffer) => logs.push(chunk.toString()));
      if (i === 0) {
        const values = etcd.env
          .filter((e) => e.value !== undefined)
          .map((e): [string, string] => [e.name, expand(e.value!, ip, dataDir)]);
        etcdctlEnv = Object.fromEntries(values);
      }
    });
  });

  afterAll(async () => {
    // One at a time: a leader stopped together with its followers waits for a leadership transfer that cannot happen.
    for (const child of children) await stop(child);
    if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
  });

  it("forms one cluster of three named members with the fixed peer URLs", async () => {
    const members = await waitFor(
      "three started members with their client URLs in `etcdctl member list`",
      30_000,
      async () => {
        for (const child of children) {
          if (child.exitCode !== null)
            throw new Error(`etcd ${child.pid} exited with ${child.exitCode}:\n${logs.join("").slice(-2000)}`);
        }
        // The Pod's own environment (ETCDCTL_API, ETCDCTL_ENDPOINTS) picks the endpoint, as `kubectl exec` would.
        const { stdout } = await run("etcdctl", ["member", "list", "-w", "json"], {
          env: { ...process.env, ...etcdctlEnv },
          timeout: 5_000,
        });
        const list = (JSON.parse(stdout) as { members?: Member[] }).members ?? [];
        // Names come from --initial-cluster at once; client URLs only once each member has published them.
        return list.length === 3 && list.every((m) => m.name && m.clientURLs?.length) ? list : undefined;
      },
    );
    expect(etcdctlEnv.ETCDCTL_ENDPOINTS).toBe("http://127.78.0.1:2379");
    const byName = members.map((m) => [m.name, m.peerURLs, m.clientURLs]).sort();
    expect(byName).toEqual([
      ["example1", ["http://127.78.0.1:2380"], ["http://127.78.0.1:2379"]],
      ["example2", ["http://127.78.0.2:2380"], ["http://127.78.0.2:2379"]],
      ["example3", ["http://127.78.0.3:2380"], ["http://127.78.0.3:2379"]],
    ]);
  }, 40_000);

  it("answers the readiness probe on the metrics port once a leader is elected", async () => {
    const health = await waitFor("a healthy /health on 127.78.0.2:2381", 10_000, async () => {
      const res = await fetch("http://127.78.0.2:2381/health");
      const body = (await res.json()) as { health: string };
      return body.health === "true" ? body : undefined;
    });
    expect(health.health).toBe("true");
  }, 15_000);
});
