/**
 * CPU time and resident memory of a process and all its descendants, from
 * /proc/<pid>/stat (Linux only): what a system under test costs, whatever
 * number of processes and threads it runs.
 *
 * Deno grants /proc only to `--allow-all`, so the files are read by `cat`
 * (the bench already has `--allow-run`) rather than by widening the task.
 *
 * @module
 */

/** Clock ticks per second of utime/stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  readonly name: string;
  readonly ppid: number;
  /** utime + stime, in ticks. */
  readonly ticks: number;
  /** Resident pages (the same count as VmRSS). */
  readonly rssPages: number;
}

/** Runs a shell line and returns its standard output (errors of vanished processes ignored). */
export async function shellOutput(line: string): Promise<string> {
  const out = await new Deno.Command("sh", { args: ["-c", line], stdout: "piped", stderr: "null" })
    .output();
  return new TextDecoder().decode(out.stdout);
}

let pageBytes: number | undefined;

/** Every process's stat line, by pid. */
async function allStats(): Promise<Map<number, ProcStat>> {
  pageBytes ??= Number((await shellOutput("getconf PAGESIZE")).trim()) || 4096;
  const stats = new Map<number, ProcStat>();
  for (const line of (await shellOutput("cat /proc/[0-9]*/stat 2>/dev/null")).split("\n")) {
    const close = line.lastIndexOf(")");
    if (close < 0) continue;
    // The command name may hold spaces and parentheses: fields start after the last ")".
    // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15, rss 24.
    const fields = line.slice(close + 2).split(" ");
    stats.set(Number.parseInt(line), {
      name: line.slice(line.indexOf("(") + 1, close),
      ppid: Number(fields[1]),
      ticks: Number(fields[11]) + Number(fields[12]),
      rssPages: Number(fields[21]),
    });
  }
  return stats;
}

/** What the tree under a root process uses right now. */
export interface TreeUsage {
  /** User + system CPU seconds used so far. */
  readonly cpuSeconds: number;
  /** Resident memory, MiB. */
  readonly rssMiB: number;
  readonly processes: number;
}

function usageOf(stats: Map<number, ProcStat>, root: number): TreeUsage {
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, s] of stats) if (s.ppid === tree[i]) tree.push(pid);
  }
  let ticks = 0;
  let pages = 0;
  for (const pid of tree) {
    ticks += stats.get(pid)?.ticks ?? 0;
    pages += stats.get(pid)?.rssPages ?? 0;
  }
  return {
    cpuSeconds: ticks / TICKS_PER_SECOND,
    rssMiB: (pages * pageBytes!) / 2 ** 20,
    processes: tree.filter((pid) => stats.has(pid)).length,
  };
}

/** CPU time and memory of each root and every live process descending from it, at one instant. */
export async function treeUsages(roots: readonly number[]): Promise<TreeUsage[]> {
  const stats = await allStats();
  return roots.map((root) => usageOf(stats, root));
}

/** CPU time and memory of `root` and every live process descending from it. */
export async function treeUsage(root: number): Promise<TreeUsage> {
  return (await treeUsages([root]))[0]!;
}

/** The pid of this process's child called `name` (as /proc shows it), if there is one. */
export async function childNamed(name: string): Promise<number | undefined> {
  for (const [pid, s] of await allStats()) if (s.ppid === Deno.pid && s.name === name) return pid;
  return undefined;
}

/** Samples the tree's memory every `everyMs` until stopped; `peak()` is the largest seen. */
export function rssSampler(root: number, everyMs = 250): { peak(): number; stop(): void } {
  let peak = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    treeUsage(root).then((u) => peak = Math.max(peak, u.rssMiB)).finally(() => busy = false);
  }, everyMs);
  return { peak: () => peak, stop: () => clearInterval(timer) };
}
