import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../src/api/object-store.js";
import { printerFor } from "../../../src/api/tables/printers.js";

const NOW = Date.parse("2024-05-01T12:00:00Z");

function obj(kind: string, fields: Record<string, unknown>): KubeObject {
  const metadata = { name: "web", namespace: "default", creationTimestamp: new Date(NOW - 65_000).toISOString() };
  return { apiVersion: "v1", kind, metadata, ...fields };
}

const endpointsCell = (subsets?: unknown[]) =>
  printerFor("endpoints").cells(obj("Endpoints", subsets ? { subsets } : {}), NOW)[1];
const sliceCells = (fields: Record<string, unknown>) =>
  printerFor("endpointslices.discovery.k8s.io").cells(obj("EndpointSlice", fields), NOW);
const addresses = (...ips: string[]) => ips.map((ip) => ({ ip }));

describe("endpoint printers", () => {
  it("prints Endpoints as kubectl does: ip:port per port, three shown, <none> without subsets", () => {
    expect(printerFor("endpoints").columns.map((c) => c.name)).toEqual(["Name", "Endpoints", "Age"]);
    expect(endpointsCell()).toBe("<none>");
    expect(endpointsCell([{ addresses: addresses("10.0.0.1", "10.0.0.2"), ports: [{ port: 80 }] }])).toBe(
      "10.0.0.1:80,10.0.0.2:80",
    );
    expect(
      endpointsCell([{ addresses: addresses("10.0.0.1", "10.0.0.2"), ports: [{ port: 80 }, { port: 443 }] }]),
    ).toBe("10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...");
    expect(endpointsCell([{ addresses: addresses("10.0.0.9") }])).toBe("10.0.0.9");
    expect(endpointsCell([{ notReadyAddresses: addresses("10.0.0.1"), ports: [{ port: 80 }] }])).toBe("");
  });

  it("prints EndpointSlices with address type, ports and addresses, <unset> when empty", () => {
    expect(printerFor("endpointslices.discovery.k8s.io").columns.map((c) => c.name)).toEqual([
      "Name",
      "AddressType",
      "Ports",
      "Endpoints",
      "Age",
    ]);
    const endpoints = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"].map((ip) => ({
      addresses: [ip],
    }));
    expect(sliceCells({ addressType: "IPv4", ports: [{ port: 8080 }, { name: "metrics" }], endpoints })).toEqual([
      "web",
      "IPv4",
      "8080,metrics",
      "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...",
      "65s",
    ]);
    expect(sliceCells({ addressType: "IPv4", ports: [], endpoints: [] })).toEqual([
      "web",
      "IPv4",
      "<unset>",
      "<unset>",
      "65s",
    ]);
  });
});
