import { describe, expect, test } from "vitest";
import { disabledReason, downloadHref, fileOf, fileStatusText, isBusy, quickHref, snapshotBody } from "../src/pages/export";

const choices = { title: "  Round 1 ", allTasks: false, includePredictions: true, onlyMine: false };

describe("snapshotBody", () => {
  test("defaults: annotated tasks only, predictions in, everyone's annotations", () => {
    expect(snapshotBody(choices, 7)).toEqual({
      title: "Round 1",
      task_filter_options: { only_with_annotations: true },
      annotation_filter_options: {},
      serialization_options: { predictions: { include: true } },
    });
  });

  test("all tasks, no predictions, only mine", () => {
    const body = snapshotBody({ ...choices, allTasks: true, includePredictions: false, onlyMine: true }, 7);
    expect(body.task_filter_options).toEqual({ only_with_annotations: false });
    expect(body.annotation_filter_options).toEqual({ annotators: [7] });
    expect(body.serialization_options).toEqual({ predictions: { include: false } });
  });

  test("only mine without a known user filters nothing rather than everything", () => {
    expect(snapshotBody({ ...choices, onlyMine: true }, null).annotation_filter_options).toEqual({});
  });
});

describe("files of an export", () => {
  const view = {
    converted_formats: [
      { id: 1, export_type: "JSON", status: "completed" as const, traceback: null },
      { id: 1, export_type: "CSV", status: "in_progress" as const, traceback: null },
    ],
  };

  test("found by format", () => {
    expect(fileOf(view, "CSV")?.status).toBe("in_progress");
    expect(fileOf(view, "TSV")).toBeUndefined();
  });

  test("a file not listed yet is still being made", () => {
    expect(isBusy(undefined)).toBe(true);
    expect(isBusy({ status: "queued" })).toBe(true);
    expect(isBusy({ status: "completed" })).toBe(false);
    expect(isBusy({ status: "failed" })).toBe(false);
    expect(fileStatusText(undefined)).toBe("Queued");
    expect(fileStatusText({ status: "completed" })).toBe("Ready");
  });
});

describe("links", () => {
  test("download of a job's file", () => {
    expect(downloadHref(3, 12, "CSV")).toBe("/api/projects/3/exports/12/download?exportType=CSV");
  });

  test("quick download carries Label Studio's download_all_tasks", () => {
    expect(quickHref(3, "JSON", true)).toBe("/api/projects/3/export?exportType=JSON&download_all_tasks=true");
    expect(quickHref(3, "CSV", false)).toBe("/api/projects/3/export?exportType=CSV&download_all_tasks=false");
  });
});

describe("disabledReason", () => {
  test("the server's reason wins, then what the format needs, then a general one", () => {
    expect(disabledReason({ name: "COCO", title: "COCO", description: "", disabled: true, disabled_reason: "Nope." })).toBe("Nope.");
    expect(disabledReason({ name: "VOC", title: "VOC", description: "", disabled: true })).toBe(
      "Needs an Image with RectangleLabels in the labeling config.",
    );
    expect(disabledReason({ name: "NEW", title: "New", description: "", disabled: true })).toMatch(/Not available/);
  });
});
