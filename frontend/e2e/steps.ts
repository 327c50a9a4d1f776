// Steps several browser tests share. Set-up that is not what a test is about (an account, a project with tasks)
// goes through the API with the browser's own session cookie, so the test spends its time on the page under test.
import type { BrowserContext, Page } from "playwright-core";
import { expect } from "vitest";
import { newEmail } from "./browser";

async function csrf(context: BrowserContext): Promise<string> {
  return (await context.cookies()).find((c) => c.name === "skylabel_csrf")?.value ?? "";
}

/** A signed-in browser: sign-up through the API, which sets the same cookies the sign-up page gets. */
export async function signUp(page: Page): Promise<string> {
  const email = newEmail();
  const response = await page.request.post("/api/auth/signup", { data: { email, password: "correct horse battery" } });
  expect(response.status()).toBe(201);
  return email;
}

export async function apiCall<T>(page: Page, method: string, path: string, data?: unknown): Promise<T> {
  const response = await page.request.fetch(path, {
    method,
    data: data === undefined ? undefined : JSON.stringify(data),
    headers: { "Content-Type": "application/json", "X-CSRFToken": await csrf(page.context()) },
  });
  if (!response.ok()) throw new Error(`${method} ${path} answered ${response.status()}: ${await response.text()}`);
  return (response.status() === 204 ? null : await response.json()) as T;
}

export async function template(page: Page, slug: string): Promise<{ config: string; sample: Record<string, unknown> }> {
  const { templates } = await apiCall<{ templates: { slug: string; config: string; sample: Record<string, unknown> }[] }>(page, "GET", "/api/templates");
  const found = templates.find((t) => t.slug === slug);
  if (!found) throw new Error(`no template ${slug}`);
  return found;
}

export async function createProject(page: Page, title: string, config: string, tasks: Record<string, unknown>[] = []): Promise<number> {
  const project = await apiCall<{ id: number }>(page, "POST", "/api/projects", { title, label_config: config });
  if (tasks.length) await apiCall(page, "POST", `/api/projects/${project.id}/import`, tasks);
  return project.id;
}

export interface StoredAnnotation {
  id: number;
  result: { type: string; value: Record<string, unknown> }[];
}

export async function annotationsOf(page: Page, taskId: number): Promise<StoredAnnotation[]> {
  return apiCall<StoredAnnotation[]>(page, "GET", `/api/tasks/${taskId}/annotations`);
}

/** The id of the task the labeling page shows ("#12" in its header). */
export async function shownTaskId(page: Page): Promise<number> {
  const text = await page.locator(".label-meta strong").first().textContent();
  return Number((text ?? "").replace(/\D/g, ""));
}

/** Waits until the editor has mounted its task: its Submit/Update button is on the page. */
export async function editorReady(page: Page): Promise<void> {
  await page.locator('#label-editor button[aria-label="submit"]').first().waitFor({ state: "visible", timeout: 30_000 });
}

/** Drags the mouse from one point to another in small steps, as a hand would. */
export async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 12 });
  await page.mouse.up();
}

/** Where a word sits on screen in the editor's text (the first or the n-th occurrence). */
export async function textBox(page: Page, word: string, nth = 0): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = await page.evaluate(
    ({ word, nth }) => {
      const container = document.querySelector("#label-editor .lsf-richtext__container");
      if (!container) return null;
      const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
      let seen = 0;
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        let at = node.textContent?.indexOf(word) ?? -1;
        while (at >= 0) {
          if (seen === nth) {
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + word.length);
            const rect = range.getBoundingClientRect();
            return { x: rect.x, y: rect.y, width: rect.width, height: rect.height };
          }
          seen += 1;
          at = node.textContent!.indexOf(word, at + 1);
        }
      }
      return null;
    },
    { word, nth },
  );
  if (!box) throw new Error(`"${word}" is not shown in the editor`);
  return box;
}
