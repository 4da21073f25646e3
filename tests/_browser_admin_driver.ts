/// <reference lib="dom" />
/**
 * Drives the admin page in Debian's Chromium through playwright-core, as a
 * person would: a wrong token, then the right one, watch the rates, deploy
 * by reference, roll back, and look at it on a phone-sized screen. It prints
 * what it saw as one JSON line for `browser_admin_test.ts` to check, and
 * saves screenshots.
 *
 * Run as its own process with `-A`: playwright-core reads `/proc/sys` at load
 * (a WSL probe), which Deno grants only with `--allow-all`, so the test
 * suite's own permissions stay as they are.
 *
 * Environment: WEIR_ADMIN_URL, WEIR_ADMIN_TOKEN, WEIR_ARTIFACTS (a folder); optionally
 * WEIR_DATAFLOW, WEIR_DEPLOY_REF, WEIR_NEW_OPERATION (an operation of the deployed graph whose
 * rate must move) and WEIR_SHOT (the screenshot's base name), for runs against a real gateway.
 *
 * @module
 */
import { join } from "node:path";
import { chromium, type Locator, type Page } from "playwright-core";

const url = Deno.env.get("WEIR_ADMIN_URL")!;
const token = Deno.env.get("WEIR_ADMIN_TOKEN")!;
const artifacts = Deno.env.get("WEIR_ARTIFACTS")!;
const REF = Deno.env.get("WEIR_DEPLOY_REF") ?? "127.0.0.1:5000/graph-simple:1.0.0";
const FLOW = Deno.env.get("WEIR_DATAFLOW") ?? "ovens";
const NEW_OPERATION = Deno.env.get("WEIR_NEW_OPERATION") ?? "module-temperature/map";
const SHOT = Deno.env.get("WEIR_SHOT") ?? "admin";
const WAIT = { timeout: 15_000 };

/** The In/s number of an operation's row in a dataflow's rates table. */
async function inRate(page: Page, dataflow: string, operation: string): Promise<number> {
  const row = page.getByRole("table", { name: `Rates of ${dataflow}` })
    .locator(`tr[data-operation="${operation}"]`);
  return Number(await row.locator("td").first().textContent());
}

/** Waits until an operation's In/s is above zero, and returns it. */
async function ratesMove(page: Page, dataflow: string, operation: string): Promise<number> {
  await page.waitForFunction(
    ([d, op]) => {
      const table = [...document.querySelectorAll("table")].find((t) =>
        t.caption?.textContent?.startsWith(`Rates of ${d} `)
      );
      const cell = table?.querySelector(`tr[data-operation="${op}"] td`);
      return Number(cell?.textContent ?? "0") > 0;
    },
    [dataflow, operation],
    WAIT,
  );
  return await inRate(page, dataflow, operation);
}

async function text(locator: Locator): Promise<string> {
  return (await locator.textContent(WAIT))?.trim() ?? "";
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const seen: Record<string, unknown> = {};
  // Script errors and refused resources (a CSP violation, say) show up here.
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/401 \(Unauthorized\)/.test(m.text())) {
      problems.push(`console: ${m.text()}`);
    }
  });
  await page.goto(url);

  // A wrong token is refused, the right one signs in.
  await page.getByLabel("Admin token").fill("not-the-token");
  await page.getByRole("button", { name: "Sign in" }).click();
  const alert = page.locator("#sign-in-error");
  await alert.filter({ hasText: /./ }).waitFor(WAIT);
  seen.wrongTokenAlert = await text(alert);
  await page.getByLabel("Admin token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  const flow = page.getByRole("article", { name: FLOW });
  await flow.waitFor(WAIT);
  seen.storedToken = await page.evaluate(() => sessionStorage.getItem("weir-admin-token"));

  // The graph is drawn with its branch arms labelled, and the rates move.
  const graph = page.getByRole("img", { name: `Graph of ${FLOW}` });
  await graph.waitFor(WAIT);
  seen.graphNodes = await graph.locator("g.node").count();
  seen.armLabels = await graph.locator("g.arm-label text").allTextContents();
  seen.sourceRate = await ratesMove(page, FLOW, "source");
  await page.waitForFunction(
    () =>
      /\/s$/.test(
        document.querySelector('svg g[data-operation="source"] .rate')?.textContent ?? "",
      ),
    undefined,
    WAIT,
  );
  seen.graphRateLabel = await graph.locator('g[data-operation="source"] .rate').textContent();
  seen.versionBefore = await text(flow.locator("dd").first());

  // Deploy by reference and follow the progress.
  await page.evaluate(() => {
    const log: string[] = [];
    (globalThis as unknown as { statusLog: string[] }).statusLog = log;
    const status = document.getElementById("deploy-status")!;
    new MutationObserver(() => log.push(status.textContent ?? "")).observe(status, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  await page.getByLabel("Dataflow", { exact: true }).selectOption(FLOW);
  await page.getByLabel("Reference", { exact: true }).fill(REF);
  await page.getByRole("button", { name: "Deploy" }).click();
  await page.getByRole("status").filter({ hasText: /^Deployed v2/ }).waitFor(WAIT);
  seen.deployStatus = await text(page.locator("#deploy-status"));
  seen.statusLog = await page.evaluate(() =>
    (globalThis as unknown as { statusLog: string[] }).statusLog
  );
  seen.progressValue = await page.getByRole("progressbar", { name: "Deploy progress" })
    .evaluate((p) => (p as HTMLProgressElement).value);
  await flow.locator("dd").first().filter({ hasText: "v2" }).waitFor(WAIT);
  seen.versionAfterDeploy = await text(flow.locator("dd").first());
  seen.newGraphNodes = await page.getByRole("img", { name: `Graph of ${FLOW}` }).locator("g.node")
    .count();
  seen.nodeNames = await page.getByRole("img", { name: `Graph of ${FLOW}` })
    .locator("g.node text.name").allTextContents();
  seen.mapRate = await ratesMove(page, FLOW, NEW_OPERATION);
  await page.getByRole("log", { name: "Logs" }).getByText(new RegExp(`deploy ${FLOW}`)).first()
    .waitFor(WAIT);
  seen.modules = await page.locator("#modules tbody th").allTextContents();

  // Roll back.
  await page.getByRole("button", { name: `Roll back ${FLOW}` }).click();
  const rolledBack = flow.getByRole("status").filter({ hasText: /Rolled back/ });
  await rolledBack.waitFor(WAIT);
  seen.rollbackNote = await text(rolledBack);
  await page.getByRole("article", { name: FLOW }).locator("dd").first()
    .filter({ hasText: /^v1 / }).waitFor(WAIT);
  seen.versionAfterRollback = await text(
    page.getByRole("article", { name: FLOW }).locator("dd").first(),
  );
  seen.rolledBackGraphNodes = await page.getByRole("img", { name: `Graph of ${FLOW}` })
    .locator("g.node").count();

  // Stop and start.
  await page.getByRole("button", { name: `Stop ${FLOW}` }).click();
  await page.getByRole("button", { name: `Start ${FLOW}` }).waitFor(WAIT);
  seen.stateAfterStop = await text(page.getByRole("article", { name: FLOW }).locator(".badge"));
  await page.getByRole("button", { name: `Start ${FLOW}` }).click();
  await page.getByRole("button", { name: `Stop ${FLOW}` }).waitFor(WAIT);

  seen.deadLetters = await page.locator("#dl-table tbody").textContent();
  seen.servedFrom = await text(page.getByRole("article", { name: FLOW }).locator(".served-from"));
  seen.sourceLag = await text(page.getByRole("article", { name: FLOW }).locator(".source-lag"));
  seen.bridgeLagHidden = await page.getByRole("article", { name: "bridge" }).locator(".source-lag")
    .isHidden();

  // A deploy that fails leaves the bar marked failed (red), not half full and blue.
  if (Deno.env.get("WEIR_FAILING_YAML")) {
    await page.getByLabel("Reference", { exact: true }).fill("");
    await page.getByLabel("Graph YAML (instead of a reference)").fill(
      Deno.env.get("WEIR_FAILING_YAML")!,
    );
    await page.getByRole("button", { name: "Deploy" }).click();
    await page.locator("#deploy-status").filter({ hasText: /^Deploy failed/ }).waitFor(WAIT);
    seen.failedDeployStatus = await text(page.locator("#deploy-status"));
    seen.failedProgress = await page.locator("#deploy-progress").evaluate((p) => ({
      outcome: (p as HTMLProgressElement).dataset.outcome,
      accent: getComputedStyle(p).accentColor,
    }));
  }
  await ratesMove(page, FLOW, "source");
  await page.screenshot({ path: join(artifacts, `${SHOT}.png`), fullPage: true });

  // On a phone: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  seen.phoneScrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  // Module table cells stay wide enough to read (no value broken over several lines).
  seen.phoneNarrowestModuleCell = await page.evaluate(() =>
    Math.min(
      ...[...document.querySelectorAll("#modules tbody td")].map((td) =>
        td.getBoundingClientRect().width
      ),
    )
  );
  seen.phoneWideElements = await page.evaluate(() =>
    [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > 391)
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}.${e.className}`)
  );
  await page.screenshot({ path: join(artifacts, `${SHOT}-phone.png`), fullPage: true });

  // Signing out forgets the token.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("Admin token").waitFor(WAIT);
  seen.tokenAfterSignOut = await page.evaluate(() => sessionStorage.getItem("weir-admin-token"));

  seen.problems = problems;
  await Deno.stdout.write(new TextEncoder().encode(JSON.stringify(seen) + "\n"));
} finally {
  await browser.close();
}
