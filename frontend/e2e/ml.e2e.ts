// Machine learning in the loop, in the browser, against a real Label Studio ML backend (tests/mlbackend.py, the
// same HTTP server the Python tests use, started here on a free 127.0.0.1 port): connect it on the Models page
// (a wrong URL first, refused with the backend check's message), predict the project and watch the job, see the
// predictions and scores in the data manager and retrieve the missing one there, open a task whose prediction is
// preloaded in the editor and submit it, train, switch to uncertainty sampling, disconnect. A second test labels
// an entity with an interactive backend and gets the other mention suggested. No console errors anywhere.
import { spawn, type ChildProcess } from "node:child_process";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, inject, test } from "vitest";
import { open, screenshot, useBrowser } from "./browser";
import { annotationsOf, apiCall, createProject, drag, editorReady, shownTaskId, signUp, template, textBox } from "./steps";

const baseURL = inject("baseURL");
const ROOT = resolve(import.meta.dirname, "..", "..");
const browser = useBrowser();
let backend: ChildProcess | undefined;
let backendURL = "";

const SENTIMENT = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text">
    <Choice value="Positive"/>
    <Choice value="Negative"/>
  </Choices>
</View>`;

/** The test ML backend in a child Python process; it prints its URL and lives until its stdin closes. */
function startBackend(): Promise<string> {
  const script = [
    "import sys",
    `sys.path.insert(0, ${JSON.stringify(ROOT)})`,
    "from tests.mlbackend import MLBackend",
    "backend = MLBackend().start()",
    "print(backend.url, flush=True)",
    "sys.stdin.read()",
  ].join("\n");
  backend = spawn(join(ROOT, ".venv", "bin", "python"), ["-c", script], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  return new Promise((done, fail) => {
    let output = "";
    const timer = setTimeout(() => fail(new Error(`the ML backend did not start:\n${output}`)), 20_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(output)?.[0];
      if (url) {
        clearTimeout(timer);
        done(url);
      }
    };
    backend!.stdout!.on("data", read);
    backend!.stderr!.on("data", read);
    backend!.once("exit", (code) => fail(new Error(`the ML backend exited with ${code}:\n${output}`)));
  });
}

beforeAll(async () => {
  backendURL = await startBackend();
});

afterAll(() => {
  if (backend && backend.exitCode === null) {
    backend.stdin?.end();
    backend.kill("SIGTERM");
  }
});

async function models(page: Page, projectId: number): Promise<void> {
  await page.goto(`/projects/${projectId}/models`);
  await page.locator("main h1").first().waitFor();
  await page.waitForLoadState("networkidle");
}

test("connect a backend, predict the project, see and use the predictions, train", async () => {
  const { page, context, problems } = await open(browser(), baseURL);
  await signUp(page);
  const projectId = await createProject(page, "Reviews", SENTIMENT, [
    { text: "I love this product" },
    { text: "Terrible support, never again" },
    { text: "Great value for the money" },
  ]);

  // Given the Models tab of a project without a model, which opens on the connect form
  await page.goto(`/projects/${projectId}/data`);
  await page.getByRole("navigation", { name: "Project" }).getByRole("link", { name: "Models" }).click();
  await page.waitForURL(`**/projects/${projectId}/models`);
  await page.getByRole("heading", { name: "Connect a model" }).waitFor();

  // When a URL where nothing listens is entered, the backend check refuses it and says why
  await page.getByLabel("URL").fill("http://127.0.0.1:9");
  await page.getByRole("button", { name: "Test and connect" }).click();
  await page.locator(".ml-add .error", { hasText: "health check failed" }).waitFor();
  await screenshot(page, "ml-connect-refused");
  // The browser logs the refusal (a 400) as a failed request: that one is expected, nothing else.
  expect(problems.splice(0)).toEqual([expect.stringMatching(/status of 400 \(Bad Request\)/)]);

  // And the backend's real URL connects it
  await page.getByLabel("URL").fill(backendURL);
  await page.getByLabel("Title").fill("Sentiment rules");
  await page.getByRole("button", { name: "Test and connect" }).click();
  const card = page.locator('[data-testid="ml-backend"]');
  await card.waitFor();
  await expect.poll(() => card.locator('[data-testid="ml-state"]').textContent()).toBe("Connected");
  const firstVersion = (await card.locator('[data-testid="ml-version"]').textContent()) ?? "";
  expect(firstVersion).toMatch(/^rule-v1/);
  await card.getByRole("button", { name: "Test connection" }).click();
  await card.locator('[data-testid="ml-outcome"]', { hasText: "Connected." }).waitFor();
  await screenshot(page, "ml-connected");

  // When the project is predicted, the job ends with every task predicted
  await card.locator('[data-testid="ml-predict"]').click();
  await card.locator('[data-testid="ml-jobs"]', { hasText: "3 predicted" }).waitFor({ timeout: 30_000 });
  await expect.poll(() => card.locator('[data-testid="ml-jobs"] tbody tr').first().textContent()).toContain("Done");
  await screenshot(page, "ml-predicted");

  // Then the data manager shows a prediction and its score on every task
  const extra = await apiCall<{ task_ids: number[] }>(page, "POST", `/api/projects/${projectId}/import?return_task_ids=true`, [
    { text: "Good enough, I guess" },
  ]);
  await page.goto(`/projects/${projectId}/data`);
  await page.locator("tr.dm-row").first().waitFor();
  const scores = await page.locator("tr.dm-row td.dm-score-col").allTextContents();
  expect(scores.map((s) => s.trim())).toEqual(["0.90", "0.60", "0.90", "–"]);

  // When "Retrieve predictions" runs on every task, only the new one is sent, and the table reloads with it
  await page.getByRole("button", { name: "Retrieve predictions" }).click();
  await page.locator('[data-testid="dm-retrieval"]', { hasText: "1 predicted · 3 already had one" }).waitFor({ timeout: 30_000 });
  await expect.poll(async () => (await page.locator("tr.dm-row td.dm-score-col").allTextContents()).map((s) => s.trim())).toEqual([
    "0.90", "0.60", "0.90", "0.90",
  ]);
  await screenshot(page, "ml-data-manager");
  const listing = await apiCall<{ total_predictions: number }>(page, "GET", `/api/tasks?project=${projectId}&page_size=10`);
  expect(listing.total_predictions).toBe(4);
  expect(extra.task_ids).toHaveLength(1);

  // When the second task is opened, the model's "Negative" is already chosen, and submitting stores it
  const rows = await page.locator("tr.dm-row td.dm-id a").allTextContents();
  const negative = Number(rows[1]);
  await page.getByRole("link", { name: `Open task ${negative}` }).click();
  await editorReady(page);
  expect(await shownTaskId(page)).toBe(negative);
  await expect.poll(() => page.locator("#label-editor input[name='Negative']").isChecked()).toBe(true);
  expect(await page.locator("#label-editor input[name='Positive']").isChecked()).toBe(false);
  await page.locator('[data-testid="label-prelabeled"]', { hasText: "Pre-labeled by the model (rule-v1, score 0.60)" }).waitFor();
  await screenshot(page, "ml-label-prediction");
  await page.locator('#label-editor button[aria-label="submit"]', { hasText: "Submit" }).click();
  await page.locator(".label-notice-ok", { hasText: "Saved as annotation" }).waitFor();
  const [annotation] = await annotationsOf(page, negative);
  expect(annotation!.result[0]!.value).toEqual({ choices: ["Negative"] });

  // When the model is trained, the backend reports a new version and the versions list has both
  await models(page, projectId);
  await card.locator('[data-testid="ml-train"]').click();
  await card.locator('[data-testid="ml-outcome"]', { hasText: "Model version is now" }).waitFor({ timeout: 30_000 });
  const trained = (await card.locator('[data-testid="ml-version"]').textContent()) ?? "";
  expect(trained).not.toBe(firstVersion);
  await card.getByText("Model versions").click();
  await expect.poll(() => card.locator('[data-testid="ml-versions"]').textContent()).toContain(trained);
  expect(await card.locator('[data-testid="ml-versions"]').textContent()).toContain(firstVersion);
  await screenshot(page, "ml-trained");

  // And active learning is one option away: tasks the model is least sure of come first
  const options = page.locator(".ml-options");
  await options.getByLabel("Task order for annotators").selectOption("Uncertainty sampling");
  await options.getByText("least sure about first").waitFor();
  await options.getByRole("button", { name: "Save" }).click();
  await options.getByText("✓ Saved").waitFor();
  const project = await apiCall<{ sampling: string }>(page, "GET", `/api/projects/${projectId}`);
  expect(project.sampling).toBe("Uncertainty sampling");

  // The same pages at 768 wide
  await page.setViewportSize({ width: 768, height: 1000 });
  await models(page, projectId);
  await screenshot(page, "ml-models-768");
  await page.goto(`/projects/${projectId}/data`);
  await page.locator("tr.dm-row").first().waitFor();
  await screenshot(page, "ml-data-manager-768");
  await page.setViewportSize({ width: 1280, height: 800 });

  // When the backend is disconnected (after confirming), the page offers to connect one again
  await models(page, projectId);
  await card.getByRole("button", { name: "Delete…" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByText("keeps the predictions").waitFor();
  await screenshot(page, "ml-disconnect");
  await dialog.getByRole("button", { name: "Disconnect" }).click();
  await page.getByRole("heading", { name: "Connect a model" }).waitFor();
  expect(await apiCall<unknown[]>(page, "GET", `/api/ml?project=${projectId}`)).toEqual([]);

  expect(problems).toEqual([]);
  await context.close();
});

test("an interactive backend suggests the other mentions of an entity the annotator marked", async () => {
  const { page, context, problems } = await open(browser(), baseURL);
  await signUp(page);
  const ner = await template(page, "named-entity-recognition");
  const text = "Anna met Bob in Paris. Later Anna flew home.";
  const projectId = await createProject(page, "People", ner.config, [{ text }]);
  await apiCall(page, "POST", "/api/ml", { url: backendURL, project: projectId, title: "Mentions", is_interactive: true });

  // Given the label stream of a project whose backend is interactive
  await page.goto(`/projects/${projectId}/label`);
  await editorReady(page);
  const taskId = await shownTaskId(page);
  const bar = page.locator('[data-testid="label-ml"]');
  await bar.getByText("Mentions").waitFor();

  // When the annotator marks the first "Anna" as a Person
  await page.locator("#label-editor .lsf-label", { hasText: "Person" }).first().click();
  const anna = await textBox(page, "Anna");
  await drag(page, { x: anna.x + 2, y: anna.y + anna.height / 2 }, { x: anna.x + anna.width - 2, y: anna.y + anna.height / 2 });

  // Then the model is asked and its other mention appears in the annotation
  await bar.getByText("The model suggested 1 region.").waitFor({ timeout: 15_000 });
  await screenshot(page, "ml-interactive");

  // And submitting stores both spans
  await page.locator('#label-editor button[aria-label="submit"]', { hasText: "Submit" }).click();
  await page.locator(".label-notice-ok", { hasText: `Task #${taskId} submitted` }).waitFor();
  const [annotation] = await annotationsOf(page, taskId);
  const spans = annotation!.result.filter((r) => r.type === "labels").map((r) => [r.value.start, r.value.end, r.value.labels]);
  expect(spans.sort()).toEqual([
    [0, 4, ["Person"]],
    [text.lastIndexOf("Anna"), text.lastIndexOf("Anna") + 4, ["Person"]],
  ]);

  expect(problems).toEqual([]);
  await context.close();
});
