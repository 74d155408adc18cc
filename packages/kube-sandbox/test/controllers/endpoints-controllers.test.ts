import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ObjectStore, type KubeObject } from "../../src/api/object-store.js";
import { startControllers, type RunningControllers } from "../../src/controllers/start-controllers.js";
import { capturingLogger } from "./fixtures.js";

const SLICES = "endpointslices.discovery.k8s.io";
const MIRRORING = "endpointslicemirroring-controller.k8s.io";
const NS = "shop";

let store: ObjectStore;
let controllers: RunningControllers;

beforeEach(() => {
  store = new ObjectStore();
  controllers = startControllers(store, capturingLogger().logger);
});

afterEach(() => controllers.stop());

interface PodOptions {
  ip?: string;
  ready?: boolean;
  labels?: Record<string, string>;
  phase?: string;
  spec?: Record<string, unknown>;
}

function createPod(name: string, options: PodOptions = {}): KubeObject {
  return store.create("pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, labels: options.labels ?? { app: "web" } },
    spec: { nodeName: "sandbox", containers: [{ name: "main", image: "busybox" }], ...options.spec },
    status: {
      phase: options.phase ?? "Running",
      ...(options.ip ? { podIP: options.ip } : {}),
      conditions: [{ type: "Ready", status: options.ready === false ? "False" : "True" }],
    },
  });
}

function createService(name: string, spec: Record<string, unknown> = {}, labels?: Record<string, string>): KubeObject {
  return store.create("services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: NS, ...(labels ? { labels } : {}) },
    spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }], ...spec },
  });
}

const endpoints = (name = "web") => store.get("endpoints", NS, name);
const slicesOf = (service = "web") =>
  store.list(SLICES, NS).filter((s) => s.metadata.labels?.["kubernetes.io/service-name"] === service);
const sliceEndpoints = (service = "web") =>
  slicesOf(service).flatMap((s) => s.endpoints as { addresses: string[]; conditions: Record<string, boolean> }[]);
const podRef = (pod: KubeObject) => ({ kind: "Pod", namespace: NS, name: pod.metadata.name, uid: pod.metadata.uid });

describe("endpoints and endpointslice controllers", () => {
  it("list ready Pods as addresses and not-ready ones apart; Pods without IP or finished are left out", async () => {
    const svc = createService("web", {}, { tier: "front" });
    const ready = createPod("web-a", { ip: "10.1.0.5" });
    const unready = createPod("web-b", { ip: "10.1.0.6", ready: false });
    createPod("web-c");
    createPod("web-d", { ip: "10.1.0.8", phase: "Succeeded" });
    createPod("other", { ip: "10.1.0.9", labels: { app: "other" } });
    await controllers.idle();

    expect(endpoints()).toMatchObject({ metadata: { labels: { tier: "front" } } });
    expect(endpoints()?.metadata.ownerReferences).toBeUndefined();
    expect(endpoints()?.subsets).toEqual([
      {
        addresses: [{ ip: "10.1.0.5", nodeName: "sandbox", targetRef: podRef(ready) }],
        notReadyAddresses: [{ ip: "10.1.0.6", nodeName: "sandbox", targetRef: podRef(unready) }],
        ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      },
    ]);

    const [slice, ...more] = slicesOf();
    expect(more).toEqual([]);
    expect(slice?.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(slice).toMatchObject({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        generateName: "web-",
        labels: {
          tier: "front",
          "kubernetes.io/service-name": "web",
          "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
        },
        ownerReferences: [{ apiVersion: "v1", kind: "Service", name: "web", uid: svc.metadata.uid, controller: true }],
      },
      addressType: "IPv4",
      ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      endpoints: [
        {
          addresses: ["10.1.0.5"],
          conditions: { ready: true, serving: true, terminating: false },
          targetRef: podRef(ready),
          nodeName: "sandbox",
        },
        {
          addresses: ["10.1.0.6"],
          conditions: { ready: false, serving: false, terminating: false },
          targetRef: podRef(unready),
          nodeName: "sandbox",
        },
      ],
    });
  });

  it("publish not-ready Pods as ready with publishNotReadyAddresses, and mark headless Services", async () => {
    createService("web", { clusterIP: "None", publishNotReadyAddresses: true });
    createPod("web-a", { ip: "10.1.0.5", ready: false });
    await controllers.idle();
    expect(endpoints()?.metadata.labels).toEqual({ "service.kubernetes.io/headless": "" });
    expect(endpoints()?.subsets).toMatchObject([{ addresses: [{ ip: "10.1.0.5" }] }]);
    expect(endpoints()?.subsets).not.toMatchObject([{ notReadyAddresses: expect.anything() as unknown }]);
    expect(slicesOf()[0]?.metadata.labels).toMatchObject({ "service.kubernetes.io/headless": "" });
    expect(sliceEndpoints()).toMatchObject([{ conditions: { ready: true, serving: false, terminating: false } }]);
  });

  it("resolve a named target port per Pod, leaving it out for a Pod without that port", async () => {
    createService("web", {
      ports: [
        { name: "http", port: 80, targetPort: "web", protocol: "TCP" },
        { port: 9000, protocol: "UDP" },
      ],
    });
    const withPort = (port: number) => ({
      containers: [{ name: "main", ports: [{ name: "web", containerPort: port, protocol: "TCP" }] }],
    });
    createPod("web-a", { ip: "10.1.0.5", spec: withPort(8080) });
    createPod("web-b", { ip: "10.1.0.6", spec: withPort(8081) });
    createPod("web-c", { ip: "10.1.0.7" });
    await controllers.idle();

    const udp = { port: 9000, protocol: "UDP" };
    const http = (port: number) => ({ name: "http", port, protocol: "TCP" });
    expect(
      (endpoints()?.subsets as { addresses: { ip: string }[]; ports: unknown[] }[]).map((s) => [
        s.addresses.map((a) => a.ip),
        s.ports,
      ]),
    ).toEqual([
      [["10.1.0.5"], [http(8080), udp]],
      [["10.1.0.6"], [http(8081), udp]],
      [["10.1.0.7"], [udp]],
    ]);
    const slices = slicesOf().map((s) => [
      (s.endpoints as { addresses: string[] }[]).map((e) => e.addresses[0]),
      s.ports,
    ]);
    const unnamedUdp = { name: "", ...udp };
    expect(slices).toHaveLength(3);
    expect(slices).toEqual(
      expect.arrayContaining([
        [["10.1.0.5"], [http(8080), unnamedUdp]],
        [["10.1.0.6"], [http(8081), unnamedUdp]],
        [["10.1.0.7"], [unnamedUdp]],
      ]),
    );
  });

  it("name a Pod by its hostname only under the Service of its subdomain", async () => {
    createService("web");
    createPod("web-0", { ip: "10.1.0.5", spec: { hostname: "member-0", subdomain: "web" } });
    createPod("web-1", { ip: "10.1.0.6", spec: { hostname: "member-1", subdomain: "elsewhere" } });
    await controllers.idle();
    const addresses = endpoints()?.subsets as { addresses: { ip: string; hostname?: string }[] }[];
    expect(addresses[0]?.addresses.map((a) => [a.ip, a.hostname])).toEqual([
      ["10.1.0.5", "member-0"],
      ["10.1.0.6", undefined],
    ]);
    expect(sliceEndpoints().map((e) => (e as { hostname?: string }).hostname)).toEqual(["member-0", undefined]);
  });

  it("drop a Pod whose labels no longer match, and keep an empty slice", async () => {
    createService("web");
    createPod("web-a", { ip: "10.1.0.5" });
    await controllers.idle();
    expect(sliceEndpoints()).toHaveLength(1);
    store.mutate("pods", NS, "web-a", (pod) => {
      pod.metadata.labels = { app: "retired" };
    });
    await controllers.idle();
    expect(endpoints()).toBeDefined();
    expect(endpoints()?.subsets).toBeUndefined();
    expect(slicesOf()).toMatchObject([{ endpoints: [], ports: [] }]);
  });

  it("show a Pod being deleted as terminating in the slice only, and drop it once removed", async () => {
    createService("web");
    createPod("web-a", { ip: "10.1.0.5" });
    createPod("web-b", { ip: "10.1.0.6" });
    await controllers.idle();
    store.markDeleting("pods", NS, "web-a", 30);
    await controllers.idle();
    expect(endpoints()?.subsets).toMatchObject([{ addresses: [{ ip: "10.1.0.6" }] }]);
    expect(sliceEndpoints()).toMatchObject([
      { addresses: ["10.1.0.5"], conditions: { ready: false, serving: true, terminating: true } },
      { addresses: ["10.1.0.6"], conditions: { ready: true, serving: true, terminating: false } },
    ]);
    store.remove("pods", NS, "web-a");
    await controllers.idle();
    expect(sliceEndpoints().map((e) => e.addresses[0])).toEqual(["10.1.0.6"]);
  });

  it("delete the Endpoints and slices with their Service", async () => {
    createService("web");
    createPod("web-a", { ip: "10.1.0.5" });
    await controllers.idle();
    expect(slicesOf()).toHaveLength(1);
    store.remove("services", NS, "web");
    await controllers.idle();
    expect(endpoints()).toBeUndefined();
    expect(store.list(SLICES, NS)).toEqual([]);
  });

  it("leave the Endpoints and slices of a Service without selector to their writer", async () => {
    const manual = store.create("endpoints", {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "db", namespace: NS },
      subsets: [{ addresses: [{ ip: "192.0.2.10" }], ports: [{ port: 5432 }] }],
    });
    const slice = store.create(SLICES, {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: "db-1", namespace: NS, labels: { "kubernetes.io/service-name": "db" } },
      addressType: "IPv4",
      endpoints: [{ addresses: ["192.0.2.10"] }],
      ports: [{ port: 5432 }],
    });
    createService("db", { selector: undefined, ports: [{ port: 5432 }] });
    createPod("web-a", { ip: "10.1.0.5" });
    await controllers.idle();
    expect(endpoints("db")?.metadata.resourceVersion).toBe(manual.metadata.resourceVersion);
    expect(store.get(SLICES, NS, "db-1")?.metadata.resourceVersion).toBe(slice.metadata.resourceVersion);
    // Only the mirror of the user's Endpoints is added.
    expect(store.list(SLICES, NS).filter((s) => s.metadata.name !== "db-1")).toMatchObject([
      { metadata: { labels: { "endpointslice.kubernetes.io/managed-by": MIRRORING } } },
    ]);
  });

  it("mirror the Endpoints of a Service without selector into slices, until the Service selects Pods", async () => {
    const manual = store.create("endpoints", {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "db", namespace: NS, labels: { tier: "data" } },
      subsets: [
        {
          addresses: [{ ip: "192.0.2.10", hostname: "primary" }],
          notReadyAddresses: [{ ip: "192.0.2.11" }],
          ports: [{ name: "sql", port: 5432, protocol: "TCP" }],
        },
      ],
    });
    createService("db", { selector: undefined, ports: [{ name: "sql", port: 5432 }] });
    await controllers.idle();
    const [mirror, ...more] = slicesOf("db");
    expect(more).toEqual([]);
    expect(mirror?.metadata.name).toMatch(/^db-[a-z0-9]{5}$/);
    expect(mirror).toMatchObject({
      metadata: {
        labels: {
          tier: "data",
          "kubernetes.io/service-name": "db",
          "endpointslice.kubernetes.io/managed-by": MIRRORING,
        },
        ownerReferences: [{ kind: "Endpoints", name: "db", uid: manual.metadata.uid, controller: true }],
      },
      addressType: "IPv4",
      ports: [{ name: "sql", port: 5432, protocol: "TCP" }],
      endpoints: [
        { addresses: ["192.0.2.10"], conditions: { ready: true }, hostname: "primary" },
        { addresses: ["192.0.2.11"], conditions: { ready: false } },
      ],
    });

    createPod("web-a", { ip: "10.1.0.5" });
    store.mutate("services", NS, "db", (svc) => {
      (svc.spec as Record<string, unknown>).selector = { app: "web" };
    });
    await controllers.idle();
    expect(endpoints("db")?.subsets).toMatchObject([{ addresses: [{ ip: "10.1.0.5" }] }]);
    expect(
      slicesOf("db").map((s) => [
        s.metadata.labels?.["endpointslice.kubernetes.io/managed-by"],
        (s.endpoints as { addresses: string[] }[]).map((e) => e.addresses[0]),
      ]),
    ).toEqual([["endpointslice-controller.k8s.io", ["10.1.0.5"]]]);
  });

  it("drop the mirrored slices with the Endpoints they mirror", async () => {
    store.create("endpoints", {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "db", namespace: NS },
      subsets: [{ addresses: [{ ip: "192.0.2.10" }], ports: [{ port: 5432 }] }],
    });
    createService("db", { selector: undefined, ports: [{ port: 5432 }] });
    await controllers.idle();
    expect(slicesOf("db")).toMatchObject([{ ports: [{ name: "", port: 5432, protocol: "TCP" }] }]);
    store.remove("endpoints", NS, "db");
    await controllers.idle();
    expect(slicesOf("db")).toEqual([]);
  });

  it("write nothing when nothing they show changed, and put back what someone else changed", async () => {
    createService("web");
    createPod("web-a", { ip: "10.1.0.5" });
    await controllers.idle();
    const before = [endpoints()?.metadata.resourceVersion, slicesOf()[0]?.metadata.resourceVersion];
    store.mutate("pods", NS, "web-a", (pod) => {
      pod.metadata.annotations = { note: "not shown in endpoints" };
    });
    await controllers.idle();
    expect([endpoints()?.metadata.resourceVersion, slicesOf()[0]?.metadata.resourceVersion]).toEqual(before);

    store.mutate("endpoints", NS, "web", (ep) => {
      ep.subsets = [];
    });
    const [slice] = slicesOf();
    store.remove(SLICES, NS, slice?.metadata.name ?? "");
    await controllers.idle();
    expect(endpoints()?.subsets).toMatchObject([{ addresses: [{ ip: "10.1.0.5" }] }]);
    expect(sliceEndpoints().map((e) => e.addresses[0])).toEqual(["10.1.0.5"]);
  });
});
