import { chmodSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KubeObject } from "../api/object-store.js";
import type { Logger } from "../logger.js";
import type { VolumeTokenFile } from "./pod-volumes.js";
import type { ProjectedTokenIssuer } from "./projected-tokens.js";
import { safeRelativePath } from "./volume-files.js";

/** Share of a token's lifetime after which the kubelet replaces it, as Kubernetes' kubelet does. */
const REFRESH_AT = 0.8;
/** How long a failed replacement waits before it is tried again. */
const RETRY_MS = 1000;

/**
 * Replaces each projected token file of a Pod with a new token once 80% of the old one's lifetime has passed,
 * writing the new file beside it and renaming it over the old one, so a reader sees one whole token or the other.
 */
export class TokenRotation {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  /**
   * @param pod reads the Pod as it is now, whose ServiceAccount the tokens are of
   * @param issuer where new tokens come from
   */
  constructor(
    private readonly pod: () => KubeObject,
    private readonly issuer: ProjectedTokenIssuer,
    private readonly logger: Logger,
  ) {}

  /** Starts replacing `files`, each when its current token nears expiry. */
  start(files: readonly VolumeTokenFile[]): void {
    for (const file of files) this.schedule(file, refreshDelay(file.expiresAtMs));
  }

  /** Replaces nothing more; safe to call twice. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(file: VolumeTokenFile, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.replace(file);
    }, delayMs);
    this.timers.add(timer);
  }

  private replace(file: VolumeTokenFile): void {
    if (this.stopped) return;
    try {
      const issued = this.issuer.issue(this.pod(), file.request);
      const target = join(file.dir, safeRelativePath(file.path));
      const partial = `${target}.tmp-${process.pid}`;
      writeFileSync(partial, issued.token, { mode: file.mode });
      chmodSync(partial, file.mode);
      renameSync(partial, target);
      const expiresAtMs = Date.parse(issued.expirationTimestamp);
      this.logger.debug({ path: file.path, expires: issued.expirationTimestamp }, "replaced projected token");
      this.schedule({ ...file, expiresAtMs }, refreshDelay(expiresAtMs));
    } catch (error) {
      this.logger.warn({ err: error, path: file.path }, "replacing a projected token failed");
      this.schedule(file, RETRY_MS);
    }
  }
}

/** Time until 80% of a token's remaining lifetime has passed, ms. */
function refreshDelay(expiresAtMs: number): number {
  return Math.max(0, (expiresAtMs - Date.now()) * REFRESH_AT);
}
