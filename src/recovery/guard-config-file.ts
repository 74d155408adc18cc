import { UnsafeRecoveryError } from "../core/errors.js";
import { configFileOf } from "./decisions/config-file.js";
import type { Diagnosis } from "./diagnose.js";
import { describeWorkload } from "./member-workload.js";
import { findEtcdContainer } from "./pods.js";
import type { RecoveryRun } from "./recovery-run.js";

/**
 * Guard's refusal of a member whose etcd reads a configuration file (`--config-file` or `ETCD_CONFIG_FILE`): etcd then
 * ignores every other flag and `ETCD_*` variable, so the initial cluster settings the recovery writes into the
 * template would not reach the new member, and the responder does not change files. Refused before any change.
 */
export function refuseConfigFile(run: RecoveryRun, diagnosis: Diagnosis): void {
  const { workload } = run.ctx.member;
  const container = findEtcdContainer(diagnosis.member.object?.spec?.template?.spec?.containers ?? []);
  const config = container && configFileOf(container);
  if (!config) return;
  const named = config.file ? `${config.setting} ${config.file}` : config.setting;
  throw new UnsafeRecoveryError(
    "config-file",
    `${describeWorkload(workload)} starts etcd with ${named}, so etcd ignores every other flag and ETCD_* variable ` +
      `and would never see the initial cluster settings the recovery gives member ${run.ctx.member.name}; the ` +
      `responder does not change configuration files. Recover the member by hand (etcdctl member remove, member ` +
      `add, then start it on an empty data dir with the file's initial-cluster-state existing), or run etcd ` +
      `without the file (bitnami chart: no configuration or existingConfigmap), then run again`,
  );
}
