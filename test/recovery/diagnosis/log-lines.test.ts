import { describe, expect, it } from "vitest";
import { findDataLossSign, readableLogLine, meaningfulLogLine } from "../../../src/recovery/decisions/classify.js";

describe("findDataLossSign", () => {
  it.each([
    ["2024-01-01 10:00:00.000000 C | etcdmain: member 8e9f33d4 has already been bootstrapped", "already bootstrapped"],
    [
      "2024-01-01 10:00:00.000000 P | raft: tocommit(12) is out of range [lastIndex(0)]. Was the raft log corrupted, truncated, or lost?",
      "raft log lost",
    ],
    ["panic: tocommit(12) is out of range [lastIndex(0)]", "raft log lost"],
    [
      "2024-01-01 10:00:00.000000 E | rafthttp: the member has been permanently removed from the cluster",
      "removed from the cluster",
    ],
    [
      '{"level":"fatal","msg":"discovery failed","error":"member 8e9f has already been bootstrapped"}',
      "already bootstrapped",
    ],
    [
      "2024-01-01 C | etcdmain: error validating peerURLs {ClusterID:1 Members:[...]}: member count is unequal",
      "not in the member list",
    ],
    [
      '2024-01-01 C | etcdmain: error validating peerURLs {ClusterID:1 Members:[...]}: failed to resolve ... (resolved urls: "http://10.0.0.4:2380" != "http://10.0.0.2:2380")',
      "not in the member list",
    ],
  ])("finds %s", (line, sign) => {
    expect(findDataLossSign(`first\n${line}\nlast`)?.sign).toBe(sign);
  });

  it("finds nothing in a log without a sign", () => {
    expect(
      findDataLossSign("I | ready to serve client requests\nC | etcdmain: listen tcp: address already in use"),
    ).toBeUndefined();
  });

  it("quotes the most recent sign, readable", () => {
    const log =
      "C | etcdmain: member a has already been bootstrapped\nI | restart\nC | etcdmain: member b has already been bootstrapped";
    expect(findDataLossSign(log)?.line).toBe("etcdmain: member b has already been bootstrapped");
  });
});

describe("meaningfulLogLine", () => {
  it("takes the last critical line", () => {
    expect(meaningfulLogLine("C | a: first\nI | b: info\nC | c: second\nI | d: after")).toBe("c: second");
  });

  it("takes the panic line of a Go panic rather than the stack trace", () => {
    expect(
      meaningfulLogLine(
        "I | start\npanic: runtime error: invalid memory address\n\ngoroutine 1 [running]:\nmain.main()",
      ),
    ).toBe("panic: runtime error: invalid memory address");
  });

  it("falls back to a line mentioning an error, then to the last line", () => {
    expect(meaningfulLogLine("starting\nError: flag provided but not defined: -bogus\nusage: etcd")).toBe(
      "Error: flag provided but not defined: -bogus",
    );
    expect(meaningfulLogLine("starting\nstopped\n")).toBe("stopped");
    expect(meaningfulLogLine("  \n")).toBeUndefined();
  });

  it("takes etcd's flag error over the usage text printed after it (as etcd 3.4 prints it)", () => {
    const log =
      "flag provided but not defined: -no-such-flag\nUsage:\n\n  etcd [flags]\n    Start an etcd server.\n  etcd grpc-proxy\n    Run the stateless etcd v3 gRPC L7 reverse proxy.";
    expect(meaningfulLogLine(log)).toBe("flag provided but not defined: -no-such-flag");
  });

  it("reads zap JSON lines", () => {
    expect(
      meaningfulLogLine('{"level":"info","msg":"ok"}\n{"level":"fatal","msg":"failed to start","error":"bad flag"}'),
    ).toBe("failed to start: bad flag");
  });
});

describe("readableLogLine", () => {
  it("keeps both ends of a long line, where etcd puts the cause", () => {
    const line = readableLogLine(
      `C | etcdmain: error validating peerURLs {${"x".repeat(500)}}: member count is unequal`,
    );
    expect(line.length).toBeLessThanOrEqual(300);
    expect(line.startsWith("etcdmain: error validating peerURLs")).toBe(true);
    expect(line.endsWith("member count is unequal")).toBe(true);
  });
});
