import { Etcd3, type IOptions } from "etcd3";

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
