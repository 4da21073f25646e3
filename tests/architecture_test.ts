import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { checkArchitecture, importsOf, LAYERS, type SourceFile } from "./_architecture.ts";
import { ROOT } from "./_samples.ts";

function sources(dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sources(full));
    else if (name.endsWith(".ts")) {
      out.push({ path: relative(ROOT, full), imports: importsOf(readFileSync(full, "utf8")) });
    }
  }
  return out;
}

Deno.test("architecture: src/ follows the layer table, imports go through mod.ts, no cycles", () => {
  const files = [
    ...sources(join(ROOT, "src")),
    { path: "main.ts", imports: importsOf(readFileSync(join(ROOT, "main.ts"), "utf8")) },
  ];
  assert.ok(files.length > 10);
  assert.deepEqual(checkArchitecture(files), []);
});

Deno.test("architecture: every area of src/ has a mod.ts and a place in the table", () => {
  for (const area of readdirSync(join(ROOT, "src"))) {
    assert.ok(LAYERS[area], `src/${area} is missing from the layer table`);
    assert.ok(
      statSync(join(ROOT, "src", area, "mod.ts")).isFile(),
      `src/${area}/mod.ts is missing`,
    );
  }
});

Deno.test("architecture: tests import areas only through mod.ts", () => {
  const problems = sources(join(ROOT, "tests")).flatMap((f) =>
    f.imports
      .filter((s) => s.includes("/src/") && !/\/src\/[^/]+\/mod\.ts$/.test(s))
      .map((s) => `${f.path}: imports ${s}`)
  );
  assert.deepEqual(problems, []);
});

Deno.test("checkArchitecture() catches a forbidden layer, a deep import, a stray package and a cycle", () => {
  const problems = checkArchitecture([
    { path: "src/base/a.ts", imports: ["../engine/mod.ts"] },
    { path: "src/engine/mod.ts", imports: ["../graph/types.ts", "./x.ts"] },
    { path: "src/engine/x.ts", imports: ["./mod.ts", "npm:hono@4"] },
    { path: "main.ts", imports: ["./src/engine/mod.ts"] },
  ]);
  assert.ok(
    problems.some((p) => p.includes(`"base" may not import "engine"`)),
    problems.join("\n"),
  );
  assert.ok(problems.some((p) => p.includes('past the door of "graph"')));
  assert.ok(problems.some((p) => p.includes(`package "hono" belongs to admin, not engine`)));
  assert.ok(
    problems.some((p) =>
      p.includes("import cycle: src/engine/mod.ts -> src/engine/x.ts -> src/engine/mod.ts")
    ),
  );
  assert.ok(problems.some((p) => p.includes("main.ts: may import only the cli area")));
});

Deno.test("architecture: the repository's top level holds only the agreed entries", async () => {
  const allowed = new Set([
    "deno.json",
    "deno.lock",
    "main.ts",
    "src",
    "wit",
    "graphs",
    "web",
    "tests",
    "install.sh",
    "README.md",
    ".ci",
    "modules",
    "docs",
    "package.json",
    "package-lock.json",
  ]);
  const listed = await new Deno.Command("git", { args: ["ls-files"], cwd: ROOT }).output();
  assert.ok(listed.success, "git ls-files failed");
  const top = new Set(
    new TextDecoder().decode(listed.stdout).split("\n").filter(Boolean).map((p) =>
      p.split("/")[0]!
    ),
  );
  assert.ok(top.has("src") && top.has("main.ts"), [...top].join(", "));
  const stray = [...top].filter((name) => !allowed.has(name) && !name.startsWith("."));
  assert.deepEqual(stray, [], "only dotfiles may join the fixed top level");
});
