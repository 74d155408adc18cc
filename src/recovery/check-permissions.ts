import {
  MissingPermissionsError,
  PermissionCheckError,
  UnsafeRecoveryError,
  messageOf,
  retryableOf,
} from "../core/errors.js";
import { KubernetesApiError } from "../gateways/kubernetes/errors.js";
import { type AccessAttributes, permissionsFor } from "../gateways/kubernetes/kubernetes-gateway.js";
import type { RecoveryRun, StepOutcome } from "./recovery-run.js";
import { describeAccess, missingPermissionsMessage, requiredAccess } from "./permissions.js";
import { seconds } from "./report.js";
import { describeUnderWay, markIsOwn, readUnderWay } from "./under-way.js";
import { memberLayout } from "./member-layout.js";
import { describeWorkload, readWorkload, workloadEventTarget } from "./member-workload.js";

/** What the permission check hands on (observe mode only has something to hand). */
export interface PermissionCheck {
  /** Why acting would be refused, naming the missing permissions; undefined when nothing is missing. */
  refusal?: string;
}

/**
 * Step 0, Permissions: ask the API server (SelfSubjectAccessReview, all at once) whether the responder may make
 * every request a recovery of the member's layout can make in the cluster's namespace, including those only late
 * steps make (a Deployment whose Pods mount a claim also needs the claim's). Nothing is
 * remembered from an earlier recovery: RBAC can change at any time. In act mode a missing permission refuses the
 * recovery before the Lease is taken (taking it is already a write); in observe mode it is reported and the dry
 * run goes on. A review that fails is never taken as "allowed": a denied review refuses, any other failure fails
 * the recovery (retryable when the failure was).
 */
export async function checkPermissions(run: RecoveryRun): Promise<StepOutcome<PermissionCheck>> {
  const { ctx } = run;
  const startedAt = ctx.clock.now();
  const layout = await memberLayout(ctx.kubernetes, ctx.cluster.namespace, ctx.member);
  const wanted = requiredAccess(permissionsFor(layout), ctx.cluster.namespace);
  const allowed = await Promise.all(
    wanted.map((access) =>
      ctx.kubernetes.reviewAccess(access).then(
        (decision) => decision.allowed,
        (error: unknown) => Promise.reject(reviewFailure(access, error)),
      ),
    ),
  );
  const missing = wanted.filter((_, i) => !allowed[i]);
  const took = seconds(ctx.clock.now() - startedAt);
  if (missing.length === 0) {
    return {
      outcome: "done",
      detail:
        `the responder may make all ${wanted.length} kinds of request a recovery makes in namespace ` +
        `${ctx.cluster.namespace} (checked in ${took})`,
      result: {},
    };
  }
  const refusal = missingPermissionsMessage(missing);
  if (ctx.mode === "act") {
    // The refusal's Warning Event, when the responder may record Events at all.
    const eventsAllowed = !missing.some((access) => access.resource === "events");
    if (eventsAllowed) {
      run.recordEventsOn(workloadEventTarget(ctx.cluster.namespace, ctx.member));
    }
    await noteEarlierAttempt(run, missing);
    throw new MissingPermissionsError(missing.map(describeAccess), refusal);
  }
  return { outcome: "done", detail: `acting would be refused: ${refusal}`, result: { refusal } };
}

/**
 * Before a refusal: when an earlier attempt marked the member's workload as under recovery, notes it, so that the
 * recovery ends failed, naming the state the workload is left in, and never "refused, nothing was changed". Only
 * when the workload may be read; a failed read is reported and leaves the refusal as it is.
 */
async function noteEarlierAttempt(run: RecoveryRun, missing: readonly AccessAttributes[]): Promise<void> {
  const { kubernetes, cluster, member } = run.ctx;
  const resource = member.workload.kind === "Deployment" ? "deployments" : "statefulsets";
  if (missing.some((a) => a.resource === resource && !a.subresource && a.verb === "get")) return;
  try {
    const mark = readUnderWay(await readWorkload(kubernetes, cluster.namespace, member));
    if (mark && markIsOwn(mark, run.ctx)) run.noteEarlierChange(describeUnderWay(member.workload, mark));
  } catch (error) {
    run.progress(
      `could not read ${describeWorkload(member.workload)} to look for an earlier attempt: ${messageOf(error)}`,
    );
  }
}

/** The error that ends a recovery whose review of `access` failed. */
function reviewFailure(access: AccessAttributes, error: unknown): Error {
  const asked = describeAccess(access);
  const what = `could not check whether the responder may ${asked}, so no permission was taken as granted`;
  if (error instanceof KubernetesApiError && error.statusCode === 403) {
    return new UnsafeRecoveryError(
      "permissions-unknown",
      `${what}: ${error.message}. The responder needs create on selfsubjectaccessreviews.authorization.k8s.io ` +
        `(cluster-wide; Kubernetes grants it to every authenticated user through the ClusterRole system:basic-user)`,
      { cause: error },
    );
  }
  return new PermissionCheckError(`${what}: ${messageOf(error)}`, {
    retryable: retryableOf(error) ?? true,
    cause: error,
  });
}
