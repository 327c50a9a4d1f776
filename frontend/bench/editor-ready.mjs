// Time to editor ready and page weight of a labeling page, in Debian's Chromium, cold cache every run.
//
// Used by bench/browser.py for Skylabel and Label Studio 1.23.2 alike: sign in through the server's own sign-in,
// open the page that labels one task, and record (in the page's own clock, from navigation start) when a button
// reading "Submit" first appears — the editor is mounted with the task and usable. Weights are the JS and CSS
// bodies the page loaded, gzipped at level 6 (what a server sends compressed), whatever the server actually sent.
//
//   node bench/editor-ready.mjs '{"target":"skylabel"|"ls","baseURL":…,"email":…,"password":…,"path":…,"runs":7}'
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";

const options = JSON.parse(process.argv[2]);
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync"];

const WATCH_SUBMIT = () => {
  const seen = () => [...document.querySelectorAll("button")].some((b) => b.textContent?.trim() === "Submit" && b.offsetParent);
  const observer = new MutationObserver(() => {
    if (window.__editorReady === undefined && seen()) {
      window.__editorReady = performance.now();
      observer.disconnect();
    }
  });
  document.addEventListener("DOMContentLoaded", () => observer.observe(document.body, { childList: true, subtree: true, attributes: true }));
};

async function signIn(context) {
  const page = await context.newPage();
  if (options.target === "skylabel") {
    await page.goto(`${options.baseURL}/signin`);
    const status = await page.evaluate(async ({ email, password }) => {
      const r = await fetch("/api/auth/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email, password }) });
      return r.status;
    }, options);
    if (status !== 200) throw new Error(`Skylabel sign-in answered ${status}`);
  } else {
    await page.goto(`${options.baseURL}/user/login/`);
    await page.fill('input[name="email"]', options.email);
    await page.fill('input[name="password"]', options.password);
    await Promise.all([page.waitForURL((url) => !url.pathname.startsWith("/user/login")), page.click('button[type="submit"], input[type="submit"]')]);
  }
  await page.close();
}

async function once(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await signIn(context);
  const page = await context.newPage();
  await page.addInitScript(WATCH_SUBMIT);
  const bodies = [];
  page.on("response", (response) => {
    const type = response.request().resourceType();
    if (type === "script" || type === "stylesheet") bodies.push(response.body().then((b) => ({ type, url: response.url(), raw: b.length, gz: gzipSync(b, { level: 6 }).length })).catch(() => null));
  });
  await page.goto(`${options.baseURL}${options.path}`);
  await page.waitForFunction(() => window.__editorReady !== undefined, null, { timeout: 60_000 });
  const readyMs = await page.evaluate(() => window.__editorReady);
  const files = (await Promise.all(bodies)).filter(Boolean);
  await context.close();
  const sum = (type, key) => files.filter((f) => f.type === type).reduce((n, f) => n + f[key], 0);
  return { readyMs, js: { raw: sum("script", "raw"), gzip: sum("script", "gz") }, css: { raw: sum("stylesheet", "raw"), gzip: sum("stylesheet", "gz") }, files: files.length };
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, args: ARGS });
try {
  await once(browser); // warm-up: the server's own first-request costs are not the browser's
  const runs = [];
  for (let i = 0; i < (options.runs ?? 7); i += 1) runs.push(await once(browser));
  process.stdout.write(JSON.stringify({ runs }) + "\n");
} finally {
  await browser.close();
}
