import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot, RUN_TYPESCRIPT } from "../support/tools.js";

/** Runs `script` (an ES module) in a Node.js process of its own and returns what it wrote. */
function runModule(script: string): { stdout: string; stderr: string; status: number | null } {
  const run = spawnSync(process.execPath, [...RUN_TYPESCRIPT, "--input-type=module", "--eval", script], {
    cwd: repoRoot,
    encoding: "utf8",
    timeout: 30_000,
  });
  return { stdout: run.stdout, stderr: run.stderr, status: run.status };
}

describe("logProcessWarnings", () => {
  it("logs a warning as one JSON line instead of Node's own lines on standard error", () => {
    const modules = (file: string) => JSON.stringify(join(repoRoot, "src/core", file));
    const run = runModule(
      `import { createLogger } from ${modules("logger.ts")};\n` +
        `import { logProcessWarnings } from ${modules("process-warnings.ts")};\n` +
        "logProcessWarnings(createLogger());\n" +
        // What grpc-js makes Node say when it connects over TLS to an etcd member addressed by IP.
        'const tls = await import("node:tls");\n' +
        'tls.connect({ host: "127.0.0.1", port: 9, servername: "127.0.0.1" }).on("error", () => undefined);\n',
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({
        level: "warn",
        msg: "process warning",
        warning: expect.objectContaining({ name: "DeprecationWarning", code: "DEP0123" }) as unknown,
      }),
    ]);
  });
});
