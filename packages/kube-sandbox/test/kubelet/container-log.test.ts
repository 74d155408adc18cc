import { describe, expect, it } from "vitest";
import { renderLog, type LogLine } from "../../src/kubelet/container-log.js";

const now = Date.parse("2024-01-01T00:01:00.000Z");
const lines: LogLine[] = [
  { time: "2024-01-01T00:00:00.000Z", stream: "stdout", text: "one" },
  { time: "2024-01-01T00:00:30.000Z", stream: "stderr", text: "two" },
  { time: "2024-01-01T00:00:55.000Z", stream: "stdout", text: "three" },
];

describe("renderLog", () => {
  it("joins stdout and stderr lines in order", () => {
    expect(renderLog(lines, {}, now)).toBe("one\ntwo\nthree\n");
  });

  it("prefixes timestamps", () => {
    expect(renderLog(lines, { timestamps: true, tailLines: 1 }, now)).toBe("2024-01-01T00:00:55.000Z three\n");
  });

  it("applies sinceSeconds, then tailLines, then limitBytes", () => {
    expect(renderLog(lines, { sinceSeconds: 40 }, now)).toBe("two\nthree\n");
    expect(renderLog(lines, { sinceSeconds: 40, tailLines: 1 }, now)).toBe("three\n");
    expect(renderLog(lines, { tailLines: 2, limitBytes: 5 }, now)).toBe("two\nt");
    expect(renderLog(lines, { tailLines: 0 }, now)).toBe("");
  });
});
