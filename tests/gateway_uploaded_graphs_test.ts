import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { UploadedGraphs } from "../src/gateway/mod.ts";
import { GraphValidationError } from "../src/graph/mod.ts";
import { ROOT } from "./_samples.ts";

const GRAPH = join(ROOT, "graphs/temperature.yaml");

/** The files under `dir`, relative to it; none when it does not exist. */
async function filesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
      .sort();
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return [];
    throw error;
  }
}

Deno.test("UploadedGraphs checks before writing and removes a released file nothing uses", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "weir-uploads-" });
  const used = new Set<string>();
  const uploads = new UploadedGraphs(dataDir, (path) => used.has(path));
  const graphs = join(dataDir, "graphs");
  try {
    await assert.rejects(uploads.save("operations: ["), GraphValidationError);
    assert.deepEqual(await filesIn(dataDir), []);
    const text = await Deno.readTextFile(GRAPH);
    const first = await uploads.save(text);
    assert.equal(first.path, join(graphs, `sha256-${first.digest.slice(7)}.yaml`));
    assert.equal((await Deno.stat(first.path)).mode! & 0o777, 0o600);
    // Two deploys of the same text: the first to fail leaves the file to the other.
    const second = await uploads.save(text);
    assert.equal(second.path, first.path);
    await uploads.release(first.path, false);
    assert.equal(await Deno.readTextFile(first.path), text);
    await uploads.release(second.path, false);
    assert.deepEqual(await filesIn(graphs), []);
    // A file a recorded version loads from stays.
    const third = await uploads.save(text);
    used.add(third.path);
    await uploads.release(third.path, false);
    assert.equal(await Deno.readTextFile(third.path), text);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
