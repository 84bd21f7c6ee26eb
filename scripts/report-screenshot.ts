/**
 * Takes a PNG screenshot of an HTML parallelism report with the browser the tests use
 * (Debian's Chromium through playwright-core, `test/report/browser.ts`), for the docs.
 *
 * Usage: bash scripts/with-node22.sh tsx scripts/report-screenshot.ts <report.html> <out.png> [#anchor]
 * The anchor (e.g. `#test-0`) scrolls to a part of the page first; the shot is one viewport
 * (1200×900) unless HP_SCREENSHOT_FULL=1.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { launchBrowser } from "../test/report/browser.ts";

const [html, png, anchor] = process.argv.slice(2);
if (html === undefined || png === undefined) {
  console.error("usage: tsx scripts/report-screenshot.ts <report.html> <out.png> [#anchor]");
  process.exit(2);
}
const browser = await launchBrowser();
try {
  await browser.page.goto(pathToFileURL(path.resolve(html)).href + (anchor ?? ""));
  await browser.page.screenshot({
    path: png,
    fullPage: process.env.HP_SCREENSHOT_FULL === "1",
  });
  console.log(`Wrote ${png}`);
} finally {
  await browser.close();
}
