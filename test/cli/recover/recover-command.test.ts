import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../../src/cli/options.js";
import { lastLine, recoverCommand } from "../../../src/cli/recover.js";
import { RECOVER_EXIT_CODES } from "../../../src/cli/usage.js";

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l), env: {} } };
}

describe("recover command line", () => {
  let dir: string;
  let config: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "recover-command-"));
    config = join(dir, "responder.yaml");
    await writeFile(config, "clusters:\n  - name: example\n    members: 3\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    [["--cluster", "example", "--member", "3"], /--config is required/],
    [["--config", "c.yaml", "--member", "3"], /--cluster is required/],
    [["--config", "c.yaml", "--cluster", "example"], /--member is required/],
    [["--config", "c.yaml", "--cluster", "example", "--member", "three"], /--member must be a member number/],
    [["--config", "c.yaml", "--cluster", "example", "--member", "3", "--force"], /^recover: Unknown option '--force'/],
  ])("rejects %j as a usage error", async (argv, message) => {
    await expect(recoverCommand(argv, io().io)).rejects.toThrow(UsageError);
    await expect(recoverCommand(argv, io().io)).rejects.toThrow(message);
  });

  it("exits 2 with one line when the configuration cannot be read", async () => {
    const { err, io: streams } = io();
    expect(
      await recoverCommand(["--config", join(dir, "missing.yaml"), "--cluster", "example", "--member", "1"], streams),
    ).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^etcd-responder recover: .*missing\.yaml: cannot read the configuration file/);
  });

  it("exits 2 naming the configured clusters when the cluster is unknown", async () => {
    const { err, io: streams } = io();
    expect(await recoverCommand(["--config", config, "--cluster", "other", "--member", "1"], streams)).toBe(2);
    expect(err[0]).toBe(
      `etcd-responder recover: ${config}: no configured cluster "other"; configured clusters: default/example`,
    );
  });

  it("exits 2 when the member number is outside the cluster", async () => {
    const { err, io: streams } = io();
    expect(await recoverCommand(["--config", config, "--cluster", "example", "--member", "4"], streams)).toBe(2);
    expect(err[0]).toBe(
      `etcd-responder recover: ${config}: cluster default/example has members 1 to 3; there is no member 4`,
    );
  });

  it("maps outcomes to exit codes", () => {
    expect(RECOVER_EXIT_CODES).toEqual({ succeeded: 0, skipped: 3, refused: 4, failed: 1 });
  });

  it("ends with a line that says why", () => {
    const steps: never[] = [];
    expect(
      lastLine({ outcome: "succeeded", reason: "recovered member example3 of default/example", steps }, 0.52),
    ).toBe("Done in 0.5 s: recovered member example3 of default/example.");
    expect(lastLine({ outcome: "skipped", reason: "already healthy: x", steps }, 1)).toBe(
      "Nothing to do: already healthy: x.",
    );
    expect(lastLine({ outcome: "refused", reason: "quorum is lost: y", steps }, 1)).toBe(
      "Refused, nothing was changed: quorum is lost: y.",
    );
    expect(lastLine({ outcome: "failed", reason: "interrupted; run again to resume", steps }, 2)).toBe(
      "Failed after 2.0 s: interrupted; run again to resume.",
    );
    expect(lastLine({ outcome: "succeeded", reason: "Pod p is in CrashLoopBackOff", steps, plan: ["a"] }, 1)).toBe(
      "Dry run, nothing was changed; the recovery would act because: Pod p is in CrashLoopBackOff.",
    );
  });
});
