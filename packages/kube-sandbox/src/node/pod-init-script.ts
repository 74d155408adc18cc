/**
 * Run by `sh` inside the Pod's root (chroot), before any volume is mounted: makes each volume's mount point
 * and prints, one per line, the path it resolves to inside the root. Symbolic links on the way (Debian's
 * `/var/run` -> `/run`) are followed inside the root, so a volume lands where the Pod will see it, never in
 * the host's own tree. Arguments: COUNT, then KIND (`dir` or `file`) and MOUNTPATH per volume. Only
 * builtins run, except `mkdir` for a folder that is missing and `realpath` for a file that is a link.
 */
export const PREPARE_MOUNT_POINTS = [
  "set -eu",
  "count=$1",
  "shift",
  'while [ "$count" -gt 0 ]; do',
  "  kind=$1 path=$2",
  "  shift 2",
  "  count=$((count - 1))",
  '  if [ "$kind" = dir ]; then',
  '    [ -d "$path" ] || mkdir -p -- "$path"',
  '    cd -P -- "$path"',
  "    printf '%s\\n' \"$PWD\"",
  "  else",
  "    parent=${path%/*}",
  "    parent=${parent:-/}",
  '    [ -d "$parent" ] || mkdir -p -- "$parent"',
  '    [ -e "$path" ] || : > "$path"',
  '    if [ -L "$path" ]; then',
  '      realpath -e -- "$path"',
  "    else",
  '      cd -P -- "$parent"',
  '      printf \'%s/%s\\n\' "${PWD%/}" "${path##*/}"',
  "    fi",
  "  fi",
  "  cd /",
  "done",
].join("\n");

/**
 * The shell program that becomes a Pod's first process (PID 1 of its PID namespace), run by `sh -c` inside
 * fresh mount, PID, UTS and IPC namespaces and the Pod's network namespace.
 *
 * Arguments: ROOT UPPER WORK HOSTNAME DEVFILES PREPARE (`PREPARE_MOUNT_POINTS`) COUNT, then KIND and
 * MOUNTPATH per volume, then HOSTPATH and `ro`|`rw` per volume, in the same order.
 *
 * It mounts an overlay of the host's root file system (writes land in UPPER), a fresh /proc, a minimal /dev
 * (device nodes copied from the host's, plus DEVFILES: the `pts` and `shm` folders and the `ptmx` and `fd`
 * links), a read-only /sys of the Pod's network namespace and the volumes at their mount paths, sets the
 * host name, pivots into ROOT and detaches the host's tree, prints `ready PID` (its pid as the host sees
 * it), then waits forever, reaping orphans, until SIGTERM. Each external program costs a process start,
 * which is most of a Pod's start-up, so the program runs as few as it can.
 */
export const POD_INIT_SCRIPT = String.raw`
set -eu
read -r host_pid _ < /proc/self/stat
root=$1 upper=$2 work=$3 name=$4 devfiles=$5 prepare=$6 count=$7
shift 7
mount -t overlay overlay -o "lowerdir=/,upperdir=$upper,workdir=$work" "$root"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
mount -t tmpfs -o nosuid,mode=755 tmpfs "$root/dev"
cp -a /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty "$devfiles/." "$root/dev/"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$root/dev/pts"
mount -t tmpfs -o nosuid,nodev tmpfs "$root/dev/shm"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
if [ "$count" -gt 0 ]; then
  targets=$(chroot "$root" /bin/sh -c "$prepare" prepare-mount-points "$count" "$@")
  shift $((count * 2))
  while [ $# -ge 2 ]; do
    IFS= read -r target
    if [ "$2" = ro ]; then options=bind,ro; else options=bind; fi
    mount -o "$options" -- "$1" "$root$target"
    shift 2
  done <<EOF
$targets
EOF
fi
printf '%s' "$name" > /proc/sys/kernel/hostname
cd "$root"
pivot_root . .
umount -l .
cd /
echo "ready $host_pid"
trap 'exit 0' TERM INT
while :; do
  sleep infinity &
  wait
done
`;
