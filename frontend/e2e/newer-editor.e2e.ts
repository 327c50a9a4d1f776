// A config with a tag only the newer editor build has (Ranker, from Label Studio 1.13.1) is labeled with that
// build: the labeling page picks it from the config, and the ranking the annotator makes is what gets stored.
import { expect, inject, test } from "vitest";
import { open, screenshot, useBrowser } from "./browser";
import { annotationsOf, createProject, editorReady, shownTaskId, signUp, template } from "./steps";

const baseURL = inject("baseURL");
const browser = useBrowser();

test("a ranking config is labeled with the 1.13.1 editor", async () => {
  const { page, context, problems } = await open(browser(), baseURL);
  await signUp(page);
  const ranking = await template(page, "llm-response-ranking");
  const projectId = await createProject(page, "Answer ranking", ranking.config, [ranking.sample]);

  // Given the labeling page of a ranking project
  await page.goto(`/projects/${projectId}/label`);
  await editorReady(page);
  const taskId = await shownTaskId(page);
  expect(await page.evaluate(() => Array.from(document.querySelectorAll("script"), (s) => s.src).find((src) => src.includes("/vendor/")))).toContain(
    "label-studio-1.13.1",
  );

  // When the annotator moves the last answer to the top with the keyboard and submits
  const items = page.locator("#label-editor [data-rbd-drag-handle-draggable-id]");
  const ids = await items.evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-rbd-drag-handle-draggable-id")));
  await items.last().focus();
  for (const key of ["Space", ...ids.slice(1).map(() => "ArrowUp"), "Space"]) {
    await page.keyboard.press(key);
    await page.waitForTimeout(250); // the drag library animates each step
  }
  await screenshot(page, "label-ranking");
  await page.locator('#label-editor button[aria-label="submit"]', { hasText: "Submit" }).click();
  await page.locator(".label-notice-ok", { hasText: `Task #${taskId} submitted` }).waitFor();

  // Then the stored ranking starts with the answer that was moved
  const [annotation] = await annotationsOf(page, taskId);
  const ranker = annotation!.result.find((r) => r.type === "ranker")!;
  const order = Object.values(ranker.value.ranker as Record<string, string[]>)[0]!;
  expect(order[0]).toBe(ids[ids.length - 1]);
  expect(problems).toEqual([]);
  await context.close();
});
