import { describe, expect, it } from "vitest";
import { QueueUnavailableError } from "../../src/core/errors.js";
import { capturingLogger } from "../support/capturing-logger.js";

const SECRET = "pw-9d2f61c0";

/** An error shaped as ioredis rejects a command: the command with its arguments on the error. */
function commandError(message: string): Error {
  return Object.assign(new Error(message), { command: { name: "auth", args: ["default", SECRET] } });
}

describe("errors in log lines", () => {
  it("keep the failed command's name and message but never its arguments, however deep", () => {
    const { logger, lines } = capturingLogger();
    const refused = commandError("WRONGPASS invalid username-password pair or user is disabled.");
    logger.debug({ err: refused }, "top level");
    logger.warn({ err: new QueueUnavailableError("queue a recovery", "redis:6379", { cause: refused }) }, "cause");
    logger.warn({ err: new AggregateError([refused], "all failed") }, "aggregate");
    logger.warn({ err: Object.assign(new Error("retries"), { previousErrors: [refused] }) }, "held in a field");

    expect(JSON.stringify(lines())).not.toContain(SECRET);
    const refusedMessage = expect.stringMatching(/^WRONGPASS/) as string;
    expect(lines().map((line) => line.err)).toMatchObject([
      { message: refusedMessage, command: { name: "auth", args: "[redacted]" } },
      { type: "QueueUnavailableError", message: expect.stringMatching(/: WRONGPASS invalid/) as string },
      { aggregateErrors: [{ command: { name: "auth", args: "[redacted]" } }] },
      { previousErrors: [{ message: refusedMessage, command: { name: "auth", args: "[redacted]" } }] },
    ]);
    // The error logged is left as it was.
    expect(refused).toMatchObject({ command: { args: ["default", SECRET] } });
  });
});
