/** Votes a cluster of `voters` voting members needs for any change: floor(n/2)+1. */
export function quorumOf(voters: number): number {
  return Math.floor(voters / 2) + 1;
}
