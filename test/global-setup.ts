import { execFileSync } from "node:child_process";

/** Extracts the pinned kubectl and helm once for the whole run (see test/support/tools.ts). */
export default function setup(): void {
  execFileSync(process.execPath, ["scripts/install-tools.mjs"], { stdio: "ignore" });
}
