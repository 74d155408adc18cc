import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/errors.js";
import { createLogger } from "../../src/core/logger.js";
import { kubernetesAccess } from "../../src/service/kubernetes-access.js";
import { tokenKubeconfig } from "../support/token-kubeconfig.js";

describe("kubernetesAccess", () => {
  let dir: string;
  const previous = process.env.KUBECONFIG;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kubernetes-access-"));
  });
  afterAll(async () => {
    if (previous === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = previous;
    await rm(dir, { recursive: true, force: true });
  });

  it("makes the gateway at the first call, tries again after a failed load, then answers the one it made", async () => {
    const file = join(dir, "kubeconfig");
    process.env.KUBECONFIG = file;
    await writeFile(file, "");
    const access = kubernetesAccess(createLogger({ level: "silent" }));

    await expect(access()).rejects.toThrow(ConfigError);
    await expect(access()).rejects.toThrow(`KUBECONFIG=${file}: the file is empty or is not a kubeconfig`);

    // Fixed: the next call loads it. Nothing is asked of the server (port 9 serves nothing) until a request.
    await writeFile(file, tokenKubeconfig("https://127.0.0.1:9"));
    const gateway = await access();
    expect(typeof gateway.listPods).toBe("function");
    await writeFile(file, "");
    expect(await access(), "the gateway made once is kept, whatever the file says since").toBe(gateway);
  });
});
