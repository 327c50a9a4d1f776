// The data manager's filter controls → Label Studio's Data Manager query, as the server evaluates it
// (shared/skylabel/dm_query.py): column names with the "filter:tasks:" prefix, typed values, and the ordering list.
import { describe, expect, it } from "vitest";
import {
  DEFAULT_ORDER,
  NO_FILTERS,
  buildQuery,
  deleteSelection,
  filterItems,
  hasFilters,
  nextOrder,
  orderingParam,
  pageCount,
  parseNumber,
} from "../src/pages/data";

describe("filterItems", () => {
  it("sends no filter for the defaults", () => {
    expect(filterItems(NO_FILTERS)).toEqual([]);
    expect(hasFilters(NO_FILTERS)).toBe(false);
  });

  it("maps the annotation state to counters", () => {
    expect(filterItems({ ...NO_FILTERS, state: "labeled" })).toEqual([
      { filter: "filter:tasks:total_annotations", operator: "greater", type: "Number", value: 0 },
    ]);
    expect(filterItems({ ...NO_FILTERS, state: "unlabeled" })).toEqual([
      { filter: "filter:tasks:total_annotations", operator: "equal", type: "Number", value: 0 },
      { filter: "filter:tasks:cancelled_annotations", operator: "equal", type: "Number", value: 0 },
    ]);
    expect(filterItems({ ...NO_FILTERS, state: "skipped" })).toEqual([
      { filter: "filter:tasks:cancelled_annotations", operator: "greater", type: "Number", value: 0 },
    ]);
  });

  it("filters a data field by contained text, trimmed, only with a field and text", () => {
    expect(filterItems({ ...NO_FILTERS, field: "text", text: "  great " })).toEqual([
      { filter: "filter:tasks:data.text", operator: "contains", type: "String", value: "great" },
    ]);
    expect(filterItems({ ...NO_FILTERS, field: "text", text: "   " })).toEqual([]);
    expect(filterItems({ ...NO_FILTERS, field: "", text: "great" })).toEqual([]);
  });

  it("filters by annotator id", () => {
    expect(filterItems({ ...NO_FILTERS, annotator: "7" })).toEqual([
      { filter: "filter:tasks:annotators", operator: "contains", type: "List", value: 7 },
    ]);
    expect(filterItems({ ...NO_FILTERS, annotator: "nobody" })).toEqual([]);
  });

  it("turns the score boxes into a range, a bound, or nothing", () => {
    const score = (scoreMin: string, scoreMax: string) => filterItems({ ...NO_FILTERS, scoreMin, scoreMax });
    expect(score("0.5", "0.9")).toEqual([
      { filter: "filter:tasks:predictions_score", operator: "in", type: "Number", value: { min: 0.5, max: 0.9 } },
    ]);
    expect(score("0.5", "")).toEqual([
      { filter: "filter:tasks:predictions_score", operator: "greater_or_equal", type: "Number", value: 0.5 },
    ]);
    expect(score("", "0")).toEqual([
      { filter: "filter:tasks:predictions_score", operator: "less_or_equal", type: "Number", value: 0 },
    ]);
    expect(score("abc", " ")).toEqual([]);
  });

  it("combines every filter with and", () => {
    const query = buildQuery(
      { state: "labeled", field: "text", text: "x", annotator: "1", scoreMin: "0.1", scoreMax: "" },
      DEFAULT_ORDER,
    );
    expect(query.filters.conjunction).toBe("and");
    expect(query.filters.items.map((i) => i.filter)).toEqual([
      "filter:tasks:total_annotations",
      "filter:tasks:data.text",
      "filter:tasks:annotators",
      "filter:tasks:predictions_score",
    ]);
  });
});

describe("ordering", () => {
  it("leaves the default order out so the server pages its index", () => {
    expect(orderingParam(DEFAULT_ORDER)).toEqual([]);
    expect(buildQuery(NO_FILTERS, DEFAULT_ORDER)).toEqual({ filters: { conjunction: "and", items: [] }, ordering: [] });
  });

  it("prefixes columns with tasks: and descending with -", () => {
    expect(orderingParam({ column: "id", desc: true })).toEqual(["-tasks:id"]);
    expect(orderingParam({ column: "data.text", desc: false })).toEqual(["tasks:data.text"]);
    expect(orderingParam({ column: "total_annotations", desc: true })).toEqual(["-tasks:total_annotations"]);
  });

  it("flips the direction on the same column and starts ascending on another", () => {
    expect(nextOrder({ column: "id", desc: false }, "id")).toEqual({ column: "id", desc: true });
    expect(nextOrder({ column: "id", desc: true }, "id")).toEqual({ column: "id", desc: false });
    expect(nextOrder({ column: "id", desc: true }, "created_at")).toEqual({ column: "created_at", desc: false });
  });
});

describe("helpers", () => {
  it("selects exactly the given tasks for bulk delete", () => {
    expect(deleteSelection([5, 3, 5])).toEqual({ selectedItems: { all: false, included: [3, 5] } });
    expect(deleteSelection([])).toEqual({ selectedItems: { all: false, included: [] } });
  });

  it("parses numbers typed by a person", () => {
    expect(parseNumber(" 0.25 ")).toBe(0.25);
    expect(parseNumber("")).toBeUndefined();
    expect(parseNumber("1e")).toBeUndefined();
  });

  it("counts pages, at least one", () => {
    expect(pageCount(0, 30)).toBe(1);
    expect(pageCount(30, 30)).toBe(1);
    expect(pageCount(31, 30)).toBe(2);
  });
});
