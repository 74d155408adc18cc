import { describe, expect, it } from "vitest";
import { readServiceEnv } from "../../src/service/env.js";
import { ServiceEnvError } from "../../src/core/errors.js";

describe("readServiceEnv", () => {
  it("has the defaults the Dockerfile and the chart rely on", () => {
    expect(readServiceEnv({ HOSTNAME: "responder-7c9d" }, 42)).toEqual({
      port: 8080,
      workerPort: 8081,
      host: "0.0.0.0",
      redis: { url: "redis://127.0.0.1:6379", waitReplicas: 0 },
      queuePrefix: "etcd-responder",
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
      QUEUE_PREFIX: "team-a.responder",
    };
    expect(readServiceEnv(env, 7)).toEqual({
      port: 0,
      workerPort: 9091,
      host: "127.0.0.1",
      redis: { url: "rediss://:pw@redis:6380/1", waitReplicas: 0 },
      queuePrefix: "team-a.responder",
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
    ["REDIS_WAIT_REPLICAS", "one", /^REDIS_WAIT_REPLICAS must be a number of replicas from 0 to 99/],
    ["REDIS_WAIT_REPLICAS", "-1", /^REDIS_WAIT_REPLICAS must be/],
    ["QUEUE_PREFIX", "etcd responder", /^QUEUE_PREFIX may hold only letters, digits .*, got "etcd responder"$/],
    ["QUEUE_PREFIX", "etcd-responder:prod", /^QUEUE_PREFIX may hold only .* no `:`/],
    ["QUEUE_PREFIX", "{}etcd", /^QUEUE_PREFIX may hold \{ and \} only as one hash tag/],
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

  describe("Redis through Sentinel", () => {
    const sentinelEnv = {
      REDIS_SENTINELS: "sentinel-0:26379, 10.0.0.7:26380,[fd00::7]:26381",
      REDIS_MASTER_NAME: "responder",
    };

    it("reads the Sentinels and the master name, and waits for one replica by default", () => {
      expect(readServiceEnv(sentinelEnv, 1).redis).toEqual({
        url: "redis://127.0.0.1:6379",
        sentinel: {
          sentinels: [
            { host: "sentinel-0", port: 26379 },
            { host: "10.0.0.7", port: 26380 },
            { host: "fd00::7", port: 26381 },
          ],
          masterName: "responder",
        },
        waitReplicas: 1,
      });
    });

    it("takes the master's credentials, database and TLS from REDIS_URL, and the Sentinels' password", () => {
      const env = {
        ...sentinelEnv,
        REDIS_URL: "rediss://app:secret@ignored:6379/2",
        REDIS_SENTINEL_PASSWORD: " watch ",
        REDIS_WAIT_REPLICAS: "2",
      };
      expect(readServiceEnv(env, 1).redis).toEqual({
        url: "rediss://app:secret@ignored:6379/2",
        sentinel: {
          sentinels: expect.any(Array) as unknown,
          masterName: "responder",
          password: "watch",
        },
        waitReplicas: 2,
      });
    });

    it("reads the Sentinels' password from REDIS_SENTINEL_PASSWORD_FILE", () => {
      const read = (path: string) => (path === "/secrets/sentinel" ? "from-file\n" : "");
      const env = { ...sentinelEnv, REDIS_SENTINEL_PASSWORD_FILE: "/secrets/sentinel" };
      expect(readServiceEnv(env, 1, read).redis.sentinel?.password).toBe("from-file");
    });

    it("lets REDIS_WAIT_REPLICAS=0 answer without waiting for replicas", () => {
      expect(readServiceEnv({ ...sentinelEnv, REDIS_WAIT_REPLICAS: "0" }, 1).redis.waitReplicas).toBe(0);
    });

    it.each([
      [{ REDIS_SENTINELS: "s:26379" }, "REDIS_MASTER_NAME", /go together .*; REDIS_MASTER_NAME is not set$/],
      [{ REDIS_MASTER_NAME: "responder" }, "REDIS_SENTINELS", /go together .*; REDIS_SENTINELS is not set$/],
      [{ ...sentinelEnv, REDIS_SENTINELS: "sentinel-0" }, "REDIS_SENTINELS", /"sentinel-0" is not host:port$/],
      [{ ...sentinelEnv, REDIS_SENTINELS: "s:26379,,t:26379" }, "REDIS_SENTINELS", /"" is not host:port$/],
      [{ ...sentinelEnv, REDIS_SENTINELS: "s:70000" }, "REDIS_SENTINELS", /"s:70000" is not host:port$/],
      [{ ...sentinelEnv, REDIS_MASTER_NAME: "my master" }, "REDIS_MASTER_NAME", /^REDIS_MASTER_NAME must be/],
      [{ REDIS_SENTINEL_PASSWORD: "pw" }, "REDIS_SENTINEL_PASSWORD", /is for Sentinel: set REDIS_SENTINELS/],
      [
        { ...sentinelEnv, REDIS_SENTINEL_PASSWORD: "pw", REDIS_SENTINEL_PASSWORD_FILE: "/f" },
        "REDIS_SENTINEL_PASSWORD",
        /^set REDIS_SENTINEL_PASSWORD or REDIS_SENTINEL_PASSWORD_FILE, not both$/,
      ],
    ])("refuses %j, naming %s", (env, variable, message) => {
      let error: unknown;
      try {
        readServiceEnv(env, 1, () => "unused");
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ServiceEnvError);
      expect((error as ServiceEnvError).variable).toBe(variable);
      expect((error as Error).message).toMatch(message);
    });

    it("names an unreadable REDIS_SENTINEL_PASSWORD_FILE, and never repeats the password", () => {
      const missing = () => {
        throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
      };
      const env = { ...sentinelEnv, REDIS_SENTINEL_PASSWORD_FILE: "/secrets/none" };
      expect(() => readServiceEnv(env, 1, missing)).toThrow(
        /^cannot read REDIS_SENTINEL_PASSWORD_FILE "\/secrets\/none": no such file$/,
      );
      let message = "";
      try {
        readServiceEnv({ REDIS_SENTINEL_PASSWORD: "hunter2" }, 1);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/is for Sentinel/);
      expect(message).not.toContain("hunter2");
    });
  });

  describe("a Redis Cluster", () => {
    const clusterEnv = {
      REDIS_CLUSTER_NODES: "redis-0:6379, 10.0.0.7:6380,[fd00::7]:6381",
      QUEUE_PREFIX: "{etcd-responder}",
    };

    it("reads the seed nodes and the prefix, and waits for one replica by default", () => {
      const env = readServiceEnv(clusterEnv, 1);
      expect(env.redis).toEqual({
        url: "redis://127.0.0.1:6379",
        cluster: {
          nodes: [
            { host: "redis-0", port: 6379 },
            { host: "10.0.0.7", port: 6380 },
            { host: "fd00::7", port: 6381 },
          ],
        },
        waitReplicas: 1,
      });
      expect(env.queuePrefix).toBe("{etcd-responder}");
    });

    it("takes the credentials and TLS from REDIS_URL, database 0 or none, and REDIS_WAIT_REPLICAS", () => {
      for (const url of ["rediss://app:secret@unused:6379/0", "redis://:secret@unused", "redis://:secret@unused/"]) {
        const env = readServiceEnv({ ...clusterEnv, REDIS_URL: url, REDIS_WAIT_REPLICAS: "0" }, 1);
        expect(env.redis).toMatchObject({ url, waitReplicas: 0 });
      }
    });

    it("takes a prefix with a hash tag anywhere in it", () => {
      expect(readServiceEnv({ ...clusterEnv, QUEUE_PREFIX: "prod-{etcd}" }, 1).queuePrefix).toBe("prod-{etcd}");
    });

    it.each([
      [
        { REDIS_CLUSTER_NODES: "redis-0:6379" },
        "QUEUE_PREFIX",
        new RegExp(
          String.raw`^a Redis Cluster \(REDIS_CLUSTER_NODES\) needs QUEUE_PREFIX with a hash tag, so that every key ` +
            String.raw`of the service is in one hash slot: set QUEUE_PREFIX=\{etcd-responder\} \(it is unset, which ` +
            String.raw`means "etcd-responder"\)$`,
        ),
      ],
      [
        { ...clusterEnv, QUEUE_PREFIX: "responder" },
        "QUEUE_PREFIX",
        /: set QUEUE_PREFIX=\{responder\}, not "responder"$/,
      ],
      [{ ...clusterEnv, QUEUE_PREFIX: "{}responder" }, "QUEUE_PREFIX", /only as one hash tag with something in it/],
      [{ ...clusterEnv, QUEUE_PREFIX: "{a b}" }, "QUEUE_PREFIX", /no white space/],
      [
        { ...clusterEnv, REDIS_SENTINELS: "s:26379", REDIS_MASTER_NAME: "m" },
        "REDIS_CLUSTER_NODES",
        /^REDIS_CLUSTER_NODES \(a Redis Cluster\) and REDIS_SENTINELS \(Sentinel\) are two ways to reach Redis: set/,
      ],
      [{ ...clusterEnv, REDIS_MASTER_NAME: "m" }, "REDIS_CLUSTER_NODES", /and REDIS_MASTER_NAME \(Sentinel\)/],
      [
        { ...clusterEnv, REDIS_SENTINEL_PASSWORD: "pw" },
        "REDIS_SENTINEL_PASSWORD",
        /is for Sentinel, not for a Redis Cluster/,
      ],
      [
        { ...clusterEnv, REDIS_CLUSTER_NODES: "redis-0" },
        "REDIS_CLUSTER_NODES",
        /e\.g\. redis-0:6379,redis-1:6379; "redis-0" is not host:port$/,
      ],
      [{ ...clusterEnv, REDIS_CLUSTER_NODES: "a:1,,b:2" }, "REDIS_CLUSTER_NODES", /"" is not host:port$/],
      [{ ...clusterEnv, REDIS_CLUSTER_NODES: "a:0" }, "REDIS_CLUSTER_NODES", /"a:0" is not host:port$/],
      [
        { ...clusterEnv, REDIS_CLUSTER_NODES: "redis://a:6379" },
        "REDIS_CLUSTER_NODES",
        /"redis:\/\/a:6379" is not host:port$/,
      ],
      [{ ...clusterEnv, REDIS_CLUSTER_NODES: "a:6379,A:6379" }, "REDIS_CLUSTER_NODES", /lists "a:6379" twice$/],
      [
        { ...clusterEnv, REDIS_URL: "redis://:hunter2@unused:6379/2" },
        "REDIS_URL",
        /^a Redis Cluster \(REDIS_CLUSTER_NODES\) has database 0 only: REDIS_URL names database "2"/,
      ],
    ])("refuses %j, naming %s", (env, variable, message) => {
      let error: unknown;
      try {
        readServiceEnv(env, 1, () => "unused");
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ServiceEnvError);
      expect((error as ServiceEnvError).variable).toBe(variable);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain("hunter2");
      expect((error as Error).message).not.toContain("\n");
    });
  });
});
