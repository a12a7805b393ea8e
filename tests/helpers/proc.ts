/**
 * Reading /proc from tests. Deno 2.9 lets a process read /proc only under `--allow-all`,
 * which the test task does not grant, so each read falls back to `cat` (bounded by
 * coreutils `timeout`) when the direct read is refused.
 *
 * @module
 */

/** The `/proc/PID/stat` line of every process, by pid. */
export function procStats(): Map<number, string> {
  const out = new Map<number, string>();
  try {
    for (const e of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(e.name)) continue;
      try {
        out.set(Number(e.name), Deno.readTextFileSync(`/proc/${e.name}/stat`));
      } catch { /* gone */ }
    }
    return out;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied)) {
      return out; // no /proc
    }
  }
  for (const line of catProc("/proc/[0-9]*/stat").split("\n")) {
    const pid = Number(line.slice(0, line.indexOf(" ")));
    if (pid > 0) out.set(pid, line);
  }
  return out;
}

/** One process's `/proc/PID/stat` line, or undefined when it is gone. */
export function procStat(pid: number): string | undefined {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied)) {
      return undefined;
    }
  }
  const line = catProc(`/proc/${pid}/stat`).trim();
  return line === "" ? undefined : line;
}

/** The fields after the parenthesised command name (state is [0], ppid [1], start [19]). */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

function catProc(glob: string): string {
  try {
    const r = new Deno.Command("sh", {
      args: ["-c", `exec timeout 5 sh -c 'cat ${glob} 2>/dev/null'`],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    return new TextDecoder().decode(r.stdout);
  } catch {
    return "";
  }
}
