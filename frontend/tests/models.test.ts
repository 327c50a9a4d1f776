// The browser side of ML backends, its pure parts: job progress and summaries, which backend the server will
// use, the connect form's body, the data manager's action selection, and the editor's suggestion filter.
import { describe, expect, it } from "vitest";
import { newSuggestions, interfaces } from "../src/editor/mount";
import { actionSelection, buildQuery, DEFAULT_ORDER, NO_FILTERS } from "../src/pages/data";
import {
  backendBody,
  defaultBackend,
  extraParamsText,
  interactiveBackend,
  isFinished,
  jobPercent,
  jobSummary,
  parseExtraParams,
  stateTone,
  type MlJob,
} from "../src/pages/models";
import type { AnnotationResult } from "../src/types";

function job(fields: Partial<MlJob>): MlJob {
  return {
    id: 1, ml_backend: 1, status: "in_progress", origin: "api", model_version: "v1", total: 10, done: 0, predicted: 0,
    empty: 0, skipped: 0, failed: 0, auto_accepted: 0, error: null, progress: 0, errors: [], created_at: "",
    started_at: null, finished_at: null, ...fields,
  };
}

describe("prediction jobs", () => {
  it("knows which statuses are final", () => {
    expect(isFinished(job({ status: "queued" }))).toBe(false);
    expect(isFinished(job({ status: "in_progress" }))).toBe(false);
    expect(isFinished(job({ status: "completed" }))).toBe(true);
    expect(isFinished(job({ status: "completed_with_errors" }))).toBe(true);
    expect(isFinished(job({ status: "failed" }))).toBe(true);
  });

  it("turns the server's 0–1 progress into a bounded percent, full once finished", () => {
    expect(jobPercent(job({ progress: 0.333 }))).toBe(33);
    expect(jobPercent(job({ progress: 1.7 }))).toBe(100);
    expect(jobPercent(job({ progress: -1 }))).toBe(0);
    expect(jobPercent(job({ status: "failed", progress: 0 }))).toBe(100);
  });

  it("says what a job did, leaving out the zero counts", () => {
    expect(jobSummary(job({ status: "completed", predicted: 3 }))).toBe("3 predicted");
    expect(jobSummary(job({ status: "completed_with_errors", predicted: 2, empty: 1, skipped: 4, failed: 5, auto_accepted: 1 }))).toBe(
      "2 predicted · 1 without a prediction · 4 already had one · 5 failed · 1 auto-accepted",
    );
    expect(jobSummary(job({ status: "in_progress", total: 10, done: 4, predicted: 4 }))).toBe("4 of 10 tasks · 4 predicted");
    expect(jobSummary(job({ status: "queued", total: null }))).toBe("Starting…");
    expect(jobSummary(job({ status: "completed", total: 0 }))).toBe("No task needed a prediction");
  });
});

describe("which backend", () => {
  const a = { id: 1, state: "ER", is_interactive: true };
  const b = { id: 2, state: "CO", is_interactive: false };
  const c = { id: 3, state: "CO", is_interactive: true };

  it("uses the first connected backend, as the server's Data Manager action does", () => {
    expect(defaultBackend([a, b, c])?.id).toBe(2);
    expect(defaultBackend([a])?.id).toBe(1);
    expect(defaultBackend([])).toBeUndefined();
  });

  it("asks an interactive backend, a connected one first", () => {
    expect(interactiveBackend([a, b, c])?.id).toBe(3);
    expect(interactiveBackend([a, b])?.id).toBe(1);
    expect(interactiveBackend([b])).toBeUndefined();
  });

  it("shows the state as a tone", () => {
    expect(stateTone("CO")).toBe("ok");
    expect(stateTone("ER")).toBe("error");
    expect(stateTone("TR")).toBe("busy");
    expect(stateTone("DI")).toBe("off");
  });
});

describe("the connect form", () => {
  const form = { url: " http://localhost:9090 ", title: "", isInteractive: true, basicAuth: false, user: "", password: "", timeout: "30", extraParams: "" };

  it("parses extra params as JSON, empty as none", () => {
    expect(parseExtraParams("  ")).toEqual({ value: null });
    expect(parseExtraParams('{"a": 1}')).toEqual({ value: { a: 1 } });
    expect(parseExtraParams("{a:1}")).toHaveProperty("error");
    expect(extraParamsText(null)).toBe("");
    expect(extraParamsText('{"a":1}')).toBe('{"a":1}');
    expect(extraParamsText({ a: 1 })).toBe('{\n  "a": 1\n}');
  });

  it("builds Label Studio's body for a new backend", () => {
    expect(backendBody(form, null, false)).toEqual({
      url: "http://localhost:9090", title: undefined, is_interactive: true, auth_method: "NONE", timeout: 30, extra_params: null,
    });
    expect(backendBody({ ...form, basicAuth: true, user: "u", password: "p" }, { k: 1 }, false)).toMatchObject({
      auth_method: "BASIC_AUTH", basic_auth_user: "u", basic_auth_pass: "p", extra_params: { k: 1 },
    });
  });

  it("keeps the saved password and title when left empty on edit", () => {
    const body = backendBody({ ...form, basicAuth: true, user: "u" }, null, true);
    expect(body).not.toHaveProperty("basic_auth_pass");
    expect(body).not.toHaveProperty("title");
    expect(body.basic_auth_user).toBe("u");
  });
});

describe("Retrieve predictions in the data manager", () => {
  it("acts on the selected tasks, or on every task the filters match", () => {
    const query = buildQuery({ ...NO_FILTERS, state: "unlabeled" }, DEFAULT_ORDER);
    expect(actionSelection([3, 1, 3], query)).toEqual({ selectedItems: { all: false, included: [1, 3] } });
    expect(actionSelection([], query)).toEqual({ selectedItems: { all: true, excluded: [] }, filters: query.filters, ordering: [] });
  });
});

describe("interactive pre-annotation in the editor", () => {
  const span = (start: number, end: number, extra: Record<string, unknown> = {}): AnnotationResult => ({
    from_name: "label", to_name: "text", type: "labels", value: { start, end, text: "Anna", labels: ["Person"] }, ...extra,
  });

  it("drops the suggestions the annotation already has, whatever their ids and key order", () => {
    const drawn = { id: "abc", origin: "manual", from_name: "label", to_name: "text", type: "labels", value: { labels: ["Person"], text: "Anna", end: 4, start: 0 } };
    expect(newSuggestions([span(0, 4), span(20, 24)], [drawn])).toEqual([span(20, 24)]);
    expect(newSuggestions([span(20, 24), span(20, 24)], [])).toEqual([span(20, 24)]);
  });

  it("ignores an answer that is not a list of results", () => {
    expect(newSuggestions(null, [])).toEqual([]);
    expect(newSuggestions([{ nothing: true }, "x"], [])).toEqual([]);
  });

  it("shows the editor's Auto-Annotation switch only with an interactive backend", () => {
    expect(interfaces(false)).not.toContain("auto-annotation");
    expect(interfaces(false, true)).toContain("auto-annotation");
  });
});
