import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pod } from "../../src/controllers/workload-types.js";
import { waitForStore } from "../../src/index.js";
import { sleeperDeployment, startKubectlSandbox, type KubectlSandbox } from "./kubectl-sandbox.js";

const SERVICE = `
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec:
  selector: { app: web }
  ports: [{ name: http, port: 80, targetPort: 8080 }]
`;

interface SliceList {
  items: {
    metadata: { name: string; labels: Record<string, string> };
    addressType: string;
    endpoints: { addresses: string[]; conditions: Record<string, boolean>; targetRef: { name: string } }[];
    ports: { name: string; port: number; protocol: string }[];
  }[];
}

/** A list in sorting order, so that lists of addresses compare whatever order they are printed in. */
const sorted = (items: string[] | undefined): string[] => [...(items ?? [])].sort();

describe("kubectl and the endpoints of a Service", () => {
  let k: KubectlSandbox;

  beforeAll(async () => {
    k = await startKubectlSandbox();
  });

  afterAll(async () => {
    await k?.stop();
  });

  it("lists the running Pods behind a Service in its Endpoints and EndpointSlice, and drops them with it", async () => {
    await k.apply(sleeperDeployment("web", 2));
    await k.apply(SERVICE);
    const store = k.sandbox.store;
    // The Pods of web in name order, as the slice lists them, once both are ready addresses.
    const pods = await waitForStore(
      store,
      () => {
        const running = (store.list("pods", "default") as Pod[]).filter(
          (p) => p.metadata.labels?.app === "web" && p.status?.podIP,
        );
        const subsets = store.get("endpoints", "default", "web")?.subsets as { addresses?: unknown[] }[] | undefined;
        const addresses = subsets?.flatMap((s) => s.addresses ?? []);
        return addresses?.length === 2 && running.length === 2 ? running : undefined;
      },
      "both Pods of web to be ready addresses of its Endpoints",
      30_000,
    );
    const ips = pods.map((p) => p.status?.podIP ?? "");

    const endpoints = await k.kubectl("get", "endpoints", "web");
    expect(endpoints.code, endpoints.stderr).toBe(0);
    const [header, row] = endpoints.stdout.trim().split("\n");
    expect(header?.split(/\s+/)).toEqual(["NAME", "ENDPOINTS", "AGE"]);
    const [name, list] = row?.split(/\s+/) ?? [];
    expect([name, sorted(list?.split(","))]).toEqual(["web", sorted(ips.map((ip) => `${ip}:8080`))]);

    // With isolated Pods `default` also holds the `kubernetes` Service's slice, as on a cluster.
    const table = await k.kubectl("get", "endpointslices", "-l", "kubernetes.io/service-name=web");
    expect(table.code, table.stderr).toBe(0);
    const [sliceHeader, sliceRow] = table.stdout.trim().split("\n");
    expect(sliceHeader?.split(/\s+/)).toEqual(["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]);
    const [, addressType, ports, addresses] = sliceRow?.split(/\s+/) ?? [];
    expect([addressType, ports, sorted(addresses?.split(","))]).toEqual(["IPv4", "8080", sorted(ips)]);

    const json = await k.kubectl("get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "json");
    expect(json.code, json.stderr).toBe(0);
    const [slice, ...others] = (JSON.parse(json.stdout) as SliceList).items;
    expect(others).toEqual([]);
    expect(slice?.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(slice?.metadata.labels["endpointslice.kubernetes.io/managed-by"]).toBe("endpointslice-controller.k8s.io");
    expect(slice?.addressType).toBe("IPv4");
    expect(slice?.ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" }]);
    expect(slice?.endpoints.map((e) => [e.addresses[0], e.conditions.ready, e.targetRef.name])).toEqual(
      ips.map((ip, i) => [ip, true, pods[i]?.metadata.name]),
    );

    const described = await k.kubectl("describe", "service", "web");
    expect(described.code, described.stderr).toBe(0);
    const line = described.stdout.split("\n").find((l) => l.startsWith("Endpoints:"));
    expect(sorted(line?.split(/\s+/)[1]?.split(","))).toEqual(sorted(ips.map((ip) => `${ip}:8080`)));

    const deleted = await k.kubectl("delete", "service", "web");
    expect(deleted.code, deleted.stderr).toBe(0);
    await waitForStore(
      store,
      () =>
        !store.get("endpoints", "default", "web") &&
        !store
          .list("endpointslices.discovery.k8s.io")
          .some((slice) => slice.metadata.labels?.["kubernetes.io/service-name"] === "web"),
      "the Endpoints and EndpointSlices of web to go with it",
      10_000,
    );
  });

  it("mirrors the Endpoints a user writes for a Service without selector into an EndpointSlice", async () => {
    await k.apply(`
apiVersion: v1
kind: Service
metadata: { name: db, namespace: default }
spec:
  ports: [{ name: sql, port: 5432 }]
---
apiVersion: v1
kind: Endpoints
metadata: { name: db, namespace: default }
subsets: [{ addresses: [{ ip: 127.0.0.1 }], ports: [{ name: sql, port: 5432 }] }]
`);
    await waitForStore(
      k.sandbox.store,
      () => k.sandbox.store.list("endpointslices.discovery.k8s.io", "default").length > 0,
      "a slice mirrored from the Endpoints of db",
      10_000,
    );
    const json = await k.kubectl("get", "endpointslices", "-l", "kubernetes.io/service-name=db", "-o", "json");
    expect(json.code, json.stderr).toBe(0);
    const slices = (JSON.parse(json.stdout) as SliceList).items;
    expect(slices).toMatchObject([
      {
        metadata: { labels: { "endpointslice.kubernetes.io/managed-by": "endpointslicemirroring-controller.k8s.io" } },
        addressType: "IPv4",
        endpoints: [{ addresses: ["127.0.0.1"], conditions: { ready: true } }],
        ports: [{ name: "sql", port: 5432, protocol: "TCP" }],
      },
    ]);
    const endpoints = await k.kubectl("get", "endpoints", "db");
    expect(endpoints.stdout).toContain("127.0.0.1:5432");
  });
});
