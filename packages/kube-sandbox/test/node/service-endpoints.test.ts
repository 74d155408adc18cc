import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/api/object-store.js";
import { readyBackends } from "../../src/node/service-endpoints.js";

function slice(
  addressType: string,
  ports: { name?: string; port: number; protocol?: string }[],
  endpoints: { addresses: string[]; conditions?: { ready?: boolean } }[],
): KubeObject {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "web-x", namespace: "default", labels: { "kubernetes.io/service-name": "web" } },
    addressType,
    ports,
    endpoints,
  };
}

describe("readyBackends", () => {
  it("takes each ready endpoint's first address at the port of the Service port's name", () => {
    const slices = [
      slice(
        "IPv4",
        [
          { name: "http", port: 8080, protocol: "TCP" },
          { name: "metrics", port: 9090, protocol: "TCP" },
        ],
        [
          { addresses: ["10.0.0.2", "10.0.0.9"], conditions: { ready: true } },
          { addresses: ["10.0.0.3"], conditions: { ready: false } },
          // Kubernetes says to read an unknown readiness as ready.
          { addresses: ["10.0.0.4"], conditions: {} },
        ],
      ),
    ];
    expect(readyBackends({ name: "metrics", port: 80 }, slices)).toEqual([
      { ip: "10.0.0.2", port: 9090 },
      { ip: "10.0.0.4", port: 9090 },
    ]);
  });

  it("joins slices, each with its own port, once per address and port, and skips other address types", () => {
    const slices = [
      slice("IPv4", [{ port: 8080 }], [{ addresses: ["10.0.0.2"] }]),
      slice("IPv4", [{ name: "", port: 8081, protocol: "TCP" }], [{ addresses: ["10.0.0.3"] }]),
      slice("IPv4", [{ port: 8080 }], [{ addresses: ["10.0.0.2"] }]),
      slice("IPv6", [{ port: 8080 }], [{ addresses: ["fd00::2"] }]),
    ];
    expect(readyBackends({ port: 80, protocol: "TCP" }, slices)).toEqual([
      { ip: "10.0.0.2", port: 8080 },
      { ip: "10.0.0.3", port: 8081 },
    ]);
  });

  it("finds nothing for a port name or protocol no slice has", () => {
    const slices = [slice("IPv4", [{ name: "http", port: 8080, protocol: "TCP" }], [{ addresses: ["10.0.0.2"] }])];
    expect(readyBackends({ name: "grpc", port: 80 }, slices)).toEqual([]);
    expect(readyBackends({ name: "http", port: 80, protocol: "UDP" }, slices)).toEqual([]);
  });
});
