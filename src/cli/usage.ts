import type { RecoveryOutcome } from "../recovery/context.js";

/**
 * How each command is called, kept apart from the commands themselves so that the CLI loads only the command it runs.
 */
export const RECOVER_USAGE =
  "etcd-responder recover --config FILE --cluster NAME [--namespace NS] --member N [--dry-run]";

export const ENQUEUE_USAGE =
  "etcd-responder enqueue --url URL --cluster NAME --member N [--namespace NS] [--timeout SECONDS]";

export const EXAMPLE_CLUSTER_USAGE =
  "etcd-responder example-cluster --name NAME --members N [--workload deployment|statefulset] [--namespace NS] " +
  "[--image IMAGE] [--tls-secret SECRET] [--out DIR]";

/**
 * Exit codes of `recover` and `enqueue`: 0 recovered (or planned), 3 nothing to do, 4 refused as unsafe, 1 failed;
 * 2 is usage or configuration.
 */
export const RECOVER_EXIT_CODES: Readonly<Record<RecoveryOutcome, number>> = {
  succeeded: 0,
  skipped: 3,
  refused: 4,
  failed: 1,
};
