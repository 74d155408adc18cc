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
 * Arguments: ROOT HOSTNAME DEVFILES PREPARE (`PREPARE_MOUNT_POINTS`) FIRST LAST COUNT, then KIND and
 * MOUNTPATH per volume, then HOSTPATH and `ro`|`rw` per volume, in the same order. FIRST and LAST are fstab
 * files (`podFstab`): FIRST mounts the overlay at ROOT, /proc, /dev and /sys; LAST, to which the program
 * appends the volumes, `/dev/pts` and `/dev/shm`.
 *
 * It mounts an overlay of the host's root file system, a fresh /proc, a minimal /dev (device nodes copied
 * from the host's, plus DEVFILES: the `pts` and `shm` folders and the `ptmx` and `fd` links), a read-only
 * /sys of the Pod's network namespace and the volumes at their mount paths, sets the host name, pivots into
 * ROOT and detaches the host's tree, prints `ready PID` (its pid as the host sees it), then waits forever,
 * reaping orphans, until SIGTERM. Each external program costs a process start, which is most of a Pod's
 * start-up, so the program runs as few as it can: one `mount -a` per fstab file rather than a `mount` per
 * mount. A volume whose paths hold white space or a backslash is mounted by a `mount` of its own, after what
 * is listed before it, so that no path needs quoting by the shell.
 */
export const POD_INIT_SCRIPT = String.raw`
set -eu
read -r host_pid _ < /proc/self/stat
root=$1 name=$2 devfiles=$3 prepare=$4 first=$5 last=$6 count=$7
shift 7
mount -a --fstab "$first"
cp -a /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty "$devfiles/." "$root/dev/"
if [ "$count" -gt 0 ]; then
  targets=$(chroot "$root" /bin/sh -c "$prepare" prepare-mount-points "$count" "$@")
  shift $((count * 2))
  while [ $# -ge 2 ]; do
    IFS= read -r target
    if [ "$2" = ro ]; then options=bind,ro; else options=bind; fi
    case "$1$root$target" in
      *[[:space:]\\]*)
        mount -a --fstab "$last"
        : > "$last"
        mount -o "$options" -- "$1" "$root$target"
        ;;
      *) printf '%s %s none %s 0 0\n' "$1" "$root$target" "$options" >> "$last" ;;
    esac
    shift 2
  done <<TARGETS
$targets
TARGETS
fi
mount -a --fstab "$last"
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

/** A path as a field of an fstab line: ASCII white space and backslashes as octal escapes, which `mount` reads back. */
export function fstabField(path: string): string {
  return path.replace(/[\\ \t\n\r\v\f]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`);
}

/**
 * The two fstab files `POD_INIT_SCRIPT` mounts from, as their text: `first` the overlay of the host's root
 * file system at `root` (writes land in `upper`), a fresh /proc, a /dev of its own and a read-only /sys;
 * `last` the Pod's own `devpts` and `/dev/shm`, mounted once the device nodes are copied, then the volumes
 * (which the program appends).
 */
export function podFstab(root: string, upper: string, work: string): { first: string; last: string } {
  const line = (source: string, target: string, type: string, options: string) =>
    `${fstabField(source)} ${fstabField(target)} ${type} ${options} 0 0\n`;
  const under = (path: string) => `${root}/${path}`;
  return {
    first: [
      line("overlay", root, "overlay", fstabField(`lowerdir=/,upperdir=${upper},workdir=${work}`)),
      line("proc", under("proc"), "proc", "nosuid,nodev,noexec"),
      line("tmpfs", under("dev"), "tmpfs", "nosuid,mode=755"),
      line("sysfs", under("sys"), "sysfs", "ro,nosuid,nodev,noexec"),
    ].join(""),
    last: [
      line("devpts", under("dev/pts"), "devpts", "newinstance,ptmxmode=0666,mode=620"),
      line("tmpfs", under("dev/shm"), "tmpfs", "nosuid,nodev"),
    ].join(""),
  };
}
