import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config/load.js";
import { ConfigError } from "../../src/core/errors.js";
import { CA_PEM, CERT_PEM, KEY_PEM, PASSWORD } from "./fixtures.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "responder-config-"));
  await writeFile(join(dir, "ca.pem"), CA_PEM);
  await writeFile(join(dir, "client.pem"), CERT_PEM);
  await writeFile(join(dir, "client-key.pem"), KEY_PEM);
  await writeFile(join(dir, "password"), `${PASSWORD}\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadConfig", () => {
  it("reads the file and the files it names, relative to its own directory", async () => {
    const path = join(dir, "config.yaml");
    await writeFile(
      path,
      `clusters:
  - name: example
    members: 3
    naming: { clientURL: "https://{name}{index}:2379" }
    tls: { caFile: ca.pem, certFile: client.pem, keyFile: client-key.pem }
    auth: { username: root, passwordFile: password }
`,
    );
    const config = await loadConfig(path);
    expect(config.catalog.clusters[0]?.tls?.key).toBe(KEY_PEM);
    expect(config.catalog.clusters[0]?.auth?.password).toBe(PASSWORD);
  });

  it("rejects a missing configuration file with a ConfigError naming it", async () => {
    const path = join(dir, "absent.yaml");
    await expect(loadConfig(path)).rejects.toThrow(ConfigError);
    await expect(loadConfig(path)).rejects.toThrow(`${path}: cannot read the configuration file: no such file`);
  });

  it("names the file in validation errors", async () => {
    const path = join(dir, "bad.yaml");
    await writeFile(path, "clusters:\n  - name: example\n    members: five\n");
    await expect(loadConfig(path)).rejects.toThrow(
      `${path}: clusters[0].members: expected a number from 1 to 9, got "five"`,
    );
  });

  it("rejects a missing TLS file", async () => {
    const path = join(dir, "missing-tls.yaml");
    await writeFile(
      path,
      'clusters: [{ name: a, members: 1, naming: { clientURL: "https://a{index}:2379" }, tls: { caFile: nope.pem } }]\n',
    );
    await expect(loadConfig(path)).rejects.toThrow(
      `${path}: clusters[0].tls.caFile: cannot read "${join(dir, "nope.pem")}": no such file`,
    );
  });
});
