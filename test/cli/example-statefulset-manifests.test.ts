import { describe, expect, it } from "vitest";
import { ExampleClusterOptionsError, type Manifest } from "../../src/cli/example-cluster-manifests.js";
import {
  dataClaimName,
  generateExampleStatefulSet,
  statefulSetPodName,
} from "../../src/cli/example-statefulset-manifests.js";

/** The parts of the etcd container these tests read. */
interface Container {
  command: string[];
  args?: string[];
  env: { name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }[];
  readinessProbe: { httpGet: { path: string; port: number } };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}

/** The parts of the StatefulSet's spec these tests read. */
interface StatefulSetSpec {
  replicas: number;
  serviceName: string;
  podManagementPolicy: string;
  updateStrategy: { type: string };
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[]; volumes?: unknown[] } };
  volumeClaimTemplates: { metadata: { name: string }; spec: unknown }[];
}

const LABELS = {
  "app.kubernetes.io/name": "etcd",
  "app.kubernetes.io/instance": "example",
  "app.kubernetes.io/component": "etcd",
};

function parts(objects: Manifest[]) {
  const [headless, client, sts] = objects;
  const spec = sts!.spec as StatefulSetSpec;
  const container = spec.template.spec.containers[0]!;
  const env = new Map(container.env.map((e) => [e.name, e.value]));
  return { headless: headless!, client: client!, sts: sts!, spec, container, env };
}

describe("generateExampleStatefulSet", () => {
  it("emits the headless Service, the client Service, then the StatefulSet, all labelled like bitnami's", () => {
    const objects = generateExampleStatefulSet({ name: "example", members: 3, namespace: "data" });
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}/${o.metadata.namespace}`)).toEqual([
      "Service/example-headless/data",
      "Service/example/data",
      "StatefulSet/example/data",
    ]);
    for (const o of objects) expect(o.metadata.labels).toEqual(LABELS);
    const { headless, client } = parts(objects);
    expect(headless.spec).toMatchObject({
      clusterIP: "None",
      publishNotReadyAddresses: true,
      selector: LABELS,
      ports: [
        { name: "client", port: 2379 },
        { name: "peer", port: 2380 },
      ],
    });
    expect(client.spec).toMatchObject({ type: "ClusterIP", selector: LABELS, ports: [{ name: "client", port: 2379 }] });
  });

  it("runs N Pods side by side, each on a 1Gi claim from the template `data`", () => {
    const { spec, container } = parts(generateExampleStatefulSet({ name: "example", members: 3 }));
    expect(spec).toMatchObject({
      replicas: 3,
      serviceName: "example-headless",
      podManagementPolicy: "Parallel",
      updateStrategy: { type: "RollingUpdate" },
      selector: { matchLabels: LABELS },
      template: { metadata: { labels: LABELS } },
      volumeClaimTemplates: [
        {
          metadata: { name: "data" },
          spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
        },
      ],
    });
    expect(container.volumeMounts).toEqual([{ name: "data", mountPath: "/var/run/etcd" }]);
    expect(container.readinessProbe.httpGet).toEqual({ path: "/health", port: 2381 });
    expect([statefulSetPodName("example", 2), dataClaimName("example", 2)]).toEqual(["example-2", "data-example-2"]);
  });

  it("configures etcd by ETCD_* variables only, with the namespace written in", () => {
    const { container, env } = parts(generateExampleStatefulSet({ name: "example", members: 3, namespace: "data" }));
    expect(container.command).toEqual(["etcd"]);
    expect(container.args).toBeUndefined();
    expect(container.env[0]).toEqual({ name: "MY_POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } });
    expect(env.has("MY_POD_NAMESPACE")).toBe(false);
    expect(Object.fromEntries([...env].filter(([name]) => name !== "MY_POD_NAME"))).toEqual({
      ETCD_NAME: "$(MY_POD_NAME)",
      ETCD_DATA_DIR: "/var/run/etcd/default.etcd",
      ETCD_LISTEN_CLIENT_URLS: "http://0.0.0.0:2379",
      ETCD_ADVERTISE_CLIENT_URLS: "http://$(MY_POD_NAME).example-headless.data.svc:2379",
      ETCD_LISTEN_PEER_URLS: "http://0.0.0.0:2380",
      ETCD_INITIAL_ADVERTISE_PEER_URLS: "http://$(MY_POD_NAME).example-headless.data.svc:2380",
      ETCD_LISTEN_METRICS_URLS: "http://0.0.0.0:2381",
      ETCD_INITIAL_CLUSTER:
        "example-0=http://example-0.example-headless.data.svc:2380," +
        "example-1=http://example-1.example-headless.data.svc:2380," +
        "example-2=http://example-2.example-headless.data.svc:2380",
      ETCD_INITIAL_CLUSTER_STATE: "new",
      ETCD_INITIAL_CLUSTER_TOKEN: "example",
      ETCDCTL_API: "3",
    });
  });

  it("reads the namespace from the downward API when none is given, before any variable uses it", () => {
    const { container, env } = parts(generateExampleStatefulSet({ name: "example", members: 1 }));
    expect(container.env.slice(0, 2).map((e) => [e.name, e.valueFrom?.fieldRef.fieldPath])).toEqual([
      ["MY_POD_NAME", "metadata.name"],
      ["MY_POD_NAMESPACE", "metadata.namespace"],
    ]);
    expect(env.get("ETCD_INITIAL_ADVERTISE_PEER_URLS")).toBe(
      "http://$(MY_POD_NAME).example-headless.$(MY_POD_NAMESPACE).svc:2380",
    );
    expect(env.get("ETCD_INITIAL_CLUSTER")).toBe(
      "example-0=http://example-0.example-headless.$(MY_POD_NAMESPACE).svc:2380",
    );
  });

  it("serves clients over TLS from the Secret when asked, peers and health staying on plain HTTP", () => {
    const { spec, container, env } = parts(
      generateExampleStatefulSet({ name: "example", members: 3, namespace: "data", tls: { secretName: "etcd-tls" } }),
    );
    expect(spec.template.spec.volumes).toEqual([{ name: "tls", secret: { secretName: "etcd-tls" } }]);
    expect(container.volumeMounts).toContainEqual({ name: "tls", mountPath: "/etc/etcd/tls", readOnly: true });
    expect(env.get("ETCD_LISTEN_CLIENT_URLS")).toBe("https://0.0.0.0:2379");
    expect(env.get("ETCD_ADVERTISE_CLIENT_URLS")).toBe("https://$(MY_POD_NAME).example-headless.data.svc:2379");
    expect(env.get("ETCD_INITIAL_ADVERTISE_PEER_URLS")).toBe("http://$(MY_POD_NAME).example-headless.data.svc:2380");
    expect(env.get("ETCD_CLIENT_CERT_AUTH")).toBe("true");
    expect(env.get("ETCD_CERT_FILE")).toBe("/etc/etcd/tls/tls.crt");
    expect(env.get("ETCDCTL_ENDPOINTS")).toBe("https://$(MY_POD_NAME).example-headless.data.svc:2379");
  });

  it.each([
    [{ name: "Example", members: 3 }, "name"],
    [{ name: "a".repeat(53), members: 3 }, "name"],
    [{ name: "example", members: 0 }, "members"],
    [{ name: "example", members: 10 }, "members"],
    [{ name: "example", members: 3, namespace: "Data" }, "namespace"],
    [{ name: "example", members: 3, image: "" }, "image"],
    [{ name: "example", members: 3, tls: { secretName: "bad name" } }, "tls.secretName"],
    [{ name: "milvus", members: 3, statefulSetName: "Milvus-etcd" }, "statefulSetName"],
    [{ name: "milvus", members: 3, statefulSetName: "m".repeat(53) }, "statefulSetName"],
    [{ name: "milvus", members: 3, clusterDomain: "cluster..local" }, "clusterDomain"],
  ])("refuses %j, naming option %s", (options, option) => {
    let error: unknown;
    try {
      generateExampleStatefulSet(options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ExampleClusterOptionsError);
    expect((error as ExampleClusterOptionsError).option).toBe(option);
  });

  it("names the objects after a StatefulSet name of their own, labelled with the cluster's, as bitnami does", () => {
    const objects = generateExampleStatefulSet({
      name: "milvus",
      members: 3,
      namespace: "milvus",
      statefulSetName: "milvus-etcd",
      clusterDomain: "cluster.local",
    });
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "Service/milvus-etcd-headless",
      "Service/milvus-etcd",
      "StatefulSet/milvus-etcd",
    ]);
    const labels = { ...LABELS, "app.kubernetes.io/instance": "milvus" };
    for (const o of objects) expect(o.metadata.labels).toEqual(labels);
    const { spec, env } = parts(objects);
    expect(spec.serviceName).toBe("milvus-etcd-headless");
    expect(spec.selector.matchLabels).toEqual(labels);
    const dns = (pod: string) => `${pod}.milvus-etcd-headless.milvus.svc.cluster.local`;
    expect(env.get("ETCD_INITIAL_CLUSTER")).toBe(
      ["milvus-etcd-0", "milvus-etcd-1", "milvus-etcd-2"].map((pod) => `${pod}=http://${dns(pod)}:2380`).join(","),
    );
    expect(env.get("ETCD_INITIAL_ADVERTISE_PEER_URLS")).toBe(`http://${dns("$(MY_POD_NAME)")}:2380`);
    expect(env.get("ETCD_ADVERTISE_CLIENT_URLS")).toBe(`http://${dns("$(MY_POD_NAME)")}:2379`);
    expect([statefulSetPodName("milvus-etcd", 2), dataClaimName("milvus-etcd", 2)]).toEqual([
      "milvus-etcd-2",
      "data-milvus-etcd-2",
    ]);
  });

  it("accepts a 52-character name", () => {
    expect(generateExampleStatefulSet({ name: "a".repeat(52), members: 1 })).toHaveLength(3);
  });
});
