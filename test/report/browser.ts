/**
 * A real headless browser for the HTML report's tests: Debian's Chromium (`/usr/bin/chromium`,
 * or `HP_CHROMIUM`) driven by `playwright-core`, which downloads no browser of its own. Started
 * with a fresh profile directory and every background network feature off, so the only requests
 * are the page's own; `requests` records them.
 *
 * Chromium is installed by `bash scripts/install.sh` when run as root (`apt-get install -y
 * chromium`). Without it the browser tests fail saying so, unless `HP_SKIP_BROWSER=1`, which
 * skips them explicitly.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** The Chromium binary the tests drive. */
export const CHROMIUM = process.env.HP_CHROMIUM ?? "/usr/bin/chromium";

/** Whether the browser tests are skipped on purpose (`HP_SKIP_BROWSER=1`). */
export function browserSkipped(): boolean {
  return process.env.HP_SKIP_BROWSER === "1";
}

/** A running browser with one page. */
export interface Browser {
  page: Page;
  context: BrowserContext;
  /** Every URL the browser requested since launch, in order. */
  requests: string[];
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

/**
 * Launches headless Chromium with a fresh `--user-data-dir`.
 * @throws {Error} saying how to install Chromium when {@link CHROMIUM} does not exist.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the HTML report's browser tests need it. ` +
        "Install it with `apt-get install -y chromium` (bash scripts/install.sh does it when run as root), " +
        "point HP_CHROMIUM at another Chromium binary, or set HP_SKIP_BROWSER=1 to skip these tests.",
    );
  }
  const profile = await mkdtemp(path.join(tmpdir(), "hp-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1200, height: 900 },
  });
  const requests: string[] = [];
  context.on("request", (request) => requests.push(request.url()));
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    context,
    requests,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
