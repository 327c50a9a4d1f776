// Sign-up, sign-out and sign-in as a newcomer meets them, and that a signed-out browser is refused.
import { expect, inject, test } from "vitest";
import { newEmail, open, screenshot, useBrowser } from "./browser";

const baseURL = inject("baseURL");
const browser = useBrowser();

test("sign up, sign out, and be refused afterwards; sign in again", async () => {
  const { page, context, problems } = await open(browser(), baseURL);
  const email = newEmail("auth");

  // Given a fresh visitor, the app sends them to sign-in, which links to sign-up.
  await page.goto("/");
  await page.waitForURL("**/signin");
  await screenshot(page, "signin");
  await page.getByRole("link", { name: "Create one" }).click();
  await page.waitForURL("**/signup");

  // When they create an account
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct horse battery");
  await screenshot(page, "signup");
  await page.getByRole("button", { name: "Create account" }).click();

  // Then they land on their (empty) projects, and no token is visible to scripts.
  await page.waitForURL("**/projects");
  await expect.poll(() => page.getByRole("heading", { level: 1 }).first().textContent()).toContain("Projects");
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "skylabel_session");
  expect(session?.httpOnly).toBe(true);
  expect(await page.evaluate(() => document.cookie)).not.toContain("skylabel_session");
  expect(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage))).not.toMatch(/token/i);
  await screenshot(page, "projects-empty");

  // The page works from the keyboard: Tab reaches "Create project" and Enter follows it.
  let focused = "";
  for (let i = 0; i < 10 && focused !== "Create project"; i += 1) {
    await page.keyboard.press("Tab");
    focused = (await page.evaluate(() => document.activeElement?.textContent?.trim())) ?? "";
  }
  expect(focused).toBe("Create project");
  await page.keyboard.press("Enter");
  await page.waitForURL("**/projects/new");
  await page.goto("/projects");

  // When they sign out, the old session is refused by the API and the app shows sign-in.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL("**/signin");
  const refused = await page.evaluate(async () => (await fetch("/api/projects")).status);
  expect(refused).toBe(401);
  await page.goto("/projects");
  await page.waitForURL("**/signin?next=%2Fprojects");

  // And a wrong password is explained, the right one lets them back in where they were going.
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("wrong password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/email or password/i);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/projects");

  // The refused fetch (401) and the wrong password (400) are failed requests on purpose, which Chromium logs;
  // nothing else may be.
  const expected = /Failed to load resource: the server responded with a status of (401|400)/;
  expect(problems.filter((p) => !expected.test(p))).toEqual([]);
  await context.close();
});
