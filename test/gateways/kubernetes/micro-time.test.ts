import { describe, expect, it } from "vitest";
import { microTime, timeMillis } from "../../../src/gateways/kubernetes/micro-time.js";

describe("microTime", () => {
  it("serializes with six fraction digits, as the API server parses MicroTime", () => {
    const ms = Date.parse("2025-03-01T12:00:00.123Z");
    expect(JSON.stringify({ t: microTime(ms) })).toBe('{"t":"2025-03-01T12:00:00.123000Z"}');
    expect(microTime(ms).getTime()).toBe(ms);
  });
});

describe("timeMillis", () => {
  it("reads Dates and RFC 3339 strings of any precision", () => {
    const ms = Date.parse("2025-03-01T12:00:00.123Z");
    expect(timeMillis(new Date(ms))).toBe(ms);
    expect(timeMillis("2025-03-01T12:00:00.123000Z")).toBe(ms);
    expect(timeMillis("2025-03-01T13:00:00.123+01:00")).toBe(ms);
    expect(timeMillis("2025-03-01T12:00:00Z")).toBe(ms - 123);
  });

  it("is undefined when absent or unreadable", () => {
    expect(timeMillis(undefined)).toBeUndefined();
    expect(timeMillis(null)).toBeUndefined();
    expect(timeMillis("yesterday")).toBeUndefined();
  });
});
