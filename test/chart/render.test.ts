import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/core/config/load.js";
import {
  at,
  CI_VALUES_FILES,
  findObject,
  objectsOfKind,
  renderChart,
  type KubeObject,
  effectiveSecurity,
  podSpecs,
  responderPodSpecs,
} from "../support/helm-chart.js";
import { schemaProblems } from "../support/kubernetes-schemas.js";

/** The default values and every ci values file, rendered once for the whole file. */
const VARIANTS = ["default values", ...CI_VALUES_FILES];
const rendered = new Map<string, KubeObject[]>();

beforeAll(async () => {
  await Promise.all(
    VARIANTS.map(async (variant) => {
      rendered.set(variant, await renderChart(variant === "default values" ? {} : { values: [variant] }));
    }),
  );
});

const objectsOf = (variant: string) => rendered.get(variant)!;

describe.each(VARIANTS)("the chart rendered with %s", (variant) => {
  it("renders only objects that are valid against the Kubernetes and custom resource schemas", () => {
    const objects = objectsOf(variant);
    expect(objects.length).toBeGreaterThan(5);
    expect(objects.flatMap(schemaProblems)).toEqual([]);
  });

  it("labels every object as this release's, and keeps Service names DNS labels", () => {
    for (const object of objectsOf(variant)) {
      expect(object.metadata.labels?.["app.kubernetes.io/instance"], `${object.kind}/${object.metadata.name}`).toBe(
        "etcd-responder",
      );
      expect(object.metadata.labels?.["app.kubernetes.io/managed-by"]).toBe("Helm");
    }
    for (const service of objectsOfKind(objectsOf(variant), "Service"))
      expect(service.metadata.name).toMatch(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
  });

  it("runs every container with the secure defaults and resource limits", () => {
    const pods = podSpecs(objectsOf(variant));
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) {
      for (const container of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
        const where = `${pod.owner} container ${container.name}`;
        expect(effectiveSecurity(pod.spec, container, "runAsNonRoot"), where).toBe(true);
        expect(effectiveSecurity(pod.spec, container, "runAsUser"), where).toBeGreaterThan(0);
        expect(effectiveSecurity(pod.spec, container, "seccompProfile"), where).toEqual({ type: "RuntimeDefault" });
        expect(container.securityContext?.allowPrivilegeEscalation, where).toBe(false);
        expect(container.securityContext?.readOnlyRootFilesystem, where).toBe(true);
        expect(container.securityContext?.capabilities?.drop, where).toEqual(["ALL"]);
        expect(container.resources?.requests?.memory, where).toBeDefined();
        expect(container.resources?.limits?.memory, where).toBeDefined();
        // A read-only root needs a writable /tmp.
        const tmp = container.volumeMounts?.find((m) => m.mountPath === "/tmp");
        if (pod.component !== "test") {
          expect(tmp, where).toBeDefined();
          expect(pod.spec.volumes?.find((v) => v.name === tmp!.name)?.emptyDir, where).toBeDefined();
        }
      }
    }
  });

  it("probes the responder: liveness on /healthz, readiness on /readyz, on a port the container serves", () => {
    const pods = responderPodSpecs(objectsOf(variant));
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) {
      const [container] = pod.spec.containers;
      expect(container!.livenessProbe?.httpGet?.path, pod.owner).toBe("/healthz");
      expect(container!.readinessProbe?.httpGet?.path, pod.owner).toBe("/readyz");
      const port = container!.livenessProbe?.httpGet?.port;
      const served = (container!.ports ?? []).flatMap((p) => [p.name, p.containerPort]);
      expect(served, pod.owner).toContain(port);
    }
  });

  it("writes a config.yaml the responder accepts, naming only files the chart mounts", () => {
    const objects = objectsOf(variant);
    const text = (findObject(objects, "ConfigMap", "etcd-responder").data as Record<string, string>)["config.yaml"]!;
    const read: string[] = [];
    const config = parseConfig(text, "config.yaml", {
      readFile: (path) => {
        read.push(path);
        const block = path.endsWith(".key") ? "PRIVATE KEY" : "CERTIFICATE";
        if (path.includes("/notifications/")) return "https://hooks.example.com/stand-in\n";
        return path.endsWith("password")
          ? "stand-in\n"
          : `-----BEGIN ${block}-----\nc3RhbmQtaW4=\n-----END ${block}-----\n`;
      },
    });
    expect(config.catalog.clusters.length).toBeGreaterThan(0);
    for (const pod of responderPodSpecs(objects).filter((p) => p.component !== "receiver")) {
      const mount = pod.spec.containers[0]!.volumeMounts!.find((m) => m.name === "config")!;
      const volume = pod.spec.volumes!.find((v) => v.name === "config") as unknown as {
        projected: { sources: Record<string, { items: { path: string }[] }>[] };
      };
      const mounted = volume.projected.sources.flatMap((source) =>
        Object.values(source).flatMap((s) => s.items.map((i) => `${mount.mountPath}/${i.path}`)),
      );
      for (const path of read) expect(mounted, `${pod.owner} mounts ${path}`).toContain(path);
    }
  });

  it("writes a config.yaml whose clusters are the values' clusters, snapshots on the snapshots volume", () => {
    const configMap = findObject(objectsOf(variant), "ConfigMap", "etcd-responder");
    const config = parse((configMap.data as Record<string, string>)["config.yaml"]!) as {
      clusters: { name: string; snapshots: { dir: string } }[];
    };
    expect(config.clusters.length).toBeGreaterThan(0);
    for (const cluster of config.clusters) expect(cluster.snapshots.dir).toBe("/var/lib/etcd-responder/snapshots");
    for (const pod of responderPodSpecs(objectsOf(variant)).filter((p) => p.component !== "receiver")) {
      const mounts = pod.spec.containers[0]!.volumeMounts ?? [];
      expect(
        mounts.map((m) => m.mountPath),
        pod.owner,
      ).toContain("/var/lib/etcd-responder/snapshots");
    }
  });
});

describe("chart variants", () => {
  it("mode split runs a receiver and a worker Deployment; mode all one Deployment running both", () => {
    const split = objectsOf("default values");
    expect(
      objectsOfKind(split, "Deployment")
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(["etcd-responder-receiver", "etcd-responder-worker"]);
    const all = objectsOf("chart/ci/all-mode-values.yaml");
    expect(objectsOfKind(all, "Deployment").map((d) => d.metadata.name)).toEqual(["etcd-responder"]);
    const [pod] = responderPodSpecs(all);
    expect(pod!.spec.containers[0]!.args).toEqual(["all", "--config", "/etc/etcd-responder/config.yaml"]);
    expect(pod!.spec.containers[0]!.ports?.map((p) => p.containerPort)).toEqual([8080, 8081]);
  });

  it("gives every responder process REDIS_URL, and the receiver its token file, never the token itself", () => {
    for (const variant of VARIANTS) {
      for (const pod of responderPodSpecs(objectsOf(variant))) {
        const container = pod.spec.containers[0]!;
        const names = (container.env ?? []).map((e) => e.name);
        expect(names, `${variant} ${pod.owner}`).toContain("REDIS_URL");
        expect(names).not.toContain("AUTH_TOKEN");
        const serves = pod.component !== "worker";
        expect(names.includes("AUTH_TOKEN_FILE"), `${variant} ${pod.owner}`).toBe(serves);
      }
    }
  });

  it("puts etcd TLS and password files where config.yaml points", () => {
    const objects = objectsOf("chart/ci/multi-namespace-values.yaml");
    const config = parse(
      (findObject(objects, "ConfigMap", "etcd-responder").data as Record<string, string>)["config.yaml"]!,
    ) as {
      clusters: {
        name: string;
        tls?: Record<string, string>;
        auth?: Record<string, string>;
        naming?: Record<string, string>;
      }[];
    };
    // TLS needs https:// client URLs; a cluster that names its own keeps them.
    expect(config.clusters.map((c) => c.naming?.clientURL)).toEqual([
      "https://{name}{index}.{namespace}.svc:2379",
      "https://{name}{index}.{namespace}.svc:2379",
      "https://{name}{index}.{namespace}.svc:2379",
      "https://etcd-{name}{index}.{namespace}.svc:2379",
    ]);
    for (const cluster of config.clusters) {
      expect(cluster.tls).toEqual({
        caFile: "/etc/etcd-responder/etcd-tls/ca.crt",
        certFile: "/etc/etcd-responder/etcd-tls/tls.crt",
        keyFile: "/etc/etcd-responder/etcd-tls/tls.key",
      });
      expect(cluster.auth).toEqual({ username: "responder", passwordFile: "/etc/etcd-responder/etcd-auth/password" });
    }
    const [worker] = responderPodSpecs(objects).filter((p) => p.component === "worker");
    const projected = worker!.spec.volumes?.find((v) => v.name === "config")?.projected as {
      sources: { secret?: { name: string; items: { path: string }[] } }[];
    };
    const paths = projected.sources.flatMap((s) =>
      s.secret ? s.secret.items.map((i) => `${s.secret!.name}:${i.path}`) : [],
    );
    expect(paths).toEqual([
      "etcd-client-tls:etcd-tls/ca.crt",
      "etcd-client-tls:etcd-tls/tls.crt",
      "etcd-client-tls:etcd-tls/tls.key",
      "etcd-responder-password:etcd-auth/password",
      "oncall-slack-webhook:notifications/oncall/url",
      "etcd-responder-notifications:notifications/platform-team/url",
    ]);
    expect(worker!.spec.containers[0]!.volumeMounts?.find((m) => m.name === "config")?.mountPath).toBe(
      "/etc/etcd-responder",
    );
    // Snapshots persist on the claim the chart creates.
    const claim = findObject(objects, "PersistentVolumeClaim", "etcd-responder-snapshots");
    expect(worker!.spec.volumes?.find((v) => v.name === "snapshots")?.persistentVolumeClaim).toEqual({
      claimName: claim.metadata.name,
    });
  });

  it("runs the bundled Redis append-only, without eviction, behind a password", () => {
    const objects = objectsOf("default values");
    const redis = findObject(objects, "StatefulSet", "etcd-responder-redis");
    const [pod] = podSpecs([redis]);
    const container = pod!.spec.containers[0]!;
    expect(container.image).toBe("redis:7-alpine");
    const args = container.args!.join(" ");
    expect(args).toContain("--appendonly yes");
    expect(args).toContain("--maxmemory-policy noeviction");
    expect(args).toContain("--requirepass $(REDIS_PASSWORD)");
    expect((redis.spec as { volumeClaimTemplates: unknown[] }).volumeClaimTemplates).toHaveLength(1);
    findObject(objects, "Service", "etcd-responder-redis");
    findObject(objects, "Secret", "etcd-responder-redis");
    const [receiver] = responderPodSpecs(objects);
    const env = receiver!.spec.containers[0]!.env!;
    // $(REDIS_PASSWORD) expands only when that variable comes first.
    expect(env.findIndex((e) => e.name === "REDIS_PASSWORD")).toBeLessThan(
      env.findIndex((e) => e.name === "REDIS_URL"),
    );
    expect(env.find((e) => e.name === "REDIS_URL")?.value).toBe(
      "redis://:$(REDIS_PASSWORD)@etcd-responder-redis.etcd-responder.svc:6379/0",
    );
  });

  it("takes an external Redis URL from a Secret, and runs no Redis of its own", () => {
    const objects = objectsOf("chart/ci/external-redis-values.yaml");
    expect(objectsOfKind(objects, "StatefulSet")).toEqual([]);
    for (const pod of responderPodSpecs(objects)) {
      const redisURL = pod.spec.containers[0]!.env!.find((e) => e.name === "REDIS_URL");
      expect(redisURL?.valueFrom).toEqual({ secretKeyRef: { name: "etcd-responder-redis-url", key: "url" } });
    }
  });

  it("reaches an external Redis through its Sentinels, with both passwords from Secrets", () => {
    const objects = objectsOf("chart/ci/sentinel-redis-values.yaml");
    expect(objectsOfKind(objects, "StatefulSet")).toEqual([]);
    const pods = responderPodSpecs(objects);
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) {
      const env = new Map(pod.spec.containers[0]!.env!.map((e) => [e.name, e]));
      const urlSecret = { secretKeyRef: { name: "etcd-responder-redis-url", key: "url" } };
      expect(env.get("REDIS_URL")?.valueFrom).toEqual(urlSecret);
      expect(env.get("REDIS_SENTINELS")?.value).toBe(
        "redis-sentinel-0.redis-sentinel.queues.svc:26379,redis-sentinel-1.redis-sentinel.queues.svc:26379," +
          "redis-sentinel-2.redis-sentinel.queues.svc:26379",
      );
      expect(env.get("REDIS_MASTER_NAME")?.value).toBe("etcd-responder");
      expect(env.get("REDIS_SENTINEL_PASSWORD")?.valueFrom).toEqual({
        secretKeyRef: { name: "etcd-responder-redis-sentinel", key: "password" },
      });
      expect(env.get("REDIS_WAIT_REPLICAS")?.value).toBe("2");
    }
    const policy = findObject(objects, "NetworkPolicy", "etcd-responder");
    const egress = (policy.spec as { egress: { ports?: { port: number }[] }[] }).egress;
    expect(egress.some((rule) => rule.ports?.map((p) => p.port).join() === "6379,26379")).toBe(true);
  });

  it("reaches an external Redis Cluster from its seed nodes, with a queue prefix that has a hash tag", () => {
    const objects = objectsOf("chart/ci/cluster-redis-values.yaml");
    expect(objectsOfKind(objects, "StatefulSet")).toEqual([]);
    const pods = responderPodSpecs(objects);
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) {
      const env = new Map(pod.spec.containers[0]!.env!.map((e) => [e.name, e]));
      const urlSecret = { secretKeyRef: { name: "etcd-responder-redis-url", key: "url" } };
      expect(env.get("REDIS_URL")?.valueFrom).toEqual(urlSecret);
      expect(env.get("REDIS_CLUSTER_NODES")?.value).toBe(
        [0, 1, 2].map((n) => `redis-cluster-${n}.redis-cluster-headless.queues.svc:6379`).join(","),
      );
      expect(env.get("QUEUE_PREFIX")?.value).toBe("{etcd-responder}");
      expect(env.get("REDIS_WAIT_REPLICAS")?.value).toBe("1");
      expect(env.has("REDIS_SENTINELS")).toBe(false);
    }
    const policy = findObject(objects, "NetworkPolicy", "etcd-responder");
    const egress = (policy.spec as { egress: { ports?: { port: number }[] }[] }).egress;
    expect(egress.some((rule) => rule.ports?.map((p) => p.port).join() === "6379")).toBe(true);
  });

  it("passes QUEUE_PREFIX only when redis.queuePrefix is set", async () => {
    const envOf = (objects: KubeObject[]) =>
      responderPodSpecs(objects).map((pod) => pod.spec.containers[0]!.env!.find((e) => e.name === "QUEUE_PREFIX"));
    expect(envOf(await renderChart())).toEqual(responderPodSpecs(await renderChart()).map(() => undefined));
    for (const variable of envOf(await renderChart({ set: ["redis.queuePrefix=team-a"] }))) {
      expect(variable).toEqual({ name: "QUEUE_PREFIX", value: "team-a" });
    }
  });

  it("needs no Redis URL with Sentinels, and waits for one replica unless told otherwise", async () => {
    const objects = await renderChart({
      set: [
        "redis.bundled.enabled=false",
        "redis.sentinel.addresses={sentinel-0:26379,sentinel-1:26379}",
        "redis.sentinel.masterName=queue",
      ],
    });
    for (const pod of responderPodSpecs(objects)) {
      const env = new Map(pod.spec.containers[0]!.env!.map((e) => [e.name, e]));
      expect(env.has("REDIS_URL")).toBe(false);
      expect(env.has("REDIS_SENTINEL_PASSWORD")).toBe(false);
      expect(env.get("REDIS_SENTINELS")?.value).toBe("sentinel-0:26379,sentinel-1:26379");
      expect(env.get("REDIS_MASTER_NAME")?.value).toBe("queue");
      expect(env.get("REDIS_WAIT_REPLICAS")?.value).toBe("1");
    }
  });

  it("generates a webhook token unless one is given, and uses an existing token Secret when named", async () => {
    const [first, second] = await Promise.all([renderChart(), renderChart()]);
    const token = (objects: KubeObject[]) =>
      (findObject(objects, "Secret", "etcd-responder-auth").data as { token: string }).token;
    expect(Buffer.from(token(first), "base64").toString()).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(token(first)).not.toBe(token(second));
    const given = await renderChart({ set: ["auth.token=s3cret"] });
    expect(Buffer.from(token(given), "base64").toString()).toBe("s3cret");
    const external = objectsOf("chart/ci/external-redis-values.yaml");
    expect(objectsOfKind(external, "Secret")).toEqual([]);
    const [receiver] = responderPodSpecs(external);
    const projected = receiver!.spec.volumes?.find((v) => v.name === "config")?.projected as {
      sources: { secret?: unknown }[];
    };
    expect(projected.sources.map((s) => s.secret).filter(Boolean)).toEqual([
      { name: "alertmanager-webhook-token", items: [{ key: "bearer", path: "auth/token" }] },
    ]);
  });

  it("mounts each notification target's URL from its Secret where config.yaml points, never in the ConfigMap", () => {
    const objects = objectsOf("chart/ci/multi-namespace-values.yaml");
    const text = (findObject(objects, "ConfigMap", "etcd-responder").data as Record<string, string>)["config.yaml"]!;
    expect(text).not.toContain("hooks.example.com");
    const config = parse(text) as {
      clusters: { name: string; notifications?: string[] }[];
      notifications: Record<string, unknown>;
    };
    expect(config.notifications).toEqual({
      targets: [
        {
          name: "oncall",
          format: "slack",
          urlFile: "/etc/etcd-responder/notifications/oncall/url",
          events: ["failed", "refused", "breakerTripped"],
          linkTemplate: "https://responder.example.com/v1/recoveries/{id}",
        },
        { name: "platform-team", format: "json", urlFile: "/etc/etcd-responder/notifications/platform-team/url" },
      ],
      defaultTargets: ["oncall"],
      timeoutSeconds: 3,
      retry: { attempts: 4 },
    });
    expect(config.clusters.find((c) => c.name === "orders")?.notifications).toEqual(["oncall", "platform-team"]);

    // The URL given in the values is in the chart's Secret only; the other comes from the named Secret.
    const secret = findObject(objects, "Secret", "etcd-responder-notifications");
    expect(secret.data).toEqual({
      "platform-team": Buffer.from("https://hooks.example.com/etcd/T0001/secret-part").toString("base64"),
    });
    for (const pod of responderPodSpecs(objects)) {
      const projected = pod.spec.volumes?.find((v) => v.name === "config")?.projected as {
        sources: { secret?: { name: string; items: { key: string; path: string }[] } }[];
      };
      const urls = projected.sources.flatMap((s) =>
        (s.secret?.items ?? [])
          .filter((i) => i.path.startsWith("notifications/"))
          .map((i) => ({ name: s.secret!.name, ...i })),
      );
      expect(urls, pod.owner).toEqual([
        { name: "oncall-slack-webhook", key: "url", path: "notifications/oncall/url" },
        { name: "etcd-responder-notifications", key: "platform-team", path: "notifications/platform-team/url" },
      ]);
      // A changed URL rolls the Pods: the responder reads it at start only.
      const annotations = at(pod.object, "spec", "template", "metadata", "annotations") as Record<string, string>;
      expect(annotations["checksum/notifications"], pod.owner).toMatch(/^[0-9a-f]{64}$/);
    }
    // With the NetworkPolicy on, the webhooks' port is open for egress.
    const policy = findObject(objects, "NetworkPolicy", "etcd-responder");
    expect(JSON.stringify(policy.spec)).toContain('{"ports":[{"port":443,"protocol":"TCP"}]}');
  });

  it("renders no notifications, Secret or egress for them with the default values", async () => {
    const objects = await renderChart({ set: ["networkPolicy.enabled=true"] });
    const text = (findObject(objects, "ConfigMap", "etcd-responder").data as Record<string, string>)["config.yaml"]!;
    expect(text).not.toContain("notifications");
    expect(objects.find((o) => o.metadata.name === "etcd-responder-notifications")).toBeUndefined();
    expect(JSON.stringify(findObject(objects, "NetworkPolicy", "etcd-responder").spec)).not.toContain(
      '{"ports":[{"port":443,"protocol":"TCP"}]}',
    );
  });

  it("refuses values that do not go together, saying which", async () => {
    await expect(renderChart({ set: ["mode=all", "serverless.keda.enabled=true"] })).rejects.toThrow(
      /serverless.keda.enabled needs mode: split/,
    );
    await expect(renderChart({ set: ["redis.bundled.enabled=false"] })).rejects.toThrow(/Redis is required/);
    await expect(renderChart({ set: ["redis.url=redis://elsewhere:6379"] })).rejects.toThrow(
      /set redis.bundled.enabled=false/,
    );
    const external = ["redis.bundled.enabled=false", "redis.sentinel.addresses={sentinel-0:26379}"];
    await expect(renderChart({ set: external })).rejects.toThrow(
      /redis.sentinel.addresses and redis.sentinel.masterName go together/,
    );
    await expect(
      renderChart({ set: ["redis.sentinel.addresses={sentinel-0:26379}", "redis.sentinel.masterName=queue"] }),
    ).rejects.toThrow(/set redis.bundled.enabled=false/);
    await expect(
      renderChart({
        set: [...external, "redis.sentinel.masterName=queue", "mode=split", "serverless.keda.enabled=true"],
      }),
    ).rejects.toThrow(/serverless.keda does not follow a Sentinel failover/);
    const cluster = ["redis.bundled.enabled=false", "redis.cluster.nodes={redis-0:6379,redis-1:6379}"];
    await expect(renderChart({ set: cluster })).rejects.toThrow(
      new RegExp(
        String.raw`redis.cluster needs redis.queuePrefix with a hash tag, .*: set redis.queuePrefix to ` +
          String.raw`"\{etcd-responder\}" \(on the command line: --set-json 'redis.queuePrefix="\{etcd-responder\}"'\)`,
      ),
    );
    await expect(renderChart({ set: [...cluster, "redis.queuePrefix=responder"] })).rejects.toThrow(
      /set redis.queuePrefix to "\{responder\}"/,
    );
    await expect(renderChart({ set: [...cluster, "redis.queuePrefix={}x"] })).rejects.toThrow(/queuePrefix/);
    await expect(renderChart({ set: [...cluster.slice(1), "redis.queuePrefix=p{q}"] })).rejects.toThrow(
      /set redis.bundled.enabled=false/,
    );
    const sentinel = ["redis.sentinel.addresses={s:26379}", "redis.sentinel.masterName=q"];
    const both = renderChart({ set: [...cluster, "redis.queuePrefix=p{q}", ...sentinel] });
    await expect(both).rejects.toThrow(/redis.cluster and redis.sentinel are two ways to reach Redis/);
    await expect(
      renderChart({ set: [...cluster, "redis.queuePrefix=p{q}", "mode=split", "serverless.keda.enabled=true"] }),
    ).rejects.toThrow(/serverless.keda reads one Redis server, not a Redis Cluster/);
    await expect(renderChart({ set: ["redis.queuePrefix=etcd responder"] })).rejects.toThrow(/queuePrefix/);
    await expect(
      renderChart({ set: ["notifications.targets[0].name=oncall", "notifications.targets[0].format=json"] }),
    ).rejects.toThrow(/notifications.targets\[0\] \(oncall\) needs its URL from existingSecret or url, one of them/);
  });
});
