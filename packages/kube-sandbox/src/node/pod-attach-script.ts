/**
 * The shell program that gives a Pod its network namespace, run by `sh -c` on the host: one process where
 * separate `ip` and `sysctl` runs from the sandbox would each be a process start of its own (most of a Pod's
 * network set-up) and a round trip through its event loop. It stops at the first failure; what it made by
 * then is removed by the caller (`PodNetwork.removePod`).
 *
 * Arguments: NETNS HOSTVETH CREATE PODSIDE HOSTSIDE, the last three `ip -batch` commands, one per line:
 * CREATE makes the namespace and the veth pair (its Pod end inside the namespace), PODSIDE runs inside the
 * namespace, HOSTSIDE on the host. IPv6 is turned off in the namespace and on the host end before any of
 * their interfaces comes up, so nothing autoconfigures or solicits.
 */
export const ATTACH_POD_SCRIPT = String.raw`
set -eu
netns=$1 host_veth=$2 create=$3 pod_side=$4 host_side=$5
ip -batch - <<BATCH
$create
BATCH
nsenter "--net=/run/netns/$netns" sh -c '
set -eu
echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6
echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6
exec ip -batch -
' <<BATCH
$pod_side
BATCH
echo 1 > "/proc/sys/net/ipv6/conf/$host_veth/disable_ipv6"
ip -batch - <<BATCH
$host_side
BATCH
`;
