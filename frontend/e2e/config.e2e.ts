// A labeling config with a mistake is explained where it is typed, and the project cannot be created with it.
import { expect, inject, test } from "vitest";
import { open, screenshot, useBrowser } from "./browser";
import { signUp } from "./steps";

const baseURL = inject("baseURL");
const browser = useBrowser();

test("a bad config's error is shown inline", async () => {
  const { page, context, problems } = await open(browser(), baseURL);
  await signUp(page);
  await page.goto("/projects/new");
  await page.getByLabel("Title").fill("Typo");
  await page.getByRole("button", { name: /Custom/ }).first().click();

  // When the config names a tag that does not exist
  const editor = page.getByLabel(/Labeling config/);
  await editor.fill('<View>\n  <Text name="text" value="$text"/>\n  <Choises name="c" toName="text"><Choice value="A"/></Choises>\n</View>');

  // Then the server's message appears under the editor, the preview waits, and Create is refused
  const errors = page.locator(".config-errors");
  await expect.poll(() => errors.textContent(), { timeout: 15_000 }).toMatch(/Choises/);
  await screenshot(page, "config-error");
  expect(await page.getByRole("button", { name: "Create project" }).isDisabled()).toBe(true);

  // And fixing it makes it valid again
  await editor.fill('<View>\n  <Text name="text" value="$text"/>\n  <Choices name="c" toName="text"><Choice value="A"/></Choices>\n</View>');
  await page.getByText("The config is valid.").waitFor({ timeout: 15_000 });
  expect(await page.getByRole("button", { name: "Create project" }).isDisabled()).toBe(false);
  expect(problems).toEqual([]);
  await context.close();
});
