import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Etcd3, type IOptions } from "etcd3";
import { etcdClientOptions } from "./etcd-cluster-checks.js";
import type { SandboxProcess } from "./sandbox-process.js";

/**
 * Turns etcd's password authentication on, as a person would with `etcdctl user add root`, `role add root`,
 * `user grant-role root root` and `auth enable`: the user `root`, with the role `root`, and `password`.
 */
export async function enableEtcdAuth(options: IOptions, password: string): Promise<void> {
  const admin = new Etcd3(options);
  try {
    await admin.role("root").create();
    await (await admin.user("root").create(password)).addRole("root");
    await admin.auth.authEnable();
  } finally {
    admin.close();
  }
}

/**
 * Turns password authentication on in the sandbox's first cluster (user `root`), makes the sandbox's checks
 * authenticate, and writes the password to a file in the sandbox's folder. Resolves with the `auth:` settings a
 * responder configuration needs (`writeServiceConfig`'s `clusterAuth`).
 */
export async function enableSandboxEtcdAuth(
  sandbox: SandboxProcess,
  password: string,
): Promise<{ username: string; passwordFile: string }> {
  const cluster = sandbox.info.clusters[0]!;
  await enableEtcdAuth(
    etcdClientOptions(
      sandbox.info,
      cluster.members.map((m) => m.clientURL),
    ),
    password,
  );
  sandbox.info.etcdAuth = { username: "root", password };
  const passwordFile = join(sandbox.dir, "etcd-password");
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  return { username: "root", passwordFile };
}
