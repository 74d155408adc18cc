import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ObjectStore, type KubeObject } from "../../src/api/object-store.js";
import { AddressBlock } from "../../src/network/address-block.js";
import { podAddressFor } from "../../src/network/pod-address.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const lockDirectory = mkdtempSync(join(tmpdir(), "pod-address-test-"));
let block: AddressBlock;

beforeAll(async () => {
  block = await AddressBlock.claim({ lockDirectory });
});

afterAll(() => {
  block.close();
  rmSync(lockDirectory, { recursive: true, force: true });
});

function service(
  name: string,
  selector: Record<string, string> | undefined,
  clusterIP?: string,
  namespace = "default",
): KubeObject {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace }, spec: { selector, clusterIP } };
}

function pod(labels: Record<string, string>, namespace = "default"): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace, labels }, spec: {} };
}

const member3 = { "etcd.responder.io/cluster": "example", "etcd.responder.io/member": "3" };

describe("podAddressFor", () => {
  it("gives a Pod the address of the one Service that selects it, every time it is re-created", () => {
    const store = new ObjectStore();
    store.create("services", service("example3", member3, block.address(3)));
    store.create("services", service("example4", { ...member3, "etcd.responder.io/member": "4" }, block.address(4)));
    const podAddress = podAddressFor(store, block);
    expect(podAddress(pod({ ...member3, "pod-template-hash": "abc" }))).toBe(block.address(3));
    expect(podAddress(pod({ ...member3, "pod-template-hash": "def" }))).toBe(block.address(3));
  });

  it("allocates a fresh address when no Service selects the Pod", () => {
    const store = new ObjectStore();
    store.create("services", service("example3", member3, block.address(3)));
    store.create("services", service("headless", undefined, block.address(5)));
    const podAddress = podAddressFor(store, block);
    const first = podAddress(pod({ app: "other" }));
    const second = podAddress(pod({ app: "other" }));
    expect([first, second].every((ip) => block.contains(ip))).toBe(true);
    expect(first).not.toBe(second);
    expect(first).not.toBe(block.address(3));
    block.release(first);
    block.release(second);
  });

  it("ignores Services of other namespaces, Services outside the block and ambiguous matches", () => {
    const store = new ObjectStore();
    store.create("services", service("example3", member3, block.address(3), "elsewhere"));
    store.create("services", service("outside", { app: "outside" }, "10.96.0.10"));
    store.create("services", service("a", { app: "twice" }, block.address(6)));
    store.create("services", service("b", { app: "twice" }, block.address(7)));
    const podAddress = podAddressFor(store, block);
    for (const labels of [member3, { app: "outside" }, { app: "twice" }]) {
      const ip = podAddress(pod(labels));
      expect(block.contains(ip)).toBe(true);
      expect([block.address(3), block.address(6), block.address(7)]).not.toContain(ip);
      block.release(ip);
    }
  });
});
