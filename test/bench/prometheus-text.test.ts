import { describe, expect, it } from "vitest";
import { sampleValue } from "../../bench/prometheus-text.js";

const TEXT = [
  "# HELP nodejs_eventloop_lag_max_seconds The maximum recorded event loop delay.",
  "# TYPE nodejs_eventloop_lag_max_seconds gauge",
  "nodejs_eventloop_lag_max_seconds 0.012",
  "nodejs_eventloop_lag_max_seconds_extra 9",
  'etcd_responder_alerts_total{result="enqueued"} 3',
].join("\n");

describe("sampleValue", () => {
  it("reads the first sample of a metric, with or without labels, and not of a longer name", () => {
    expect(sampleValue(TEXT, "nodejs_eventloop_lag_max_seconds")).toBe(0.012);
    expect(sampleValue(TEXT, "etcd_responder_alerts_total")).toBe(3);
  });

  it("throws naming a metric the text does not have", () => {
    expect(() => sampleValue(TEXT, "process_resident_memory_bytes")).toThrow(/process_resident_memory_bytes/);
  });
});
