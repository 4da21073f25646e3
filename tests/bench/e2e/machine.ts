/**
 * What the bench ran on: cores, CPU model, memory, load, and the versions of
 * everything measured.
 *
 * @module
 */
import { MOSQUITTO } from "../../_mosquitto.ts";
import { BENTHOS, hasBenthos } from "./peers.ts";
import { shellOutput } from "./proc_stats.ts";

/** The 1, 5 and 15-minute load averages. */
export async function loadAverage(): Promise<number[]> {
  return (await shellOutput("cat /proc/loadavg")).split(" ").slice(0, 3).map(Number);
}

async function firstLine(command: string, args: string[]): Promise<string> {
  try {
    const out = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
      .output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return text.split("\n").find((l) => l.trim() !== "")?.trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Machine facts for the report. */
export async function machineInfo(): Promise<Record<string, unknown>> {
  return {
    cores: navigator.hardwareConcurrency,
    cpu: /model name\s*:\s*(.+)/.exec(await shellOutput("cat /proc/cpuinfo"))?.[1] ?? "unknown",
    memoryGiB: Math.round(
      Number(/MemTotal:\s+(\d+)/.exec(await shellOutput("cat /proc/meminfo"))?.[1] ?? 0) /
        2 ** 20,
    ),
    kernel: (await shellOutput("uname -r")).trim(),
    loadAverageStart: await loadAverage(),
    deno: Deno.version.deno,
    denoBinary: Deno.execPath(),
    mosquitto: MOSQUITTO === undefined ? "no mosquitto" : await firstLine(MOSQUITTO, ["-h"]),
    benthos: hasBenthos() ? await firstLine(BENTHOS, ["--version"]) : "not built",
  };
}
