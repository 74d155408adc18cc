import { describe, expect, it } from "vitest";
import { chooseIsolation, IsolationUnavailableError } from "../../src/node/pod-networking.js";

describe("chooseIsolation", () => {
  const unsupported = { supported: false as const, reason: "Pod isolation needs root; this process runs as uid 1000" };

  it("isolates Pods wherever namespaces can be made, unless loopback is asked for", () => {
    expect(chooseIsolation("auto", { supported: true })).toEqual({ mode: "namespaces" });
    expect(chooseIsolation("namespaces", { supported: true })).toEqual({ mode: "namespaces" });
    expect(chooseIsolation("loopback", { supported: true })).toEqual({ mode: "loopback" });
    expect(chooseIsolation("loopback", undefined)).toEqual({ mode: "loopback" });
  });

  it("falls back from auto to loopback with the one-line reason", () => {
    expect(chooseIsolation("auto", unsupported)).toEqual({ mode: "loopback", reason: unsupported.reason });
  });

  it("refuses namespaces where they cannot be made, saying why", () => {
    expect(() => chooseIsolation("namespaces", unsupported)).toThrow(IsolationUnavailableError);
    expect(() => chooseIsolation("namespaces", unsupported)).toThrow(
      "Pods cannot be isolated here: Pod isolation needs root; this process runs as uid 1000",
    );
  });
});
