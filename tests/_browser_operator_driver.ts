/// <reference lib="dom" />
/**
 * An operator's day on the admin page, in Debian's Chromium through
 * playwright-core, against a real gateway whose dataflow `ovens` starts on
 * the wrong module: a reading that arrived is in the dead letters with its
 * topic and payload; the operator opens it, deploys the fixed graph, replays
 * it, then watches records cross an edge, sees the charts move, checks that
 * the page and `/metrics` agree, exports and purges. Prints what it saw as
 * one JSON line for `browser_operator_test.ts`.
 *
 * Run as its own process with `-A` (see `_browser_admin_driver.ts`).
 * Environment: WEIR_ADMIN_URL, WEIR_ADMIN_TOKEN, WEIR_ARTIFACTS, WEIR_BROKER_URL,
 * WEIR_METRICS_URL, WEIR_FIXED_YAML (the graph text to deploy).
 *
 * @module
 */
import { join } from "node:path";
import mqtt from "mqtt";
import { chromium, type Page } from "playwright-core";

const url = Deno.env.get("WEIR_ADMIN_URL")!;
const token = Deno.env.get("WEIR_ADMIN_TOKEN")!;
const artifacts = Deno.env.get("WEIR_ARTIFACTS")!;
const brokerUrl = Deno.env.get("WEIR_BROKER_URL")!;
const metricsUrl = Deno.env.get("WEIR_METRICS_URL")!;
const fixedYaml = Deno.env.get("WEIR_FIXED_YAML")!;
const WAIT = { timeout: 20_000 };

async function metric(name: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : NaN;
}

/** Points and last time of a chart, as the page records them on its figure. */
function chartState(page: Page, key: string) {
  return page.locator(`figure[data-chart="${key}"]`).evaluate((f) => ({
    points: Number((f as HTMLElement).dataset.points),
    last: Number((f as HTMLElement).dataset.last),
    // Pixels drawn on the plot's canvas: a chart that draws nothing has none.
    inked: (() => {
      const canvas = f.querySelector("canvas") as HTMLCanvasElement | null;
      const ctx = canvas?.getContext("2d");
      if (!canvas || !ctx) return 0;
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
      return n;
    })(),
  }));
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
const publisher = await mqtt.connectAsync(brokerUrl, {
  protocolVersion: 5,
  clientId: "page-sensor",
});
let sensor: ReturnType<typeof setInterval> | undefined;
try {
  const page = await browser.newPage({
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  const seen: Record<string, unknown> = {};
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("dialog", (d) => void d.accept());
  await page.goto(url);
  await page.getByLabel("Admin token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  const flow = page.getByRole("article", { name: "ovens" });
  await flow.waitFor(WAIT);

  // The reading that failed is there, with its topic and payload.
  const panel = page.getByRole("region", { name: /^Dead letters/ });
  const firstRow = panel.locator("#dl-table tbody tr").first();
  await firstRow.waitFor(WAIT);
  seen.rowCells = await firstRow.locator("td").allTextContents();
  seen.cardDeadLetters = await flow.locator(".dead-letters span").textContent();
  seen.servedBefore = await flow.locator(".served-from").textContent();
  await firstRow.getByRole("button", { name: /^Open dead letter/ }).click();
  const detail = page.locator("#dl-detail");
  await detail.getByLabel("Payload", { exact: true }).waitFor(WAIT);
  seen.detailPayload = await detail.getByLabel("Payload", { exact: true }).textContent();
  seen.detailProperties = await detail.locator(".properties tbody").textContent();
  seen.detailTopic = await detail.locator("dd").nth(5).textContent();
  await detail.getByRole("button", { name: "Hex" }).click();
  await detail.getByLabel("Payload", { exact: true }).filter({ hasText: /^00000000 {2}7b/ })
    .waitFor(
      WAIT,
    );
  seen.detailHex = (await detail.getByLabel("Payload", { exact: true }).textContent())?.split(
    "\n",
  )[0];

  // The fix: deploy the right graph from the page.
  await page.getByLabel("Dataflow", { exact: true }).selectOption("ovens");
  await page.getByLabel("Graph YAML (instead of a reference)").fill(fixedYaml);
  await page.getByRole("button", { name: "Deploy" }).click();
  await page.locator("#deploy-status").filter({ hasText: /^Deployed v2/ }).waitFor(WAIT);
  await flow.locator(".served-from").filter({ hasText: "a saved deployment" }).waitFor(WAIT);
  seen.servedAfter = await flow.locator(".served-from").textContent();

  // Replay it: it leaves the dead letters once handled.
  await firstRow.getByRole("button", { name: /^Open dead letter/ }).click();
  await detail.getByRole("button", { name: "Replay" }).click();
  await panel.getByRole("status").filter({ hasText: /^Replayed/ }).waitFor(WAIT);
  seen.replayStatus = await panel.locator("#dl-status").textContent();
  await panel.locator("#dl-count").filter({ hasText: /^0$/ }).waitFor(WAIT);
  seen.countAfterReplay = await panel.locator("#dl-count").textContent();

  // Records now flow: click an edge of the drawn graph and watch them cross it.
  let n = 0;
  sensor = setInterval(() => {
    n++;
    publisher.publish(
      "sensors/line-1",
      JSON.stringify({ temperature: { value: 50 + (n % 10), unit: "F" } }),
      { qos: 1, properties: { userProperties: { site: "plant-7", n: String(n) } } },
    );
  }, 50);
  await page.locator(
    'svg.graph path.edge-hit[data-from="source"][data-to="module-temperature/map"]',
  )
    .click({ force: true });
  const tap = page.getByRole("log", { name: "Records from source to module-temperature/map" });
  await tap.locator("li").nth(2).waitFor(WAIT);
  seen.tapSample = await tap.locator("li").first().textContent();
  seen.tapCount = await tap.locator("li").count();
  const mapTap = page.getByRole("button", {
    name: "Watch records from module-temperature/map to sink",
  });
  await flow.locator("details.edges summary").click();
  await mapTap.click();
  const converted = page.getByRole("log", { name: "Records from module-temperature/map to sink" });
  await converted.locator("li").first().waitFor(WAIT);
  seen.convertedSample = await converted.locator("li").first().textContent();
  seen.firstTapClosed = await tap.count() === 0;

  // The charts draw and move.
  const rates = 'figure[data-chart="rate-ovens"]';
  await page.locator(`${rates} canvas`).first().waitFor(WAIT);
  await page.waitForFunction(
    (sel) => Number((document.querySelector(sel) as HTMLElement | null)?.dataset.points) >= 3,
    rates,
    WAIT,
  );
  seen.chartsBefore = await chartState(page, "rate-ovens");
  await page.waitForTimeout(2_000);
  seen.chartsAfter = await chartState(page, "rate-ovens");
  seen.latencyChart = await chartState(page, "latency");
  seen.queueChart = await chartState(page, "queue");
  seen.chartCaptions = await page.locator("#trends figcaption").allTextContents();
  clearInterval(sensor);
  sensor = undefined;
  await page.screenshot({ path: join(artifacts, "operator.png"), fullPage: true });

  // A bad message: the page and /metrics agree on what the queue holds.
  await publisher.publishAsync("sensors/line-1", "not json", { qos: 1 });
  await panel.locator("#dl-count").filter({ hasText: /^1$/ }).waitFor(WAIT);
  await page.waitForFunction(
    () => document.getElementById("queue-status")?.dataset.deadLetters === "1",
    undefined,
    WAIT,
  );
  await page.waitForTimeout(2_500); // the queue drains; the header refreshes every 2 s
  seen.pageQueue = await page.locator("#queue-status").evaluate((p) => ({
    outputs: Number((p as HTMLElement).dataset.outputs),
    deadLetters: Number((p as HTMLElement).dataset.deadLetters),
    text: p.textContent,
  }));
  seen.metricsQueue = {
    outputs: await metric("weir_queue_depth"),
    deadLetters: await metric("weir_dead_letters_stored"),
  };

  // Export it as test input, then purge.
  const [download] = await Promise.all([
    page.waitForEvent("download", WAIT),
    panel.getByRole("button", { name: /^Export/ }).click(),
  ]);
  seen.exportName = download.suggestedFilename();
  seen.exportText = await Deno.readTextFile((await download.path())!);
  await panel.getByRole("button", { name: /^Purge/ }).click();
  await panel.locator("#dl-count").filter({ hasText: /^0$/ }).waitFor(WAIT);
  seen.purgeStatus = await panel.locator("#dl-status").textContent();

  // On a phone: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(500);
  seen.phoneScrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.screenshot({ path: join(artifacts, "operator-phone.png"), fullPage: true });

  seen.problems = problems;
  await Deno.stdout.write(new TextEncoder().encode(JSON.stringify(seen) + "\n"));
} finally {
  if (sensor !== undefined) clearInterval(sensor);
  await publisher.endAsync();
  await browser.close();
}
