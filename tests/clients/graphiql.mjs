// GraphiQL (served offline at /graphql) in headless Chromium: open it with a query, variables and the
// Authorization header, press Run, wait until the response pane holds `--expect`, print the response.
// On failure a screenshot goes to `--screenshot`. Never downloads a browser: Debian's /usr/bin/chromium.
// Usage: node graphiql.mjs --url URL --token T --query Q [--variables JSON] --expect TEXT --screenshot PNG
import { chromium } from "playwright-core";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const TIMEOUT = 30_000;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
const logs = [];
page.on("console", (message) => logs.push(`console ${message.type()}: ${message.text()}`));
page.on("pageerror", (error) => logs.push(`page error: ${error.message}`));
page.on("websocket", (socket) => {
  socket.on("framereceived", (frame) => logs.push(`ws <- ${typeof frame.payload === "string" ? "text" : "BINARY"} ${String(frame.payload).slice(0, 120)}`));
});
const response = () => page.evaluate(() => document.querySelector(".result-window .CodeMirror")?.CodeMirror?.getValue() ?? "");
try {
  // the page decodes its parameters with decodeURIComponent, which leaves URLSearchParams' "+" as is
  const search = Object.entries({
    q: args.query,
    variables: args.variables ?? "{}",
    headers: JSON.stringify({ Authorization: `Bearer ${args.token}` }),
  }).map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join("&");
  await page.goto(`${args.url}?${search}`, { timeout: TIMEOUT });
  await page.locator(".graphiql-execute-button").click({ timeout: TIMEOUT });
  await page.waitForFunction(
    (expected) => (document.querySelector(".result-window .CodeMirror")?.CodeMirror?.getValue() ?? "").includes(expected),
    args.expect, { timeout: TIMEOUT, polling: 100 });
  console.log(await response());
} catch (error) {
  await page.screenshot({ path: args.screenshot, fullPage: true }).catch(() => {});
  console.error(`${error.message}\nresponse pane: ${await response().catch(() => "?")}\n${logs.join("\n")}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
