import { DeadlineExceededError, AuthSettingsError } from "../core/errors.js";
import { readAuthSettings } from "../intake/auth.js";
import type { RecoveryOutcome } from "../recovery/context.js";
import {
  createRecoveriesClient,
  createRecoveryPrinter,
  followRecovery,
  ServiceRequestError,
} from "./service-client.js";
import { processIO, type CommandIO, parseOptions, UsageError } from "./options.js";
import { ENQUEUE_USAGE, RECOVER_EXIT_CODES } from "./usage.js";

/** How often the recovery is read while following it. */
const FOLLOW_INTERVAL_MS = 250;

const DEFAULT_TIMEOUT_SECONDS = 600;

/**
 * Asks a running service to recover one member (`POST /v1/recoveries`) and follows the recovery to its
 * end, printing each step once as it ends. Exit codes as `recover`: 0 succeeded, 3 skipped (healthy),
 * 4 refused, 1 failed (or the service refused the request, or the deadline passed), 2 usage.
 */
export async function enqueueCommand(argv: string[], io: CommandIO = processIO): Promise<number> {
  const values = parseOptions("enqueue", argv, {
    url: { type: "string" },
    cluster: { type: "string" },
    member: { type: "string" },
    namespace: { type: "string" },
    timeout: { type: "string" },
  });
  for (const flag of ["url", "cluster", "member"] as const) {
    if (!values[flag]) throw new UsageError(`enqueue: --${flag} is required (${ENQUEUE_USAGE})`);
  }
  const member = Number(values.member);
  if (!Number.isInteger(member) || member < 1)
    throw new UsageError(`enqueue: --member must be a member number (1, 2, ...), got "${values.member}"`);
  const timeoutSeconds = values.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : Number(values.timeout);
  if (!(timeoutSeconds > 0) || !Number.isFinite(timeoutSeconds)) {
    throw new UsageError(`enqueue: --timeout must be a number of seconds greater than 0, got "${values.timeout}"`);
  }
  const url = values.url ?? "";
  if (!/^https?:\/\/[^/]/.test(url))
    throw new UsageError(`enqueue: --url must be the service's http:// or https:// URL, got "${url}"`);

  let authorization: string | undefined;
  try {
    authorization = authorizationFrom(io.env);
  } catch (error) {
    if (error instanceof AuthSettingsError) {
      io.stderr(`etcd-responder enqueue: ${error.message}`);
      return 2;
    }
    throw error;
  }

  const client = createRecoveriesClient({ baseUrl: url, ...(authorization ? { authorization } : {}) });
  try {
    const answer = await client.requestRecovery({
      cluster: values.cluster ?? "",
      member,
      ...(values.namespace ? { namespace: values.namespace } : {}),
    });
    io.stdout(answer.deduplicated ? `joined the queued recovery ${answer.id}` : `queued recovery ${answer.id}`);
    const printer = createRecoveryPrinter(io.stdout);
    const reported = new Set<string>();
    const record = await followRecovery({
      client,
      id: answer.id,
      intervalMs: FOLLOW_INTERVAL_MS,
      timeoutMs: timeoutSeconds * 1000,
      onRecord: (seen) => printer.show(seen),
      onTransientError: (error) => {
        if (reported.has(error.message)) return;
        reported.add(error.message);
        io.stderr(`etcd-responder enqueue: ${error.message}; still trying`);
      },
    });
    return RECOVER_EXIT_CODES[record.state as RecoveryOutcome];
  } catch (error) {
    if (error instanceof ServiceRequestError || error instanceof DeadlineExceededError) {
      io.stderr(`etcd-responder enqueue: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

/** The bearer token (else basic credentials) from the environment; none when neither is set. */
function authorizationFrom(env: NodeJS.ProcessEnv): string | undefined {
  const auth = readAuthSettings(env, { insecureNoAuth: true });
  if (auth.token !== undefined) return `Bearer ${auth.token}`;
  if (auth.basic !== undefined)
    return `Basic ${Buffer.from(`${auth.basic.username}:${auth.basic.password}`, "utf8").toString("base64")}`;
  return undefined;
}
