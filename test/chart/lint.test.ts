import { describe, expect, it } from "vitest";
import { CI_VALUES_FILES, runHelm } from "../support/helm-chart.js";

/** Lint findings that are problems; helm's INFO lines (an icon is recommended) are advice. */
const problems = (output: string) => output.split("\n").filter((line) => /^\[(WARNING|ERROR)\]/.test(line));

describe("helm lint", () => {
  it("passes with the default values", async () => {
    const run = await runHelm(["lint", "chart", "--strict"]);
    expect(problems(run.stdout + run.stderr)).toEqual([]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
  });

  it.each(CI_VALUES_FILES)("passes strictly with %s", async (file) => {
    const run = await runHelm(["lint", "chart", "--strict", "--values", file]);
    expect(problems(run.stdout + run.stderr)).toEqual([]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
  });

  it("covers the ci values files the chart's CI is meant to render", () => {
    expect(CI_VALUES_FILES).toEqual([
      "chart/ci/all-mode-values.yaml",
      "chart/ci/cluster-redis-values.yaml",
      "chart/ci/external-redis-values.yaml",
      "chart/ci/monitoring-values.yaml",
      "chart/ci/multi-namespace-values.yaml",
      "chart/ci/sentinel-redis-values.yaml",
      "chart/ci/serverless-values.yaml",
    ]);
  });
});
