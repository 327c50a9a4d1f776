// Work in progress survives leaving the page (Label Studio's drafts API), and skipping moves on.
import { expect, inject, test } from "vitest";
import { open, screenshot, useBrowser } from "./browser";
import { apiCall, createProject, editorReady, shownTaskId, signUp, template } from "./steps";

const baseURL = inject("baseURL");
const browser = useBrowser();

test("a draft is saved while labeling, restored on return, and gone once submitted; skip moves on", async () => {
  const { page, context, problems } = await open(browser(), baseURL);
  await signUp(page);
  const { config } = await template(page, "text-classification");
  const projectId = await createProject(page, "Drafts", config, [{ text: "First ticket" }, { text: "Second ticket" }]);

  // Given an annotator who picks a choice and leaves without submitting
  await page.goto(`/projects/${projectId}/label`);
  await editorReady(page);
  const taskId = await shownTaskId(page);
  await page.locator("#label-editor label", { hasText: "Other" }).first().click();
  await page.locator(".label-draft", { hasText: "Draft saved" }).waitFor({ timeout: 15_000 });
  const [draft] = await apiCall<{ id: number; result: { value: unknown }[] }[]>(page, "GET", `/api/tasks/${taskId}/drafts`);
  expect(draft!.result[0]!.value).toEqual({ choices: ["Other"] });
  await page.goto(`/projects/${projectId}/data`);

  // When they come back to the task, their choice is there again
  await page.goto(`/projects/${projectId}/label?task=${taskId}`);
  await editorReady(page);
  await page.locator(".label-draft", { hasText: "restored" }).waitFor();
  expect(await page.locator("#label-editor input[name='Other']").isChecked()).toBe(true);
  await screenshot(page, "label-draft-restored");

  // Then submitting it stores the annotation and removes the draft
  await page.locator('#label-editor button[aria-label="submit"]', { hasText: "Submit" }).click();
  await page.locator(".label-notice-ok").waitFor();
  expect(await apiCall(page, "GET", `/api/tasks/${taskId}/drafts`)).toEqual([]);
  const [annotation] = await apiCall<{ result: { value: unknown }[] }[]>(page, "GET", `/api/tasks/${taskId}/annotations`);
  expect(annotation!.result[0]!.value).toEqual({ choices: ["Other"] });

  // And skipping the other task in the stream records it as skipped and reaches the end
  await page.goto(`/projects/${projectId}/label`);
  await editorReady(page);
  const other = await shownTaskId(page);
  await page.locator('#label-editor button[aria-label="skip-task"]').click();
  await page.locator(".label-notice-ok", { hasText: `Task #${other} skipped` }).waitFor();
  const [skipped] = await apiCall<{ was_cancelled: boolean }[]>(page, "GET", `/api/tasks/${other}/annotations`);
  expect(skipped!.was_cancelled).toBe(true);
  expect(problems).toEqual([]);
  await context.close();
});
