import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/core/config/load.js";
import { ConfigError } from "../../src/core/errors.js";

const SOURCE = "config.yaml";
const CLUSTERS = "clusters:\n  - name: a\n    members: 3\n";

function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, SOURCE);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("service settings", () => {
  it("defaults every field when the section is absent", () => {
    const config = parseConfig(CLUSTERS, SOURCE);
    expect(config.service).toEqual({
      alertNames: ["KubePodCrashLooping"],
      defaultMode: "act",
      history: { maxRecoveries: 1000, maxAgeHours: 168 },
      circuitBreaker: { failures: 3, windowMinutes: 60 },
      retry: { attempts: 5, backoffSeconds: 2 },
      sweep: { enabled: false, intervalSeconds: 60 },
    });
    expect(config.catalog.clusters[0]?.mode).toBeUndefined();
    expect("mode" in (config.catalog.clusters[0] ?? {})).toBe(false);
  });

  it("defaults the fields a partial section leaves out", () => {
    const config = parseConfig(
      `${CLUSTERS}service:\n  defaultMode: observe\n  retry: { attempts: 2 }\n  sweep: { enabled: true }\n`,
      SOURCE,
    );
    expect(config.service).toMatchObject({
      defaultMode: "observe",
      retry: { attempts: 2, backoffSeconds: 2 },
      sweep: { enabled: true, intervalSeconds: 60 },
      history: { maxRecoveries: 1000, maxAgeHours: 168 },
    });
  });

  it("keeps every field given", () => {
    const text = `${CLUSTERS}service:
  alertNames: [KubePodCrashLooping, EtcdMemberDown]
  defaultMode: paused
  history: { maxRecoveries: 10, maxAgeHours: 1.5 }
  circuitBreaker: { failures: 5, windowMinutes: 30 }
  retry: { attempts: 1, backoffSeconds: 0.5 }
  sweep: { enabled: true, intervalSeconds: 15 }
`;
    expect(parseConfig(text, SOURCE).service).toEqual({
      alertNames: ["KubePodCrashLooping", "EtcdMemberDown"],
      defaultMode: "paused",
      history: { maxRecoveries: 10, maxAgeHours: 1.5 },
      circuitBreaker: { failures: 5, windowMinutes: 30 },
      retry: { attempts: 1, backoffSeconds: 0.5 },
      sweep: { enabled: true, intervalSeconds: 15 },
    });
  });

  it("reads a cluster's own mode", () => {
    const config = parseConfig(
      "clusters:\n  - { name: a, members: 1, mode: observe }\n  - { name: b, members: 1 }\n",
      SOURCE,
    );
    expect(config.catalog.clusters.map((c) => c.mode)).toEqual(["observe", undefined]);
  });

  it("names the key of every bad value", () => {
    expect(errorOf(`${CLUSTERS}service:\n  defaultMode: fix\n`).message).toBe(
      'config.yaml: service.defaultMode: expected act, observe or paused, got "fix"',
    );
    expect(errorOf("clusters:\n  - { name: a, members: 1, mode: on }\n").message).toBe(
      'config.yaml: clusters[0].mode: expected act, observe or paused, got "on"',
    );
    expect(errorOf(`${CLUSTERS}service:\n  retry: { attempts: 0 }\n`).message).toBe(
      "config.yaml: service.retry.attempts: expected a whole number from 1 to 100, got 0",
    );
    expect(errorOf(`${CLUSTERS}service:\n  retry: { backoffSeconds: -1 }\n`).message).toBe(
      "config.yaml: service.retry.backoffSeconds: expected a number of seconds greater than 0, got -1",
    );
    expect(errorOf(`${CLUSTERS}service:\n  history: { maxRecoveries: 2.5 }\n`).message).toBe(
      "config.yaml: service.history.maxRecoveries: expected a whole number from 1 to 1000000, got 2.5",
    );
    expect(errorOf(`${CLUSTERS}service:\n  circuitBreaker: { windowMinutes: 0 }\n`).message).toBe(
      "config.yaml: service.circuitBreaker.windowMinutes: expected a number of minutes greater than 0, got 0",
    );
    expect(errorOf(`${CLUSTERS}service:\n  alertNames: []\n`).message).toBe(
      "config.yaml: service.alertNames: expected at least one alert name",
    );
    expect(errorOf(`${CLUSTERS}service:\n  alertNames: [""]\n`).message).toBe(
      'config.yaml: service.alertNames[0]: expected an alert name, got ""',
    );
    expect(errorOf(`${CLUSTERS}service:\n  sweep: { enabled: yes please }\n`).message).toBe(
      'config.yaml: service.sweep.enabled: expected true or false, got "yes please"',
    );
  });

  it("rejects unknown keys, naming them", () => {
    expect(errorOf(`${CLUSTERS}service:\n  retries: 3\n`).message).toBe("config.yaml: service.retries: unknown key");
    expect(errorOf(`${CLUSTERS}service:\n  history: { max: 3 }\n`).message).toBe(
      "config.yaml: service.history.max: unknown key",
    );
  });
});
