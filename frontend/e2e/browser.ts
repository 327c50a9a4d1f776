// What every browser test needs: Debian's Chromium through playwright-core (never a downloaded browser),
// a page that records console errors and page errors, and screenshots kept as test artifacts.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";

export const ARTIFACTS = resolve(import.meta.dirname, "artifacts");
const EXECUTABLE = process.env.CHROMIUM || "/usr/bin/chromium";

/** Starts Chromium; failing to start fails the test run (in CI and everywhere else), never a skip. */
export async function launch(): Promise<Browser> {
  try {
    return await chromium.launch({
      executablePath: EXECUTABLE,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
    });
  } catch (error) {
    throw new Error(`Chromium at ${EXECUTABLE} did not start (make test installs it with apt): ${String(error)}`);
  }
}

/** One browser for a test file, started before its tests and closed after them; call at the file's top level. */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error("the browser has not started");
    return browser;
  };
}

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far, for the "no console errors" check. */
  problems: string[];
}

export async function open(browser: Browser, baseURL: string, viewport = { width: 1280, height: 800 }): Promise<Session> {
  const context = await browser.newContext({ baseURL, viewport, acceptDownloads: true });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()} (${page.url()})`);
  });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message} (${page.url()})`));
  return { context, page, problems };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

let counter = 0;
/** A unique email per test run, so tests never depend on each other's accounts. */
export function newEmail(prefix = "user"): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}@example.com`;
}
