// Labeling with the mouse: an entity span selected in text (NER) and a box dragged on an imported image. Both
// end as Label Studio results stored on the server, checked through the API.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { expect, inject, test } from "vitest";
import { open, screenshot, useBrowser } from "./browser";
import { annotationsOf, createProject, drag, editorReady, shownTaskId, signUp, template, textBox } from "./steps";

const baseURL = inject("baseURL");
const IMAGE = resolve(import.meta.dirname, "..", "public", "samples", "image.png");
const browser = useBrowser();

test("an entity span labeled by mouse selection", async () => {
  const { page, context, problems } = await open(browser(), baseURL);
  await signUp(page);
  const ner = await template(page, "named-entity-recognition");
  const projectId = await createProject(page, "People and places", ner.config, [ner.sample]);

  // Given the labeling page with the task's text
  await page.goto(`/projects/${projectId}/label`);
  await editorReady(page);
  const taskId = await shownTaskId(page);

  // When the annotator picks "Person" and selects the name with the mouse, then submits
  await page.locator("#label-editor .lsf-label", { hasText: "Person" }).first().click();
  const name = await textBox(page, "Maria Okafor");
  await drag(page, { x: name.x + 2, y: name.y + name.height / 2 }, { x: name.x + name.width - 2, y: name.y + name.height / 2 });
  await screenshot(page, "label-ner");
  await page.locator('#label-editor button[aria-label="submit"]', { hasText: "Submit" }).click();
  await page.locator(".label-notice-ok", { hasText: `Task #${taskId} submitted` }).waitFor();

  // Then the server holds a span with the label and the exact characters
  const [annotation] = await annotationsOf(page, taskId);
  const span = annotation!.result.find((r) => r.type === "labels")!;
  const text = ner.sample.text as string;
  expect(span.value).toMatchObject({ labels: ["Person"], text: "Maria Okafor", start: text.indexOf("Maria"), end: text.indexOf("Maria") + 12 });
  expect(problems).toEqual([]);
  await context.close();
});

test("an image imported through the page and a box drawn by mouse drag", async () => {
  const { page, context, problems } = await open(browser(), baseURL);
  await signUp(page);
  const bbox = await template(page, "object-detection-bounding-boxes");
  const projectId = await createProject(page, "Street scenes", bbox.config);

  // Given an image imported with the import page's file picker
  await page.goto(`/projects/${projectId}/import`);
  await page.locator("#import-files").setInputFiles({ name: "street.png", mimeType: "image/png", buffer: readFileSync(IMAGE) });
  await expect.poll(() => page.locator('[data-testid="import-task-count"]').first().textContent(), { timeout: 30_000 }).toBe("1 task");

  // When the annotator picks "Car" and drags a box over the image, then submits
  await page.goto(`/projects/${projectId}/label`);
  await editorReady(page);
  const taskId = await shownTaskId(page);
  const image = page.locator("#label-editor .lsf-main-view__annotation img").first();
  await image.waitFor();
  await expect.poll(async () => (await image.boundingBox())?.width ?? 0).toBeGreaterThan(100);
  const shown = (await image.boundingBox())!;
  await page.locator("#label-editor .lsf-label", { hasText: "Car" }).first().click();
  await drag(page, { x: shown.x + shown.width * 0.2, y: shown.y + shown.height * 0.25 }, { x: shown.x + shown.width * 0.6, y: shown.y + shown.height * 0.75 });
  await screenshot(page, "label-bbox");
  await page.locator('#label-editor button[aria-label="submit"]', { hasText: "Submit" }).click();
  await page.locator(".label-notice-ok", { hasText: `Task #${taskId} submitted` }).waitFor();

  // Then the stored box is where it was drawn, in percent of the image, with the image's real size
  const [annotation] = await annotationsOf(page, taskId);
  const box = annotation!.result.find((r) => r.type === "rectanglelabels")! as { value: Record<string, number | string[]>; original_width?: number };
  expect(box.value.rectanglelabels).toEqual(["Car"]);
  expect(box.value.x as number).toBeCloseTo(20, 0);
  expect(box.value.y as number).toBeCloseTo(25, 0);
  expect(box.value.width as number).toBeCloseTo(40, 0);
  expect(box.value.height as number).toBeCloseTo(50, 0);
  expect(box.original_width).toBe(640);
  expect(problems).toEqual([]);
  await context.close();
});
