import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { startResponder, type ResponderProcess } from "../support/responder-process.js";
import { serviceApi } from "../support/service-api.js";
import { tokenKubeconfig } from "../support/token-kubeconfig.js";

const CONFIG = ["clusters:", "  - name: example", "    members: 3", ""].join("\n");

describe("AUTH_TOKEN is trimmed and checked at start, as AUTH_TOKEN_FILE is", () => {
  let redis: TestRedis;
  let dir: string;
  let config: string;
  const services: ResponderProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "auth-token-env-"));
    config = join(dir, "responder.yaml");
    await writeFile(config, CONFIG);
    // No Kubernetes is needed: the kubeconfig points at a port nobody serves.
    await writeFile(join(dir, "kubeconfig"), tokenKubeconfig("https://127.0.0.1:1"));
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("a blank AUTH_TOKEN: exit 2 with one line saying why", async () => {
    const service = await startResponder({
      mode: "serve",
      config,
      redisURL: redis.url,
      token: " ",
      waitUntilStarted: false,
    });
    services.push(service);
    expect(await service.exited).toEqual({ code: 2, signal: null });
    expect(service.output().trim().split("\n")).toEqual([
      "etcd-responder serve: AUTH_TOKEN is blank: it holds only white space; set the token " +
        "(white space around it is not part of it)",
    ]);
  });

  it("AUTH_TOKEN with a space after it: the token without the space is the one requests carry", async () => {
    const service = await startResponder({
      mode: "serve",
      config,
      redisURL: redis.url,
      token: "abc ",
      env: { KUBECONFIG: join(dir, "kubeconfig") },
    });
    services.push(service);
    expect((await serviceApi(service.url, "abc").get("/v1/clusters")).status).toBe(200);
    expect((await serviceApi(service.url, "abd").get("/v1/clusters")).status).toBe(401);
  });
});
