// A newcomer's whole path through the app, in one text-classification project: create it from a template,
// import a CSV by drag and drop, label three tasks by clicking choices, reopen one and update it, export CSV and
// JSON and read the downloaded files. Every page is screenshotted (e2e/artifacts/) at 1280×800, some at 768 wide.
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { expect, inject, test } from "vitest";
import { open, screenshot, useBrowser } from "./browser";
import { annotationsOf, apiCall, editorReady, shownTaskId, signUp } from "./steps";

const baseURL = inject("baseURL");
const browser = useBrowser();

const CSV = [
  "text,source",
  '"I was charged twice for my subscription this month.",email',
  '"The app crashes when I open the settings page.",chat',
  '"Please add a dark mode to the dashboard.",email',
  '"I cannot log in since I changed my phone.",phone',
].join("\n");

async function dropFile(page: Page, name: string, content: string, type: string): Promise<void> {
  await page.evaluate(
    ({ name, content, type }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([content], name, { type }));
      const zone = document.querySelector('[data-testid="import-dropzone"]')!;
      for (const kind of ["dragenter", "dragover", "drop"]) {
        zone.dispatchEvent(new DragEvent(kind, { bubbles: true, cancelable: true, dataTransfer: transfer }));
      }
    },
    { name, content, type },
  );
}

async function chooseAndSubmit(page: Page, choice: string): Promise<number> {
  await editorReady(page);
  const id = await shownTaskId(page);
  await page.locator("#label-editor label", { hasText: choice }).first().click();
  await page.locator('#label-editor button[aria-label="submit"]', { hasText: "Submit" }).click();
  await page.locator(".label-notice-ok", { hasText: `Task #${id} submitted` }).waitFor();
  return id;
}

async function download(page: Page, format: string): Promise<string> {
  await page.locator(`input[name="format"][value="${format}"]`).check();
  await page.locator('[data-testid="export-start"]').click();
  const link = page.locator('[data-testid="export-download"]');
  await link.waitFor({ timeout: 30_000 });
  const [file] = await Promise.all([page.waitForEvent("download"), link.click()]);
  return readFileSync((await file.path())!, "utf8");
}

test("from a template to an exported labeled dataset", async () => {
  const { page, context, problems } = await open(browser(), baseURL);
  await signUp(page);

  // Given the projects page, a newcomer creates a project from the text classification template
  await page.goto("/projects");
  await page.getByRole("link", { name: "Create project" }).first().click();
  await page.waitForURL("**/projects/new");
  await page.getByLabel("Title").fill("Support tickets");
  await page.getByRole("button", { name: /Text Classification/ }).first().click();
  // The live preview is the real editor on the template's sample
  await page.locator(".config-preview", { hasText: "Technical issue" }).waitFor({ timeout: 30_000 });
  await screenshot(page, "create-project");
  await page.getByRole("button", { name: "Create project" }).click();
  await page.waitForURL(/\/projects\/\d+\/import$/);
  const projectId = Number(new URL(page.url()).pathname.split("/")[2]);

  // When they drop a CSV on the import page, its rows become tasks
  await dropFile(page, "tickets.csv", CSV, "text/csv");
  await expect.poll(() => page.locator('[data-testid="import-task-count"]').first().textContent(), { timeout: 30_000 }).toBe("4 tasks");
  await screenshot(page, "import-done");

  // And they label three tasks by clicking choices, each next task arriving without a reload
  await page.getByTestId("import-operations").getByRole("link", { name: "Label", exact: true }).click();
  await page.waitForURL(`**/projects/${projectId}/label`);
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
  const labeled = [await chooseAndSubmit(page, "Billing")];
  await screenshot(page, "label-stream");
  labeled.push(await chooseAndSubmit(page, "Technical issue"));
  labeled.push(await chooseAndSubmit(page, "Feature request"));
  expect(new Set(labeled).size).toBe(3);
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

  // Then the data manager lists the project's tasks with their counts
  await page.goto(`/projects/${projectId}/data`);
  await page.locator("tr.dm-row").first().waitFor();
  expect(await page.locator("tr.dm-row").count()).toBe(4);
  await screenshot(page, "data-manager");

  // When they reopen the first labeled task from the data manager and change its choice
  await page.getByRole("link", { name: `Open task ${labeled[0]}` }).click();
  await page.waitForURL(`**/label?task=${labeled[0]}`);
  await editorReady(page);
  const update = page.locator('#label-editor button[aria-label="submit"]', { hasText: "Update" });
  await update.waitFor();
  await page.locator("#label-editor label", { hasText: "Billing" }).first().click();
  await page.locator("#label-editor label", { hasText: "Account access" }).first().click();
  await screenshot(page, "label-update");
  await update.click();
  await page.locator(".label-notice-ok", { hasText: "Saved annotation" }).waitFor();

  // Then the stored annotation has the new choice, and no second annotation was made
  const stored = await annotationsOf(page, labeled[0]!);
  expect(stored).toHaveLength(1);
  expect(stored[0]!.result[0]!.value).toEqual({ choices: ["Account access"] });

  // When they export CSV and JSON, the files hold the three labeled tasks with their choices
  await page.goto(`/projects/${projectId}/export`);
  await page.locator('input[name="format"][value="CSV"]').waitFor();
  await screenshot(page, "export");
  const csv = download(page, "CSV");
  const csvText = await csv;
  const lines = csvText.trim().split("\n");
  expect(lines).toHaveLength(4);
  expect(lines[0]).toContain("category");
  expect(csvText).toContain("Account access");
  expect(csvText).toContain("Technical issue");
  expect(csvText).toContain("Feature request");
  const json = JSON.parse(await download(page, "JSON")) as { id: number; annotations: { result: { value: { choices: string[] } }[] }[] }[];
  expect(json.map((t) => t.id).sort()).toEqual([...labeled].sort());
  const byId = new Map(json.map((t) => [t.id, t.annotations[0]!.result[0]!.value.choices[0]]));
  expect(byId.get(labeled[0]!)).toBe("Account access");
  expect(byId.get(labeled[1]!)).toBe("Technical issue");
  await screenshot(page, "export-done");

  // When they filter the data manager to unlabeled tasks and delete the one left, with the dialog's confirmation
  await page.goto(`/projects/${projectId}/data`);
  await page.locator("tr.dm-row").first().waitFor();
  await page.getByLabel("Status").selectOption("unlabeled");
  await expect.poll(() => page.locator("tr.dm-row").count()).toBe(1);
  const unlabeled = Number(await page.locator("tr.dm-row td.dm-id a").first().textContent());
  expect(labeled).not.toContain(unlabeled);
  await page.getByLabel(`Select task ${unlabeled}`).check();
  await page.getByRole("button", { name: "Delete selected" }).click();
  await page.locator("dialog[open]").getByRole("button", { name: "Delete 1 task" }).click();
  await page.locator(".dm-notice", { hasText: "Deleted 1 task." }).waitFor();
  await page.getByLabel("Status").selectOption("all");
  await expect.poll(() => page.locator("tr.dm-row").count()).toBe(3);

  // And the same pages hold together at 768 wide
  await page.setViewportSize({ width: 768, height: 1000 });
  for (const [tab, name] of [["data", "data-manager-768"], ["import", "import-768"], ["settings", "settings-768"]] as const) {
    await page.goto(`/projects/${projectId}/${tab}`);
    await page.locator("main h1").first().waitFor();
    await page.waitForLoadState("networkidle");
    await screenshot(page, name);
  }
  // (the settings preview shows the project's own first task)
  await page.goto(`/projects/${projectId}/settings`);
  await page.locator(".config-preview", { hasText: "charged twice" }).waitFor({ timeout: 30_000 });
  await screenshot(page, "settings-preview-768");
  await page.goto(`/projects/${projectId}/label?task=${labeled[1]}`);
  await editorReady(page);
  await screenshot(page, "label-768");
  await page.goto("/projects");
  await page.locator(".project-card").first().waitFor();
  await screenshot(page, "projects-768");
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto("/projects");
  await page.locator(".project-card").first().waitFor();
  await screenshot(page, "projects");

  expect(problems).toEqual([]);
  await apiCall(page, "GET", "/api/current-user/whoami");
  await context.close();
});
