/**
 * The `weir` executable: hands the command line to the CLI.
 *
 * @module
 */
import { runCli } from "./src/cli/mod.ts";

if (import.meta.main) Deno.exit(await runCli(Deno.args));
