/**
 * Runs the admin page driver (`_browser_admin_driver.ts`) in its own `-A`
 * process against an admin server, and returns what it saw.
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./_samples.ts";

/** Debian's Chromium. */
export const CHROMIUM = "/usr/bin/chromium";
/** Where screenshots go (git-ignored). */
export const ARTIFACTS: string = join(ROOT, "tests/artifacts");
/** A suffix for browser test names: says why they are skipped, empty when they run. */
export const CHROMIUM_NOTE: string = existsSync(CHROMIUM)
  ? ""
  : ` (skipped: ${CHROMIUM} is not installed; run bash .ci/install-browser.sh)`;

/**
 * Drives the page at `url` with `token`; `env` adds the driver's optional settings; `driver`
 * is the script (relative to the repository) that drives it.
 */
export async function driveAdminPage(
  url: string,
  token: string,
  env: Record<string, string> = {},
  driver = "tests/_browser_admin_driver.ts",
  // deno-lint-ignore no-explicit-any
): Promise<any> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, driver)],
    cwd: ROOT,
    env: {
      WEIR_ADMIN_URL: url,
      WEIR_ADMIN_TOKEN: token,
      WEIR_ARTIFACTS: ARTIFACTS,
      NO_COLOR: "1",
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(run.stdout);
  const err = new TextDecoder().decode(run.stderr);
  assert.equal(run.code, 0, `the browser run failed:\n${out}\n${err}`);
  return JSON.parse(out.trim().split("\n").at(-1)!);
}
