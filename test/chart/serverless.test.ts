import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PREFIX } from "../../src/core/redis-keys.js";
import { recoveryQueueName } from "../../src/queue/jobs.js";
import {
  at,
  findObject,
  objectsOfKind,
  renderChart,
  type KubeObject,
  envValue,
  responderPodSpecs,
} from "../support/helm-chart.js";

interface Trigger {
  type: string;
  metadata: Record<string, string>;
  authenticationRef?: { name: string };
}

describe("serverless", () => {
  let serverless: KubeObject[];
  let externalRedis: KubeObject[];
  let knativeAlerts: KubeObject[];

  beforeAll(async () => {
    [serverless, externalRedis, knativeAlerts] = await Promise.all([
      renderChart({ values: ["chart/ci/serverless-values.yaml"] }),
      renderChart({ values: ["chart/ci/external-redis-values.yaml"] }),
      renderChart({ values: ["chart/ci/serverless-values.yaml"], set: ["alertmanagerConfig.enabled=true"] }),
    ]);
  });

  it("scales the worker Deployment from zero, leaving its replica count to KEDA", () => {
    const scaledObject = findObject(serverless, "ScaledObject", "etcd-responder-worker");
    const target = at(scaledObject, "spec", "scaleTargetRef") as { apiVersion: string; kind: string; name: string };
    const worker = findObject(serverless, target.kind, target.name, target.apiVersion);
    expect(worker.metadata.labels?.["app.kubernetes.io/component"]).toBe("worker");
    expect(worker.metadata.namespace).toBe(scaledObject.metadata.namespace);
    expect(at(worker, "spec", "replicas")).toBeUndefined();
    expect(at(scaledObject, "spec", "minReplicaCount")).toBe(0);
    expect(at(scaledObject, "spec", "maxReplicaCount")).toBe(2);
  });

  it("watches the lists under redis.queuePrefix when one is set, as the responder writes them", async () => {
    const objects = await renderChart({
      values: ["chart/ci/serverless-values.yaml"],
      set: ["redis.queuePrefix=team-a"],
    });
    const scaledObject = findObject(objects, "ScaledObject", "etcd-responder-worker");
    const triggers = at(scaledObject, "spec", "triggers") as Trigger[];
    expect(triggers[0]!.metadata.listName).toBe(`team-a:${recoveryQueueName("default", "example")}:wait`);
    for (const pod of responderPodSpecs(objects)) {
      expect(envValue(pod.spec.containers[0]!, "QUEUE_PREFIX")).toBe("team-a");
    }
  });

  it("watches the BullMQ wait and active lists of every managed cluster's queue in the bundled Redis", () => {
    const scaledObject = findObject(serverless, "ScaledObject", "etcd-responder-worker");
    const triggers = at(scaledObject, "spec", "triggers") as Trigger[];
    expect(triggers.map((t) => t.metadata.listName)).toEqual([
      "etcd-responder:recover.default.example:wait",
      "etcd-responder:recover.default.example:active",
      "etcd-responder:recover.payments.payments:wait",
      "etcd-responder:recover.payments.payments:active",
    ]);
    // The keys BullMQ uses for the queues the responder creates: `<prefix>:<queue>:<list>`.
    const queueKey = (namespace: string, cluster: string, list: string) =>
      `${DEFAULT_PREFIX}:${recoveryQueueName(namespace, cluster)}:${list}`;
    expect(triggers[0]!.metadata.listName).toBe(queueKey("default", "example", "wait"));
    expect(triggers[3]!.metadata.listName).toBe(queueKey("payments", "payments", "active"));
    const redis = findObject(serverless, "Service", "etcd-responder-redis", "v1");
    for (const trigger of triggers) {
      expect(trigger.type).toBe("redis");
      expect(trigger.metadata.address).toBe(`${redis.metadata.name}.${redis.metadata.namespace}.svc:6379`);
      expect(trigger.metadata.listLength).toBe("1");
      expect(trigger.metadata.activationListLength).toBe("0");
      // The password comes from the same Secret the responder's REDIS_URL is built from.
      const auth = findObject(serverless, "TriggerAuthentication", trigger.authenticationRef!.name);
      const [ref] = at(auth, "spec", "secretTargetRef") as { parameter: string; name: string; key: string }[];
      expect(ref).toEqual({ parameter: "password", name: "etcd-responder-redis", key: "password" });
      findObject(serverless, "Secret", ref!.name);
    }
    // KEDA's operator may reach the bundled Redis through its NetworkPolicy.
    const redisPolicy = findObject(serverless, "NetworkPolicy", "etcd-responder-redis");
    expect(at(redisPolicy, "spec", "ingress", 0, "from")).toContainEqual({
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "keda" } },
    });
  });

  it("reads an external Redis at the address and with the password Secret given", () => {
    const triggers = at(
      findObject(externalRedis, "ScaledObject", "etcd-responder-worker"),
      "spec",
      "triggers",
    ) as Trigger[];
    expect(triggers.map((t) => t.metadata.address)).toEqual(["redis.queues.svc:6379", "redis.queues.svc:6379"]);
    const auth = findObject(externalRedis, "TriggerAuthentication", triggers[0]!.authenticationRef!.name);
    expect(at(auth, "spec", "secretTargetRef")).toEqual([
      { parameter: "password", name: "etcd-responder-redis-url", key: "password" },
    ]);
  });

  it("runs the receiver as a Knative Service instead of a Deployment and Service", () => {
    expect(objectsOfKind(serverless, "Deployment").map((d) => d.metadata.name)).toEqual(["etcd-responder-worker"]);
    expect(
      objectsOfKind(serverless, "Service", "v1")
        .map((s) => s.metadata.name)
        .sort(),
    ).toEqual(["etcd-responder-redis", "etcd-responder-worker"]);
    const knative = findObject(serverless, "Service", "etcd-responder", "serving.knative.dev/v1");
    expect(knative.metadata.labels?.["networking.knative.dev/visibility"]).toBe("cluster-local");
    expect(at(knative, "spec", "template", "metadata", "annotations", "autoscaling.knative.dev/min-scale")).toBe("0");
    const [pod] = responderPodSpecs([knative]);
    const container = pod!.spec.containers[0]!;
    expect(container.args).toEqual(["serve", "--config", "/etc/etcd-responder/config.yaml"]);
    expect(container.ports).toEqual([{ name: "http1", containerPort: 8080 }]);
    // Knative sets PORT itself and refuses a container that sets it.
    expect(envValue(container, "PORT")).toBeUndefined();
    expect(container.env?.map((e) => e.name)).not.toContain("PORT");
    // Nor does it allow fieldRef (a feature flag it keeps off by default).
    expect(JSON.stringify(container.env)).not.toContain("fieldRef");
    expect(pod!.spec.securityContext).toBeUndefined();
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      readOnlyRootFilesystem: true,
    });
  });

  it("sends Alertmanager to the Knative receiver's URL", () => {
    const config = findObject(knativeAlerts, "AlertmanagerConfig", "etcd-responder");
    expect(at(config, "spec", "receivers", 0, "webhookConfigs", 0, "url")).toBe(
      "http://etcd-responder.etcd-responder.svc.cluster.local/v1/alerts",
    );
    const test = findObject(knativeAlerts, "Pod", "etcd-responder-test-connection");
    expect(at(test, "spec", "containers", 0, "args")).toContain(
      "http://etcd-responder.etcd-responder.svc.cluster.local/readyz",
    );
  });
});
