import { describe, expect, it } from "vitest";
import { normalizeClusterId } from "../../../src/core/config/resolve.js";
import { Writable } from "node:stream";
import { inspect } from "node:util";
import { parseConfig } from "../../../src/core/config/load.js";
import { createLogger } from "../../../src/core/logger.js";
import { KEY_PEM, PASSWORD, SECRET_FILES } from "../../support/config-files.js";

describe("normalizeClusterId", () => {
  it("reads hex as etcdctl prints it, with or without 0x, in any case", () => {
    expect(normalizeClusterId("cdf818194e3a8c32")).toBe("14841639068965178418");
    expect(normalizeClusterId("0xcdf818194e3a8c32")).toBe("14841639068965178418");
    expect(normalizeClusterId("CDF818194E3A8C32")).toBe("14841639068965178418");
    expect(normalizeClusterId("0x10")).toBe("16");
  });

  it("reads digits only as decimal", () => {
    expect(normalizeClusterId("14841639068965178418")).toBe("14841639068965178418");
    expect(normalizeClusterId("18446744073709551615")).toBe("18446744073709551615");
  });

  it("rejects zero, values above 64 bits and other text", () => {
    for (const bad of ["0", "0x0", "18446744073709551616", "0x1ffffffffffffffff", "", "xyz", "12 34", "-5"]) {
      expect(normalizeClusterId(bad)).toBeUndefined();
    }
  });
});

const TEXT = `
clusters:
  - name: secure
    members: 3
    naming: { clientURL: "https://{name}{index}:2379" }
    tls: { caFile: ca.pem, certFile: client.pem, keyFile: client-key.pem }
    auth: { username: root, passwordFile: password }
`;

function secureConfig() {
  return parseConfig(TEXT, "config.yaml", { baseDir: "/etc/responder", readFile: SECRET_FILES });
}

const SECRETS = [PASSWORD, "secretKeyMaterial"];

describe("secrets of a resolved cluster", () => {
  it("stay readable for the code that needs them", () => {
    const cluster = secureConfig().catalog.clusters[0];
    expect(cluster?.tls?.key).toBe(KEY_PEM);
    expect(cluster?.auth?.password).toBe(PASSWORD);
  });

  it("are marked [redacted] by toJSON and absent from JSON.stringify", () => {
    const config = secureConfig();
    const cluster = config.catalog.clusters[0];
    const json = cluster?.toJSON() as { tls: { key: string }; auth: { password: string; username: string } };
    expect(json.tls.key).toBe("[redacted]");
    expect(json.auth).toEqual({ username: "root", password: "[redacted]" });
    const text = JSON.stringify(config);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(text).toContain('"password":"[redacted]"');
    expect(text).toContain("BEGIN CERTIFICATE");
  });

  it("do not show in util.inspect (console.log) or in a spread copy", () => {
    const config = secureConfig();
    const printed = inspect(config, { depth: 10 });
    for (const secret of SECRETS) expect(printed).not.toContain(secret);
    const copy = JSON.stringify({ ...config.catalog.clusters[0] });
    for (const secret of SECRETS) expect(copy).not.toContain(secret);
  });

  it("do not reach a log line", () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ destination });
    const config = secureConfig();
    logger.info({ cluster: config.catalog.clusters[0], config }, "configuration loaded");
    expect(lines).toHaveLength(1);
    for (const secret of SECRETS) expect(lines[0]).not.toContain(secret);
    expect(lines[0]).toContain('"username":"root"');
  });
});
