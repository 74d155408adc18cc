/** Whether a process with this pid still exists; one that exited and was not yet reaped (a zombie) counts. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
