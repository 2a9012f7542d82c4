/**
 * CPU and memory of a benchmark server read from /proc, so every server (Node or Centrifugo's Go
 * binary) is measured by the kernel's accounting the same way, whatever it can report about itself.
 * Linux only: elsewhere the readers return undefined and callers fall back to what the server reports.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** USER_HZ, the unit of utime/stime in /proc/<pid>/stat; `getconf` once, 100 when it cannot run. */
const CLK_TCK: number = (() => {
  try {
    const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(hz) && hz > 0 ? hz : 100;
  } catch {
    return 100;
  }
})();

/**
 * User and system CPU of process `pid` (every thread of it) in microseconds, shaped like
 * `process.cpuUsage()`; undefined when /proc has no such process.
 */
export function procCpu(pid: number): NodeJS.CpuUsage | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split after the last ')'.
  // Fields from `state` on: utime is field 14 of the whole line, stime 15, i.e. 11 and 12 here.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const toMicros = (ticks: string | undefined) => (Number(ticks) * 1e6) / CLK_TCK;
  return { user: toMicros(rest[11]), system: toMicros(rest[12]) };
}

/** Resident set size of process `pid` in bytes (VmRSS), as it is now: no collection forced. */
export function procRss(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

/**
 * Write-type system calls process `pid` has made (`syscw` of /proc/<pid>/io: write, writev, send…),
 * every thread; undefined when unreadable. Deliveries per write shows how much a server batches.
 */
export function procWrites(pid: number): number | undefined {
  try {
    const match = /^syscw:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
