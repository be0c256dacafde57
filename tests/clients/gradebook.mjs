// The gradebook page (/gradebook) in headless Chromium, one browser for every check: signs in as a teacher,
// a student, an observer, a designer (refused) and with a token revoked mid-session (refused action); sorts,
// filters, pages, drills down, records a result through the API and sees the cell change, runs a
// recalculation to its end, reorders outcomes by drag and drop and by keyboard, exports the CSV.
// Prints what the page showed as JSON; test_gradebook.py compares it with the API's own answers.
// On failure a screenshot goes to --screenshot. Never downloads a browser: Debian's /usr/bin/chromium.
// Usage: node gradebook.mjs --url BASE --tokens JSON --record MUTATION --revoke JSON_ARGV --screenshot PNG
//        [--picture PNG: a screenshot of the teacher's first screen, the README's docs/gradebook.png]
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { chromium } from "playwright-core";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const tokens = JSON.parse(args.tokens);
const TIMEOUT = 20_000;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const logs = [];
let current = null;

async function signIn(token) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  current = page;
  page.setDefaultTimeout(TIMEOUT);
  page.on("pageerror", (error) => logs.push(`page error: ${error.message}`));
  page.on("console", (message) => message.type() === "error" && logs.push(`console: ${message.text()}`));
  await page.goto(`${args.url}/gradebook`);
  await page.locator("#token").fill(token);
  await page.locator("#token").press("Enter"); // the form works from the keyboard
  await page.waitForSelector("body[data-ready]");
  return page;
}

/** The lowest WCAG contrast ratio of any text on the page against the background it is drawn on. */
const lowestContrast = (page) => page.evaluate(() => {
  const rgb = (colour) => colour.match(/[\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => [r, g, b].map((c) => c / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
    .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const colour = rgb(getComputedStyle(e).backgroundColor);
      if (colour.length < 4 || colour[3] > 0) return colour;
    }
    return [255, 255, 255];
  };
  let lowest = { ratio: 21, text: "" };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const element = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || element.closest("svg, [hidden]")) continue;
    const [a, b] = [luminance(rgb(getComputedStyle(element).color)), luminance(background(element))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < lowest.ratio) lowest = { ratio, text: walker.currentNode.textContent.trim().slice(0, 40) };
  }
  return lowest;
});

const message = (page) => page.locator("#message").textContent();
const loads = (page) => page.evaluate(() => Number(document.querySelector("#view").dataset.loads ?? 0));

/** Runs `action` and waits until the grid has come back once more. */
async function reloaded(page, action) {
  const before = await loads(page);
  await action();
  await page.waitForFunction((n) => Number(document.querySelector("#view").dataset.loads ?? 0) > n, before);
}

/** The grid as shown: per row the user id, the scores and the level names; the header's outcome ids. */
const grid = (page) => page.evaluate(() => ({
  outcomes: [...document.querySelectorAll("#grid thead th[data-outcome]")].map((th) => th.dataset.outcome),
  rows: [...document.querySelectorAll("#grid tbody tr")].map((tr) => ({
    user: tr.dataset.user,
    scores: [...tr.querySelectorAll("td.cell .score")].map((s) => s.textContent),
    levels: [...tr.querySelectorAll("td.cell .level")].map((s) => s.textContent),
  })),
  aggregate: [...document.querySelectorAll("#grid tfoot td.cell .score")].map((s) => s.textContent),
  total: document.querySelector("#total").textContent,
}));

async function teacher(seen) {
  const page = await signIn(tokens.teacher);
  await page.waitForSelector("#grid");
  const first = await grid(page);
  seen.page1 = first;
  if (args.picture) { // the README's picture: the demo course as loaded, one outcome's card open
    await page.locator(`th[data-outcome="${first.outcomes[0]}"] .outcome-title`).click();
    await page.screenshot({ path: args.picture, fullPage: true });
    await page.locator("#outcome-card button", { hasText: "Close" }).click();
  }
  await reloaded(page, () => page.locator("#next").click());
  seen.page2 = await grid(page);
  await reloaded(page, () => page.locator("#previous").click());
  seen.back = await grid(page);

  const sortOutcome = first.outcomes[0];
  await reloaded(page, () => page.locator(`button[data-sort="${sortOutcome}"]`).click());
  await reloaded(page, () => page.locator(`button[data-sort="${sortOutcome}"]`).click());
  seen.sortedDesc = { outcome: sortOutcome, grid: await grid(page) };
  await reloaded(page, () => page.locator('button[data-sort="student"]').click());
  await reloaded(page, () => page.locator('button[data-sort="student"]').press("Enter"));
  seen.studentsDesc = await grid(page);
  await reloaded(page, () => page.locator('button[data-sort="student"]').press("Enter")); // back to A-Z, by keyboard

  const section = await page.locator("#section option").nth(2).getAttribute("value");
  await reloaded(page, () => page.locator("#section").selectOption(section));
  seen.section = { id: section, grid: await grid(page) };
  await reloaded(page, () => page.locator("#section").selectOption(""));

  seen.exclusions = {};
  for (const box of await page.locator('input[name="exclude"]').all()) {
    const value = await box.getAttribute("value");
    await reloaded(page, () => page.locator(`input[value="${value}"]`).check());
    seen.exclusions[value] = (await grid(page)).total;
    await reloaded(page, () => page.locator(`input[value="${value}"]`).uncheck());
  }

  seen.mean = (await grid(page)).aggregate;
  await reloaded(page, () => page.locator("#stat").selectOption("MEDIAN"));
  seen.median = (await grid(page)).aggregate;

  await page.locator(`th[data-outcome="${sortOutcome}"] .outcome-title`).click();
  const card = page.locator("#outcome-card");
  seen.card = {
    outcome: sortOutcome,
    method: await card.locator(".method").textContent(),
    counts: await card.locator("table.distribution tr").evaluateAll((rows) => rows.map((row) => [row.cells[0].textContent, Number(row.cells[1].textContent)])),
    bars: await card.locator("svg rect").count(),
  };

  const student = first.rows.find((row) => row.scores[0] !== "—").user;
  await page.locator(`td.cell[data-user="${student}"][data-outcome="${sortOutcome}"] button`).click();
  await page.waitForSelector("#drill-results");
  seen.drill = {
    user: student, outcome: sortOutcome,
    results: await page.locator("#drill-results tbody tr").evaluateAll((rows) => rows.map((row) => [...row.cells].map((c) => c.textContent))),
    contributing: await page.locator("#drill-contributing tbody tr").count(),
  };

  // a result recorded through the API (as any client would) shows in the cell after a refresh
  const cellOf = () => page.locator(`td.cell[data-user="${student}"][data-outcome="${sortOutcome}"] .score`).textContent();
  const before = await cellOf();
  const recorded = await fetch(`${args.url}/graphql`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${tokens.teacher}` },
    body: JSON.stringify({ query: args.record, variables: { user: student } }),
  }).then((response) => response.json());
  if (recorded.errors) throw new Error(JSON.stringify(recorded.errors));
  await reloaded(page, () => page.locator("#refresh").click());
  seen.recorded = { user: student, outcome: sortOutcome, before, after: await cellOf() };

  // recalculation: its progress comes live over the WebSocket until the job ends
  await page.evaluate(() => {
    window.jobTexts = [];
    new MutationObserver(() => window.jobTexts.push(document.querySelector("#job")?.textContent))
      .observe(document.querySelector("#view"), { subtree: true, childList: true, characterData: true });
  });
  // the job's end reloads the grid: waited for, so the next step's reload is its own
  await reloaded(page, async () => {
    await page.locator("#recalculate").click();
    await page.waitForFunction(() => /succeeded|failed/.test(document.querySelector("#job")?.textContent ?? ""));
  });
  seen.job = await page.evaluate(() => [...new Set(window.jobTexts.filter(Boolean))]);

  // outcome order: drag the last title onto the first, then move the first one right by keyboard
  const order = (await grid(page)).outcomes;
  await reloaded(page, () => page.dragAndDrop(`th[data-outcome="${order.at(-1)}"]`, `th[data-outcome="${order[0]}"]`));
  seen.dragged = { before: order, after: (await grid(page)).outcomes };
  await page.locator(`th[data-outcome="${order.at(-1)}"]`).focus();
  await reloaded(page, () => page.keyboard.press("Alt+ArrowRight"));
  seen.keyboardMoved = (await grid(page)).outcomes;
  seen.focusKept = await page.evaluate(() => document.activeElement?.dataset.outcome ?? null);
  seen.focusOutline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  await page.locator(`th[data-outcome="${order[0]}"] .outcome-title`).click(); // the card open, for the contrast check
  seen.contrast = await lowestContrast(page);

  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#export").click()]);
  seen.csv = await readFile(await download.path(), "utf8");
  seen.message = await message(page);
  await page.context().close();
}

async function studentPage(token) {
  const page = await signIn(token);
  await page.waitForSelector("#student-outcomes");
  const shown = {
    heading: await page.locator("#view h2").textContent(),
    outcomes: await page.locator("#student-outcomes > li").evaluateAll((items) => items.map((li) => ({
      outcome: li.dataset.outcome,
      score: li.querySelector(".score").textContent,
      level: li.querySelector(".level").textContent,
      points: li.querySelectorAll("svg.chart circle").length,
    }))),
    contrast: await lowestContrast(page),
  };
  await page.context().close();
  return shown;
}

async function refused(token, act) {
  const page = await signIn(token);
  if (act) await act(page);
  await page.waitForSelector("#message:not([hidden])");
  const text = await message(page);
  await page.context().close();
  return text;
}

const seen = {};
try {
  seen.teacher = {};
  await teacher(seen.teacher);
  seen.student = await studentPage(tokens.student);
  seen.observer = await studentPage(tokens.observer);
  seen.designer = await refused(tokens.designer);
  seen.revoked = await refused(tokens.revoked, async (page) => {
    await page.waitForSelector("#grid");
    execFileSync(JSON.parse(args.revoke)[0], JSON.parse(args.revoke).slice(1));
    await page.locator("#recalculate").click();
  });
  seen.logs = logs;
  console.log(JSON.stringify(seen));
} catch (error) {
  await current?.screenshot({ path: args.screenshot, fullPage: true }).catch(() => {});
  console.error(`${error.stack}\n${logs.join("\n")}\nseen so far: ${JSON.stringify(seen).slice(0, 4000)}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
