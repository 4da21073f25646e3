/**
 * Shows pull and push progress on standard error: one line rewritten in
 * place on a terminal, plain lines (one per step, not per chunk) otherwise,
 * so logs and CI output stay readable.
 *
 * @module
 */
import type { ProgressListener, PullProgress } from "../oci/mod.ts";
import type { Output } from "./output.ts";

/** A progress display. */
export interface ProgressLine {
  readonly onProgress: ProgressListener;
  /** Clears the terminal line, if one was drawn. */
  end(): void;
}

/** Options for {@linkcode progressLine}. */
export interface ProgressLineOptions {
  /** Redraw one line in place. @default whether standard error is a terminal */
  readonly tty?: boolean;
  /** Writes raw text to the terminal (no newline added). @default standard error */
  readonly write?: (text: string) => void;
}

const UNITS = ["B", "KiB", "MiB", "GiB"];

/** `1.5 MiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

function describe(p: PullProgress): string {
  switch (p.phase) {
    case "manifest":
      return `resolving ${p.ref}`;
    case "cached":
      return `cached ${p.ref} (${formatBytes(p.totalBytes)})`;
    case "download":
    case "upload": {
      const verb = p.phase === "download" ? "downloading" : "uploading";
      const percent = p.totalBytes > 0 ? ` ${Math.floor((p.doneBytes / p.totalBytes) * 100)}%` : "";
      return `${verb} ${p.ref} ${formatBytes(p.doneBytes)} / ${
        formatBytes(p.totalBytes)
      }${percent}`;
    }
    case "done":
      return `done ${p.ref} (${formatBytes(p.totalBytes)})`;
  }
}

/** Makes a progress display writing to `output` (plain) or the terminal (tty). */
export function progressLine(output: Output, options: ProgressLineOptions = {}): ProgressLine {
  const tty = options.tty ?? Deno.stderr.isTerminal();
  const encoder = new TextEncoder();
  const write = options.write ??
    ((text: string) => void Deno.stderr.writeSync(encoder.encode(text)));
  let drawn = false;
  let lastDraw = 0;
  let lastStep = "";
  return {
    onProgress(p) {
      if (tty) {
        const now = Date.now();
        // Redraw at most ten times a second, but always show a step's start and end.
        if (now - lastDraw < 100 && p.phase === "download" && p.doneBytes !== 0) return;
        lastDraw = now;
        write(`\r\x1b[K${describe(p)}`);
        drawn = true;
        return;
      }
      // Plain output: one line when a step starts, none per chunk.
      const step = `${p.ref} ${p.phase}`;
      if (step === lastStep || p.phase === "done") return;
      if ((p.phase === "download" || p.phase === "upload") && p.doneBytes !== 0) return;
      lastStep = step;
      output.err(
        p.phase === "download" || p.phase === "upload"
          ? `${p.phase === "download" ? "downloading" : "uploading"} ${p.ref} (${
            formatBytes(p.totalBytes)
          })`
          : describe(p),
      );
    },
    end() {
      if (drawn) write("\r\x1b[K");
      drawn = false;
    },
  };
}
