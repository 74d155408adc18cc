import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/api/object-store.js";
import type { ConfigSources } from "../../src/kubelet/config-sources.js";
import { buildContainerEnv } from "../../src/kubelet/container-env.js";
import { ContainerConfigError } from "../../src/kubelet/errors.js";
import type { ContainerSpec } from "../../src/kubelet/pod-spec.js";

const pod: KubeObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "etcd-0", namespace: "db", uid: "u-1", labels: { app: "etcd" } },
  spec: { containers: [{ name: "c", resources: { limits: { memory: "256Mi" } } }, { name: "other" }] },
};
const addresses = { podIP: "127.77.0.9", hostIP: "127.0.0.1", nodeName: "sandbox" };
const sources: ConfigSources = {
  secret: (ns, name) => (ns === "db" && name === "creds" ? new Map([["password", Buffer.from("s3cret")]]) : undefined),
  configMap: (ns, name) =>
    ns === "db" && name === "settings"
      ? new Map([
          ["LEVEL", Buffer.from("debug")],
          ["BAD=KEY", Buffer.from("x")],
        ])
      : undefined,
  claim: () => ({ problem: "no claims here" }),
  nodeAllocatable: () => ({ cpu: "2", memory: "4Gi" }),
};

function env(container: Partial<ContainerSpec>): Record<string, string> {
  return Object.fromEntries(buildContainerEnv(pod, { name: "c", ...container }, addresses, sources));
}

describe("buildContainerEnv", () => {
  it("resolves values, the downward API and key references, expanding earlier entries", () => {
    expect(
      env({
        env: [
          { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
          { name: "URL", value: "http://$(IP):2379/$(LATER)" },
          { name: "LATER", value: "x" },
          { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: "UID", valueFrom: { fieldRef: { fieldPath: "metadata.uid" } } },
          { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
          { name: "HOST", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } },
          { name: "PASS", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } },
          { name: "LVL", valueFrom: { configMapKeyRef: { name: "settings", key: "LEVEL" } } },
          { name: "OPT", valueFrom: { secretKeyRef: { name: "absent", key: "k", optional: true } } },
        ],
      }),
    ).toEqual({
      IP: "127.77.0.9",
      URL: "http://127.77.0.9:2379/$(LATER)",
      LATER: "x",
      APP: "etcd",
      UID: "u-1",
      NODE: "sandbox",
      HOST: "127.0.0.1",
      PASS: "s3cret",
      LVL: "debug",
    });
  });

  it("reads the container's resources, or the node's allocatable where it sets no limit", () => {
    expect(
      env({
        env: [
          { name: "MEM", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
          { name: "REQ", valueFrom: { resourceFieldRef: { resource: "requests.memory", divisor: "1Mi" } } },
          { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
          { name: "OTHER", valueFrom: { resourceFieldRef: { resource: "limits.memory", containerName: "other" } } },
        ],
      }),
    ).toEqual({ MEM: "256", REQ: "256", CPU: "2", OTHER: String(4 * 1024 ** 3) });
  });

  it("takes envFrom first, with its prefix, skipping keys that cannot be names", () => {
    expect(
      env({
        envFrom: [{ configMapRef: { name: "settings" }, prefix: "CFG_" }, { secretRef: { name: "creds" } }],
        env: [{ name: "MSG", value: "$(CFG_LEVEL)" }],
      }),
    ).toEqual({ CFG_LEVEL: "debug", password: "s3cret", MSG: "debug" });
  });

  it("fails with a configuration error for missing sources and keys", () => {
    expect(() => env({ env: [{ name: "X", valueFrom: { secretKeyRef: { name: "absent", key: "k" } } }] })).toThrow(
      new ContainerConfigError('secret "absent" not found'),
    );
    expect(() =>
      env({ env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "settings", key: "nope" } } }] }),
    ).toThrow("couldn't find key nope in ConfigMap db/settings");
    expect(() => env({ envFrom: [{ configMapRef: { name: "absent" } }] })).toThrow('configmap "absent" not found');
    expect(() => env({ env: [{ name: "X", valueFrom: { fieldRef: { fieldPath: "spec.bogus" } } }] })).toThrow(
      ContainerConfigError,
    );
  });
});
