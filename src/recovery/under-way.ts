import { RECOVERY_UNDER_WAY_ANNOTATION, RENEW_CLAIM_ANNOTATION } from "../core/labels.js";
import type { MemberWorkload } from "../core/config/types.js";
import type { RecoveryContext } from "./context.js";
import { describeWorkload, readWorkload, updateWorkload, type WorkloadObject } from "./member-workload.js";

/** What marking and clearing need of a recovery. */
type MarkContext = Pick<RecoveryContext, "kubernetes" | "cluster" | "member" | "clock" | "holder">;

/** What the annotation says about the recovery that changed the member. */
export interface RecoveryUnderWay {
  /** When the recovery first changed the member, ISO time; `unknown` when the annotation cannot be read. */
  since: string;
  /** Who held the cluster's Lease then (`host-1234`); `unknown` when the annotation cannot be read. */
  by: string;
  /** The etcd member under recovery; absent on a Deployment (it runs one member) and in unreadable marks. */
  member?: string;
}

/** The mark a recovery left on the workload, if any. A mark that is not ours to read still counts. */
export function readUnderWay(object: WorkloadObject | undefined): RecoveryUnderWay | undefined {
  const value = object?.metadata?.annotations?.[RECOVERY_UNDER_WAY_ANNOTATION];
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(value) as Partial<Record<keyof RecoveryUnderWay, unknown>>;
    return {
      since: typeof parsed.since === "string" ? parsed.since : "unknown",
      by: typeof parsed.by === "string" ? parsed.by : "unknown",
      ...(typeof parsed.member === "string" ? { member: parsed.member } : {}),
    };
  } catch {
    return { since: "unknown", by: "unknown" };
  }
}

/** One human sentence about the mark, for progress lines and failure reasons. */
export function describeUnderWay(workload: MemberWorkload, mark: RecoveryUnderWay): string {
  const whose = mark.member ? ` of member ${mark.member}` : "";
  return `${describeWorkload(workload)} is marked as under recovery${whose} since ${mark.since} (by ${mark.by})`;
}

/**
 * Whether a mark belongs to this member's recovery: a Deployment runs one member, so its mark always does; a
 * StatefulSet's names the member (an unreadable one is taken as another member's).
 */
export function markIsOwn(mark: RecoveryUnderWay, ctx: Pick<RecoveryContext, "member">): boolean {
  return ctx.member.workload.kind === "Deployment" || mark.member === ctx.member.name;
}

/**
 * Marks the member's workload (`object`, as just read) as under recovery before the recovery's first change to
 * it, so that any later run knows; keeps an existing mark (its time says when the member was first changed).
 * `also` makes further changes in the same write.
 */
export async function markUnderWay(
  ctx: MarkContext,
  object: WorkloadObject,
  also?: (latest: WorkloadObject) => void,
): Promise<WorkloadObject> {
  if (readUnderWay(object) && !also) return object;
  const member = ctx.member.workload.kind === "StatefulSet" ? { member: ctx.member.name } : {};
  const value = JSON.stringify({ since: new Date(ctx.clock.now()).toISOString(), by: ctx.holder, ...member });
  return updateWorkload(ctx.kubernetes, ctx.cluster.namespace, ctx.member, (latest) => {
    const metadata = (latest.metadata ??= {});
    const annotations = (metadata.annotations ??= {});
    annotations[RECOVERY_UNDER_WAY_ANNOTATION] ??= value;
    also?.(latest);
  });
}

/**
 * Removes the mark once the member is healthy again; a workload without it is left untouched. Answers whether
 * there was one.
 */
export async function clearUnderWay(ctx: MarkContext): Promise<boolean> {
  const object = await readWorkload(ctx.kubernetes, ctx.cluster.namespace, ctx.member);
  if (!readUnderWay(object)) return false;
  await updateWorkload(ctx.kubernetes, ctx.cluster.namespace, ctx.member, (latest) => {
    delete latest.metadata?.annotations?.[RECOVERY_UNDER_WAY_ANNOTATION];
    // A claim renewal an attempt recorded but never carried out is moot once the member is healthy.
    delete latest.metadata?.annotations?.[RENEW_CLAIM_ANNOTATION];
  });
  return true;
}
