import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { collect } from "./isolation-harness.js";

const packageRoot = resolve(import.meta.dirname, "../..");
const nodeModules = resolve(packageRoot, "../../node_modules");
const tsc = join(nodeModules, "typescript/bin/tsc");

/**
 * Imports the compiled `forwarding-thread.js` at argv[1] (plain Node, no tsx), starts the thread, has it
 * forward a port of 127.0.0.1 to a server of this process, and prints what a client got through it.
 */
const CLIENT = `const { ForwardingThread } = await import(process.argv[1]);
const net = await import("node:net");
const listening = (server) => new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server.address().port)));
const backend = net.createServer((socket) => socket.end("compiled"));
const backendPort = await listening(backend);
const probe = net.createServer();
const port = await listening(probe);
await new Promise((ok) => probe.close(ok));
const quiet = () => undefined;
const logger = { isLevelEnabled: () => false, debug: quiet, info: quiet, warn: quiet, error: console.error };
const thread = await ForwardingThread.start({ logger, onRestart: quiet });
const backends = [{ ip: "127.0.0.1", port: backendPort }];
console.log(JSON.stringify(await thread.serve("default/web", "127.0.0.1", [{ port, backends }])));
const answer = await new Promise((ok, fail) => {
  let got = "";
  net.connect(port, "127.0.0.1").on("data", (chunk) => (got += chunk)).on("end", () => ok(got)).on("error", fail);
});
console.log(answer);
await thread.stop();
backend.close();`;

describe("the forwarding thread compiled to JavaScript, as the package's build makes it", () => {
  const scratch = mkdtempSync(join(tmpdir(), "compiled-forwarding-"));

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("starts its worker from the compiled module next to it and forwards", async () => {
    // The build's settings, for the forwarding thread's modules only (the worker is not imported by the thread).
    const config = join(scratch, "tsconfig.json");
    writeFileSync(
      config,
      JSON.stringify({
        extends: join(packageRoot, "tsconfig.build.json"),
        compilerOptions: {
          rootDir: join(packageRoot, "src"),
          outDir: join(scratch, "dist"),
          declaration: false,
          typeRoots: [join(nodeModules, "@types")],
        },
        files: ["forwarding-thread.ts", "forwarding-worker.ts"].map((file) => join(packageRoot, "src/node", file)),
        include: [],
      }),
    );
    const build = await collect(
      spawn(process.execPath, [tsc, "-p", config], { detached: true, stdio: ["ignore", "pipe", "pipe"] }),
      "tsc",
      60_000,
    );
    expect(build.code, build.stdout + build.stderr).toBe(0);

    const compiled = pathToFileURL(join(scratch, "dist/node/forwarding-thread.js")).href;
    const run = await collect(
      spawn(process.execPath, ["--input-type=module", "-e", CLIENT, compiled], {
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      }),
      "the compiled forwarding thread's client",
      30_000,
    );
    expect(run.code, run.stderr).toBe(0);
    const [outcomes, answer] = run.stdout.trim().split("\n");
    expect(JSON.parse(outcomes ?? "null")).toMatchObject([{ listening: true }]);
    expect(answer).toBe("compiled");
  });
});
