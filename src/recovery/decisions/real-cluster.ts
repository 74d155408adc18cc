/** The cluster ID one member reported. */
export interface ClusterIdReport {
  /** The client URL that answered. */
  clientURL: string;
  /** The cluster ID it reported, uint64 decimal. */
  clusterId: string;
}

/** Which cluster the answering members belong to. */
export interface RealCluster {
  /** The cluster's ID; undefined when nobody answered (and none is pinned) or the answers are ambiguous. */
  clusterId?: string;
  /** Client URLs of the members that answered for `clusterId`. */
  members: string[];
  /** Members that answered for another cluster: never used for decisions. */
  foreign: ClusterIdReport[];
  /** Why no cluster ID can be trusted, when so. */
  problem?: { reason: "cluster-id-mismatch" | "cluster-id-ambiguous"; message: string };
}

/**
 * The cluster the recovery works on: the pinned ID when configured, else the ID most answering members
 * report. A tie goes against the ID of the member being recovered (it is the suspect one); a tie that
 * remains is a problem, since acting on the wrong cluster would be worse than not acting.
 */
export function chooseRealCluster(
  reports: readonly ClusterIdReport[],
  options: { pinned?: string; suspect?: string } = {},
): RealCluster {
  const split = (clusterId: string | undefined): RealCluster => ({
    ...(clusterId !== undefined ? { clusterId } : {}),
    members: reports.filter((r) => r.clusterId === clusterId).map((r) => r.clientURL),
    foreign: reports.filter((r) => r.clusterId !== clusterId),
  });

  if (options.pinned !== undefined) {
    const result = split(options.pinned);
    if (reports.length > 0 && result.members.length === 0) {
      const seen = [...new Set(reports.map((r) => r.clusterId))].join(", ");
      result.problem = {
        reason: "cluster-id-mismatch",
        message:
          `no etcd member answers for the configured cluster ID ${options.pinned}; the members that answer ` +
          `report ${seen}`,
      };
    }
    return result;
  }
  if (reports.length === 0) return split(undefined);

  const counts = new Map<string, number>();
  for (const report of reports) counts.set(report.clusterId, (counts.get(report.clusterId) ?? 0) + 1);
  const most = Math.max(...counts.values());
  let leaders = [...counts.entries()].filter(([, n]) => n === most).map(([id]) => id);
  if (leaders.length > 1 && options.suspect !== undefined) {
    const suspectId = reports.find((r) => r.clientURL === options.suspect)?.clusterId;
    leaders = leaders.filter((id) => id !== suspectId);
  }
  if (leaders.length === 1) return split(leaders[0]);

  const groups = [...counts.keys()]
    .map(
      (id) =>
        `${id} (${reports
          .filter((r) => r.clusterId === id)
          .map((r) => r.clientURL)
          .join(", ")})`,
    )
    .join(" vs ");
  return {
    ...split(undefined),
    problem: {
      reason: "cluster-id-ambiguous",
      message:
        `as many members answer for one cluster ID as for another: ${groups}; pin clusterID in the ` + `configuration`,
    },
  };
}
