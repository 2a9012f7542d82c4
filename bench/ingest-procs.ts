/**
 * CPU accounting from /proc for the `ingest` and `proxy` scenarios: the whole machine's busy cores (every
 * process, ours or other sessions') and the CPU of the brokers this process spawned (redis-server,
 * Kafka's JVM), which report nothing over IPC. Zeros elsewhere than Linux.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: /proc's clock ticks per second. */
const HZ = 100;

/** Busy CPU seconds of the whole machine so far (all but idle and iowait, from /proc/stat). */
export function machineBusySeconds(): number {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8')
      .split('\n', 1)[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return (cpu[0]! + cpu[1]! + cpu[2]! + cpu[5]! + cpu[6]! + cpu[7]!) / HZ;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) of this process's direct children by command name (`java`, `redis-server`, …). */
export function childCpuByName(): Map<string, number> {
  const out = new Map<string, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // `pid (comm) state ppid … utime stime …`: comm may hold spaces, so split after its ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const rest = stat.slice(close + 2).split(' ');
    if (Number(rest[1]) !== process.pid) continue;
    const cpu = (Number(rest[11]) + Number(rest[12])) / HZ;
    out.set(comm, (out.get(comm) ?? 0) + cpu);
  }
  return out;
}

/** A reading of the machine and the brokers now; `since()` gives the cores each kept busy since. */
export interface CpuReading {
  since(): { wall: number; machineCores: number; parentCpu: number; children: Map<string, number> };
}

export function readCpu(): CpuReading {
  const t0 = performance.now();
  const busy = machineBusySeconds();
  const parent = process.cpuUsage();
  const children = childCpuByName();
  return {
    since() {
      const wall = (performance.now() - t0) / 1000;
      const now = childCpuByName();
      const delta = new Map<string, number>();
      for (const [name, cpu] of now) delta.set(name, cpu - (children.get(name) ?? 0));
      const p = process.cpuUsage(parent);
      return {
        wall,
        machineCores: (machineBusySeconds() - busy) / wall,
        parentCpu: (p.user + p.system) / 1e6,
        children: delta,
      };
    },
  };
}

/** Wall seconds from now to `stop()`, and the cores the whole machine (every process, ours or not) kept busy. */
export function machineCores(): { stop(): { wall: number; cores: number } } {
  const busy = machineBusySeconds();
  const t0 = performance.now();
  return {
    stop() {
      const wall = (performance.now() - t0) / 1000;
      return { wall, cores: (machineBusySeconds() - busy) / wall };
    },
  };
}
