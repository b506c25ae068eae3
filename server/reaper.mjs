// workerd outlives a SIGKILLed parent (it holds the port and the state's SQLite files), so a
// restart on the same --persist-to could run next to an orphan writing the same files. A tiny
// shell watches both processes and kills workerd once this process is gone. Linux only (/proc);
// elsewhere kill the whole process group, as the test harness does.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";

/** Pids of this process's direct children (from /proc; empty where there is no /proc). */
function childPids() {
  const tasks = `/proc/${process.pid}/task`;
  if (!existsSync(tasks)) return [];
  return readdirSync(tasks).flatMap((tid) => {
    try {
      return readFileSync(`${tasks}/${tid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
}

function commandOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0];
  } catch {
    return "";
  }
}

/** Kills every workerd child of this process within ~200 ms of this process dying, however it dies. */
export function reapWorkerdWithParent() {
  const workerds = childPids().filter((pid) => commandOf(pid).endsWith("/workerd"));
  for (const pid of workerds) {
    const script = `while kill -0 ${pid} 2>/dev/null; do if ! kill -0 ${process.pid} 2>/dev/null; then kill -9 ${pid}; exit 0; fi; sleep 0.2; done`;
    // Not detached: a signal to the whole process group (Ctrl-C, the harness) ends it too.
    spawn("/bin/sh", ["-c", script], { stdio: "ignore" }).unref();
  }
  return workerds;
}
