import { describe, expect, it } from "vitest";
import { DEFAULT_NAMING, renderTemplate, templateProblem } from "../../../src/core/config/naming.js";

describe("naming templates", () => {
  it("renders every placeholder, as often as it appears", () => {
    expect(renderTemplate("{name}-{index}.{namespace}/{index}", { name: "a", index: 3, namespace: "ns" })).toBe(
      "a-3.ns/3",
    );
    expect(renderTemplate(DEFAULT_NAMING.peerURL, { name: "example", index: 4, namespace: "default" })).toBe(
      "http://example4:2380",
    );
  });

  it("accepts the defaults and text without placeholders", () => {
    for (const template of Object.values(DEFAULT_NAMING)) expect(templateProblem(template)).toBeUndefined();
    expect(templateProblem("fixed")).toBeUndefined();
  });

  it("names unknown placeholders and unmatched braces", () => {
    const allowed = "{name}, {index} or {namespace} (StatefulSet clusters also {ordinal}, {pod}, {serviceName})";
    expect(templateProblem("{Name}")).toBe(`unknown placeholder {Name}; use ${allowed}`);
    expect(templateProblem("{}")).toBe(`unknown placeholder {}; use ${allowed}`);
    expect(templateProblem("{name")).toMatch(/^unmatched/);
    expect(templateProblem("name}")).toMatch(/^unmatched/);
  });
});
