/**
 * How long a benchmark lets an etcd cluster settle before a membership change: etcd refuses to add a
 * member until it has been connected to every voting peer for about 5 s, while a real cluster that needs a
 * recovery has long been up.
 */
export const ETCD_SETTLE_MS = 6000;
