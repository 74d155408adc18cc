import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/tools.js";

/**
 * The import rules lint enforces, tried on source text placed at real paths: each rule must fail
 * a change that breaks it, or lint would pass a tree the layout forbids.
 */
describe("lint's import rules", () => {
  const eslint = new ESLint({ cwd: repoRoot });

  /** The rule ids and messages lint reports for `text` as the file at `path`. */
  async function problems(path: string, text: string): Promise<string[]> {
    const [result] = await eslint.lintText(text, { filePath: `${repoRoot}/${path}` });
    return (result?.messages ?? []).map((m) => `${m.ruleId ?? "parse"}: ${m.message}`);
  }

  it("refuses an import of the product from the sandbox package", async () => {
    const found = await problems(
      "packages/kube-sandbox/src/logger.ts",
      'import { messageOf } from "../../../src/core/errors.js";\nexport const m = messageOf;\n',
    );
    expect(found).toContainEqual(
      expect.stringMatching(/^import-x\/no-restricted-paths: .* the sandbox is a package of its own/),
    );
  });

  it("refuses an import from a layer above", async () => {
    const found = await problems(
      "src/core/clock.ts",
      'import { add } from "../recovery/add.js";\nexport const a = add;\n',
    );
    expect(found).toContainEqual(
      expect.stringMatching(/^import-x\/no-restricted-paths: .* src\/core must not import from a layer above/),
    );
  });

  it("refuses an import cycle", async () => {
    // The client-node gateway imports the Lease functions; the reverse closes a cycle.
    const found = await problems(
      "src/gateways/kubernetes/leases.ts",
      'import { eventName } from "./client-node-gateway.js";\nexport const e = eventName;\n',
    );
    expect(found).toContainEqual(expect.stringMatching(/^import-x\/no-cycle: /));
  });

  it("passes the same files as they are", async () => {
    const found = await problems("src/core/clock.ts", "export const second = 1000;\n");
    expect(found).toEqual([]);
  });
});
