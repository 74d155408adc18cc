/** A member ID as etcdctl prints it (hex), from the API's uint64 decimal string. */
export function hexId(id: string): string {
  try {
    return BigInt(id).toString(16);
  } catch {
    return id;
  }
}
