import { describe, expect, it } from "vitest";
import { readServiceEnv } from "../../src/service/env.js";
import { ServiceEnvError } from "../../src/core/errors.js";

describe("readServiceEnv", () => {
  it("has the defaults the Dockerfile and the chart rely on", () => {
    expect(readServiceEnv({ HOSTNAME: "responder-7c9d" }, 42)).toEqual({
      port: 8080,
      workerPort: 8081,
      host: "0.0.0.0",
      redisUrl: "redis://127.0.0.1:6379",
      logLevel: "info",
      holder: "responder-7c9d-42",
      idleHeapRelease: true,
    });
  });

  it("reads every variable, empty ones counting as unset", () => {
    const env = {
      PORT: "0",
      WORKER_PORT: "9091",
      HOST: "127.0.0.1",
      REDIS_URL: "rediss://:pw@redis:6380/1",
      LOG_LEVEL: "debug",
      POD_NAME: "worker-0",
      HOSTNAME: "ignored",
      IDLE_HEAP_RELEASE: "off",
    };
    expect(readServiceEnv(env, 7)).toEqual({
      port: 0,
      workerPort: 9091,
      host: "127.0.0.1",
      redisUrl: "rediss://:pw@redis:6380/1",
      logLevel: "debug",
      holder: "worker-0-7",
      idleHeapRelease: false,
    });
    expect(readServiceEnv({ PORT: "", POD_NAME: "", HOSTNAME: "h" }, 1)).toMatchObject({ port: 8080, holder: "h-1" });
  });

  it.each([
    ["PORT", "http", /^PORT must be a port number from 0 to 65535/],
    ["PORT", "65536", /^PORT must be/],
    ["WORKER_PORT", "-1", /^WORKER_PORT must be/],
    ["WORKER_PORT", "80.5", /^WORKER_PORT must be/],
    ["LOG_LEVEL", "verbose", /^LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent/],
    ["REDIS_URL", "http://redis:6379", /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
  ])("refuses %s=%s, naming the variable", (name, value, message) => {
    let error: unknown;
    try {
      readServiceEnv({ [name]: value }, 1);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ServiceEnvError);
    expect((error as ServiceEnvError).variable).toBe(name);
    expect((error as Error).message).toMatch(message);
    expect((error as ServiceEnvError).retryable).toBe(false);
  });

  it("takes IDLE_HEAP_RELEASE as on or off only", () => {
    expect(readServiceEnv({ IDLE_HEAP_RELEASE: "on" }).idleHeapRelease).toBe(true);
    expect(() => readServiceEnv({ IDLE_HEAP_RELEASE: "yes" })).toThrow(
      'IDLE_HEAP_RELEASE must be on or off, got "yes"',
    );
  });

  it("never repeats a Redis URL that may hold a password", () => {
    expect(() => readServiceEnv({ REDIS_URL: "redis//:hunter2@redis" }, 1)).toThrow(ServiceEnvError);
    try {
      readServiceEnv({ REDIS_URL: "redis//:hunter2@redis" }, 1);
    } catch (error) {
      expect((error as Error).message).not.toContain("hunter2");
    }
  });
});
