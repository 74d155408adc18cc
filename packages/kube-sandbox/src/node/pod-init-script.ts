/**
 * The shell program that becomes a Pod's first process (PID 1 of its PID namespace), run by `sh -c` inside
 * fresh mount, PID, UTS and IPC namespaces and the Pod's network namespace. Arguments: ROOT UPPER WORK
 * HOSTNAME, then HOSTPATH MOUNTPATH ro|rw per volume. It mounts an overlay of the host's root file system
 * (writes land in UPPER), a fresh /proc, a minimal /dev, a read-only /sys of the Pod's network namespace and
 * the volumes at their mount paths (symbolic links resolved inside ROOT), sets the host name, pivots into
 * ROOT and detaches the host's tree, prints `ready PID` (its pid as the host sees it), then waits forever,
 * reaping orphans, until SIGTERM.
 */
export const POD_INIT_SCRIPT = String.raw`
set -eu
read -r host_pid _ < /proc/self/stat
root=$1 upper=$2 work=$3 name=$4
shift 4
mount -t overlay overlay -o "lowerdir=/,upperdir=$upper,workdir=$work" "$root"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
mount -t tmpfs -o nosuid,mode=755 tmpfs "$root/dev"
for device in null zero full random urandom tty; do
  touch "$root/dev/$device"
  mount --bind "/dev/$device" "$root/dev/$device"
done
mkdir "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
ln -s /proc/self/fd "$root/dev/fd"
mount -t tmpfs -o nosuid,nodev tmpfs "$root/dev/shm"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
while [ $# -ge 3 ]; do
  # The mount path is made and resolved inside the Pod's root, so a symbolic link on the way (Debian's
  # /var/run -> /run) leads where the Pod will see it, never to the host's own tree.
  if [ -d "$1" ]; then
    chroot "$root" mkdir -p "$2"
  else
    chroot "$root" sh -c 'mkdir -p "$(dirname "$1")" && touch "$1"' pod-init "$2"
  fi
  target="$root$(chroot "$root" realpath -e "$2")"
  mount --bind "$1" "$target"
  if [ "$3" = ro ]; then mount -o remount,bind,ro "$target"; fi
  shift 3
done
hostname "$name"
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
