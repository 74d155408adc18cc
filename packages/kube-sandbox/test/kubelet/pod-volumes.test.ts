import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/api/object-store.js";
import type { ConfigSources } from "../../src/kubelet/config-sources.js";
import { VolumeSetupError } from "../../src/kubelet/errors.js";
import type { VolumeSpec } from "../../src/kubelet/pod-spec.js";
import { containerMounts, setUpVolumes } from "../../src/kubelet/pod-volumes.js";

/** The folder the claim `data` is bound to: outside every Pod's own folder. */
const claimDir = join(tmpdir(), `pod-volumes-claim-${process.pid}`);

const sources: ConfigSources = {
  secret: (_ns, name) =>
    name === "tls"
      ? new Map([
          ["tls.key", Buffer.from("KEY")],
          ["ca.crt", Buffer.from("CA")],
        ])
      : undefined,
  configMap: (_ns, name) => (name === "conf" ? new Map([["etcd.conf", Buffer.from("a: 1\n")]]) : undefined),
  claim: (_ns, name) =>
    name === "data" ? { path: claimDir } : { problem: `persistentvolumeclaim "${name}" is being deleted` },
  nodeAllocatable: () => ({ cpu: "4", memory: "8Gi", pods: "110" }),
};

const addresses = { podIP: "127.77.0.9", hostIP: "127.0.0.1", nodeName: "sandbox" };

/** A Pod `web` of namespace `shop` with these volumes and one container `main` with some resources. */
function podWith(volumes: VolumeSpec[]): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "web",
      namespace: "shop",
      uid: "u-7",
      labels: { tier: "front", app: "web" },
      annotations: { note: 'say "hi"\n\tbye\u0001', é: "☃ \u00a0" },
    },
    spec: {
      containers: [
        { name: "main", resources: { limits: { cpu: "500m" }, requests: { memory: "64Mi" } } },
        { name: "side", resources: { limits: { memory: 1073741824, cpu: 0 } } },
      ],
      volumes,
    },
  };
}

describe("pod volumes", () => {
  let dir: string;
  const setUp = (volumes: VolumeSpec[]) => setUpVolumes(dir, podWith(volumes), addresses, sources);
  const read = (...path: string[]) => readFileSync(join(dir, ...path), "utf8");
  const mode = (...path: string[]) => statSync(join(dir, ...path)).mode & 0o777;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "pod-volumes-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("creates emptyDirs once and fills Secret and ConfigMap volumes", () => {
    const volumes = [
      { name: "data", emptyDir: {} },
      { name: "certs", secret: { secretName: "tls", items: [{ key: "tls.key", path: "keys/server.key" }] } },
      { name: "config", configMap: { name: "conf" } },
      { name: "host", hostPath: { path: "/var/lib/x" } },
    ];
    const first = setUp(volumes);
    expect(first.unsupported).toEqual(["host"]);
    writeFileSync(join(dir, "data", "kept"), "1");
    const again = setUp(volumes);
    expect(readFileSync(join(again.dirs.get("data")!, "kept"), "utf8")).toBe("1");
    expect(read("certs", "keys", "server.key")).toBe("KEY");
    expect(readdirSync(join(dir, "certs"))).toEqual(["keys"]);
    expect(mode("certs", "keys", "server.key")).toBe(0o600);
    expect(read("config", "etcd.conf")).toBe("a: 1\n");
    expect(mode("config", "etcd.conf")).toBe(0o644);

    const mounts = containerMounts(
      {
        name: "c",
        volumeMounts: [
          { name: "data", mountPath: "/var/run/etcd" },
          { name: "data", mountPath: "/sub", subPath: "s" },
          { name: "gone", mountPath: "/x" },
        ],
      },
      again.dirs,
    );
    expect(mounts).toEqual([
      { mountPath: "/var/run/etcd", hostPath: join(dir, "data") },
      { mountPath: "/sub", hostPath: join(dir, "data", "s") },
    ]);
    expect(statSync(join(dir, "data", "s")).isDirectory()).toBe(true);
  });

  it("refuses missing sources and keys unless optional, and paths leaving the volume", () => {
    expect(() => setUp([{ name: "s", secret: { secretName: "absent" } }])).toThrow(
      new VolumeSetupError('MountVolume.SetUp failed for volume "s" : secret "absent" not found'),
    );
    expect(() => setUp([{ name: "s", secret: { secretName: "absent", optional: true } }])).not.toThrow();
    expect(readdirSync(join(dir, "s"))).toEqual([]);
    expect(() =>
      setUp([{ name: "c", configMap: { name: "conf", items: [{ key: "etcd.conf", path: "../x" }] } }]),
    ).toThrow(VolumeSetupError);
    expect(() => setUp([{ name: "c", configMap: { name: "conf", items: [{ key: "missing", path: "m" }] } }])).toThrow(
      'MountVolume.SetUp failed for volume "c" : configmap references non-existent config key: missing',
    );
    expect(() => setUp([{ name: "s", secret: { secretName: "tls", items: [{ key: "missing", path: "m" }] } }])).toThrow(
      'MountVolume.SetUp failed for volume "s" : references non-existent secret key: missing',
    );
    setUp([
      {
        name: "c",
        configMap: {
          name: "conf",
          optional: true,
          items: [
            { key: "missing", path: "m" },
            { key: "etcd.conf", path: "e" },
          ],
        },
      },
    ]);
    expect(readdirSync(join(dir, "c"))).toEqual(["e"]);
  });

  it("writes downward API files: Pod fields, labels and annotations as Go quotes them, and resources", () => {
    const setup = setUp([
      {
        name: "info",
        downwardAPI: {
          defaultMode: 0o440,
          items: [
            { path: "name", fieldRef: { fieldPath: "metadata.name" } },
            { path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } },
            { path: "uid", fieldRef: { fieldPath: "metadata.uid" }, mode: 0o600 },
            { path: "labels", fieldRef: { fieldPath: "metadata.labels" } },
            { path: "meta/annotations", fieldRef: { fieldPath: "metadata.annotations" } },
            { path: "app", fieldRef: { fieldPath: "metadata.labels['app']" } },
            { path: "none", fieldRef: { fieldPath: "metadata.annotations['none']" } },
            { path: "cpu", resourceFieldRef: { containerName: "main", resource: "limits.cpu" } },
            { path: "cpu-m", resourceFieldRef: { containerName: "main", resource: "limits.cpu", divisor: "1m" } },
            { path: "cpu-request", resourceFieldRef: { containerName: "main", resource: "requests.cpu" } },
            { path: "mem", resourceFieldRef: { containerName: "main", resource: "limits.memory" } },
            {
              path: "mem-request",
              resourceFieldRef: { containerName: "main", resource: "requests.memory", divisor: "1Mi" },
            },
            { path: "side-cpu", resourceFieldRef: { containerName: "side", resource: "limits.cpu" } },
            {
              path: "side-mem",
              resourceFieldRef: { containerName: "side", resource: "requests.memory", divisor: "1Gi" },
            },
          ],
        },
      },
    ]);
    expect(setup.unsupported).toEqual([]);
    expect(read("info", "name")).toBe("web");
    expect(read("info", "namespace")).toBe("shop");
    expect(read("info", "uid")).toBe("u-7");
    expect(read("info", "labels")).toBe('app="web"\ntier="front"');
    expect(read("info", "meta", "annotations")).toBe('note="say \\"hi\\"\\n\\tbye\\x01"\né="☃ \\u00a0"');
    expect(read("info", "app")).toBe("web");
    expect(read("info", "none")).toBe("");
    // 500m rounds up to one core; a request not given is the limit; no limit is the node's allocatable.
    expect(read("info", "cpu")).toBe("1");
    expect(read("info", "cpu-m")).toBe("500");
    expect(read("info", "cpu-request")).toBe("1");
    expect(read("info", "mem")).toBe(String(8 * 1024 ** 3));
    expect(read("info", "mem-request")).toBe("64");
    expect(read("info", "side-cpu")).toBe("4");
    expect(read("info", "side-mem")).toBe("1");
    expect(mode("info", "name")).toBe(0o440);
    expect(mode("info", "uid")).toBe(0o600);

    expect(() =>
      setUp([{ name: "d", downwardAPI: { items: [{ path: "x", fieldRef: { fieldPath: "spec.bogus" } }] } }]),
    ).toThrow(new VolumeSetupError('MountVolume.SetUp failed for volume "d" : unsupported fieldPath: spec.bogus'));
    // Env vars may read the Pod's address and node; a volume holds only metadata.
    expect(() =>
      setUp([{ name: "d", downwardAPI: { items: [{ path: "x", fieldRef: { fieldPath: "status.podIP" } }] } }]),
    ).toThrow("unsupported fieldPath: status.podIP");
    expect(() =>
      setUp([
        {
          name: "d",
          downwardAPI: { items: [{ path: "x", resourceFieldRef: { containerName: "gone", resource: "limits.cpu" } }] },
        },
      ]),
    ).toThrow('MountVolume.SetUp failed for volume "d" : container gone not found');
    expect(() =>
      setUp([
        {
          name: "d",
          downwardAPI: { items: [{ path: "x", resourceFieldRef: { containerName: "main", resource: "limits.gpu" } }] },
        },
      ]),
    ).toThrow("unsupported container resource : limits.gpu");
  });

  it("projects Secrets, ConfigMaps and the downward API into one directory, and skips service account tokens", () => {
    const projected = (sourcesOf: unknown[], defaultMode?: number): VolumeSpec[] => [
      { name: "all", projected: { sources: sourcesOf, defaultMode } } as VolumeSpec,
    ];
    const setup = setUp(
      projected([
        { configMap: { name: "conf" } },
        { secret: { name: "tls", items: [{ key: "ca.crt", path: "certs/ca.crt", mode: 0o400 }] } },
        { downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } },
        { serviceAccountToken: { path: "token", expirationSeconds: 3600 } },
        { configMap: { name: "absent", optional: true } },
      ]),
    );
    expect(setup.unsupported).toEqual(["all/serviceAccountToken"]);
    expect(setup.dirs.get("all")).toBe(join(dir, "all"));
    expect(readdirSync(join(dir, "all")).sort()).toEqual(["certs", "etcd.conf", "labels"]);
    expect(read("all", "etcd.conf")).toBe("a: 1\n");
    expect(read("all", "certs", "ca.crt")).toBe("CA");
    expect(read("all", "labels")).toBe('app="web"\ntier="front"');
    expect(mode("all", "etcd.conf")).toBe(0o644);
    expect(mode("all", "labels")).toBe(0o644);
    expect(mode("all", "certs", "ca.crt")).toBe(0o400);

    // Set up again with fewer sources: the directory holds exactly what they give, of their default mode.
    setUp(projected([{ secret: { name: "tls" } }], 0o440));
    expect(readdirSync(join(dir, "all")).sort()).toEqual(["ca.crt", "tls.key"]);
    expect(mode("all", "tls.key")).toBe(0o440);

    expect(() => setUp(projected([{ configMap: { name: "conf" } }, { secret: { name: "absent" } }]))).toThrow(
      new VolumeSetupError('MountVolume.SetUp failed for volume "all" : secret "absent" not found'),
    );
    expect(() => setUp(projected([{ configMap: { name: "conf", items: [{ key: "nope", path: "n" }] } }]))).toThrow(
      "configmap references non-existent config key: nope",
    );
  });

  it("mounts a bound claim's own folder, and keeps the Pod waiting for one being deleted", () => {
    try {
      const setup = setUp([{ name: "v", persistentVolumeClaim: { claimName: "data" } }]);
      expect(setup.dirs.get("v")).toBe(claimDir);
      expect(statSync(claimDir).isDirectory()).toBe(true);
      expect(() => setUp([{ name: "v", persistentVolumeClaim: { claimName: "old" } }])).toThrow(
        'MountVolume.SetUp failed for volume "v" : persistentvolumeclaim "old" is being deleted',
      );
    } finally {
      rmSync(claimDir, { recursive: true, force: true });
    }
  });
});
