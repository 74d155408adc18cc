import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/api/object-store.js";
import { ContainerConfigError } from "../../src/kubelet/errors.js";
import { resolveResourceFieldRef } from "../../src/kubelet/resource-field-ref.js";

const allocatable = { cpu: "3", memory: "2Gi", pods: "110" };

/** A Pod whose one container `c` has these resources, and an init container `setup` with none. */
function pod(resources: Record<string, Record<string, string | number>>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default" },
    spec: { containers: [{ name: "c", resources }], initContainers: [{ name: "setup" }] },
  };
}

function value(resources: Record<string, Record<string, string | number>>, resource: string, divisor?: string): string {
  return resolveResourceFieldRef(pod(resources), { resource, divisor }, "c", allocatable);
}

describe("resolveResourceFieldRef", () => {
  it("divides the quantity by the divisor and rounds up, CPU in thousandths", () => {
    expect(value({ limits: { cpu: "250m" } }, "limits.cpu")).toBe("1");
    expect(value({ limits: { cpu: "1.5" } }, "limits.cpu", "1m")).toBe("1500");
    expect(value({ limits: { cpu: "2e3" } }, "limits.cpu")).toBe("2000");
    expect(value({ limits: { cpu: "1.5e-3" } }, "limits.cpu", "1m")).toBe("2");
    expect(value({ limits: { cpu: 0.1 } }, "limits.cpu", "1m")).toBe("100");
    expect(value({ limits: { memory: "1.5Gi" } }, "limits.memory", "1Mi")).toBe("1536");
    expect(value({ limits: { memory: "1G" } }, "limits.memory", "1Mi")).toBe("954");
    expect(value({ limits: { memory: "100k" } }, "limits.memory")).toBe("100000");
    expect(value({ requests: { "ephemeral-storage": "1Ki" } }, "requests.ephemeral-storage")).toBe("1024");
    expect(value({ limits: { "hugepages-2Mi": "4Mi" } }, "limits.hugepages-2Mi", "2Mi")).toBe("2");
  });

  it("takes a missing request from the limit and a missing or zero limit from the node", () => {
    expect(value({ limits: { memory: "1Gi" } }, "requests.memory", "1Mi")).toBe("1024");
    expect(value({}, "requests.memory")).toBe("0");
    expect(value({}, "limits.memory", "1Mi")).toBe("2048");
    expect(value({ limits: { cpu: "0" } }, "limits.cpu")).toBe("3");
    expect(value({}, "limits.ephemeral-storage")).toBe("0");
    expect(resolveResourceFieldRef(pod({}), { resource: "limits.cpu", containerName: "setup" }, "c", allocatable)).toBe(
      "3",
    );
  });

  it("refuses unknown containers, resources and quantities", () => {
    expect(() => resolveResourceFieldRef(pod({}), { resource: "limits.cpu" }, "gone", allocatable)).toThrow(
      new ContainerConfigError("container gone not found"),
    );
    expect(() => value({}, "limits.gpu")).toThrow("unsupported container resource : limits.gpu");
    expect(() => value({}, "cpu")).toThrow("unsupported container resource : cpu");
    expect(() => value({ limits: { cpu: "lots" } }, "limits.cpu")).toThrow('invalid quantity "lots"');
    expect(() => value({ limits: { cpu: "2e3m" } }, "limits.cpu")).toThrow('invalid quantity "2e3m"');
    expect(() => value({}, "limits.cpu", "-1")).toThrow("invalid divisor -1");
  });
});
