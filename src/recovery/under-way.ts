import type { V1Deployment } from "@kubernetes/client-node";
import { RECOVERY_UNDER_WAY_ANNOTATION } from "../core/labels.js";
import type { RecoveryContext } from "./context.js";

/** What marking and clearing need of a recovery. */
type MarkContext = Pick<RecoveryContext, "kubernetes" | "cluster" | "member" | "clock" | "holder">;

/** What the annotation says about the recovery that changed the member. */
export interface RecoveryUnderWay {
  /** When the recovery first changed the member, ISO time; `unknown` when the annotation cannot be read. */
  since: string;
  /** Who held the cluster's Lease then (`host-1234`); `unknown` when the annotation cannot be read. */
  by: string;
}

/** The mark a recovery left on the Deployment, if any. A mark that is not ours to read still counts. */
export function readUnderWay(deployment: V1Deployment | undefined): RecoveryUnderWay | undefined {
  const value = deployment?.metadata?.annotations?.[RECOVERY_UNDER_WAY_ANNOTATION];
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(value) as Partial<Record<keyof RecoveryUnderWay, unknown>>;
    return {
      since: typeof parsed.since === "string" ? parsed.since : "unknown",
      by: typeof parsed.by === "string" ? parsed.by : "unknown",
    };
  } catch {
    return { since: "unknown", by: "unknown" };
  }
}

/** One human sentence about the mark, for progress lines and failure reasons. */
export function describeUnderWay(deployment: string, mark: RecoveryUnderWay): string {
  return `Deployment ${deployment} is marked as under recovery since ${mark.since} (by ${mark.by})`;
}

/**
 * Marks the member's Deployment (`deployment`, as just read) as under recovery before the recovery's first
 * change to it, so that any later run knows; keeps an existing mark (its time says when the member was first
 * changed).
 */
export async function markUnderWay(ctx: MarkContext, deployment: V1Deployment): Promise<void> {
  if (readUnderWay(deployment)) return;
  const value = JSON.stringify({ since: new Date(ctx.clock.now()).toISOString(), by: ctx.holder });
  await ctx.kubernetes.updateDeployment(ctx.cluster.namespace, ctx.member.deployment, (deployment) => {
    const metadata = (deployment.metadata ??= {});
    const annotations = (metadata.annotations ??= {});
    annotations[RECOVERY_UNDER_WAY_ANNOTATION] ??= value;
  });
}

/**
 * Removes the mark once the member is healthy again; a Deployment without it is left untouched. Answers
 * whether there was one.
 */
export async function clearUnderWay(ctx: MarkContext): Promise<boolean> {
  const deployment = await ctx.kubernetes.readDeployment(ctx.cluster.namespace, ctx.member.deployment);
  if (!readUnderWay(deployment)) return false;
  await ctx.kubernetes.updateDeployment(ctx.cluster.namespace, ctx.member.deployment, (latest) => {
    delete latest.metadata?.annotations?.[RECOVERY_UNDER_WAY_ANNOTATION];
  });
  return true;
}
