import { describe, expect, test } from "vitest";
import { match, navigate } from "../src/router";

window.scrollTo = () => {};

describe("match", () => {
  test("fills named parts", () => {
    expect(match("/projects/:id/:tab", "/projects/12/data")).toEqual({ id: "12", tab: "data" });
  });

  test("tolerates a trailing slash and refuses other shapes", () => {
    expect(match("/projects/:id", "/projects/12/")).toEqual({ id: "12" });
    expect(match("/projects/:id", "/projects/12/data")).toBeNull();
    expect(match("/projects/new", "/projects/12")).toBeNull();
  });

  test("decodes parts", () => {
    expect(match("/x/:name", "/x/a%20b")).toEqual({ name: "a b" });
  });
});

describe("navigate", () => {
  test("pushes the path and replaces on request", () => {
    const before = history.length;
    navigate("/projects/3/data");
    expect(location.pathname).toBe("/projects/3/data");
    expect(history.length).toBe(before + 1);
    navigate("/signin", { replace: true });
    expect(location.pathname).toBe("/signin");
    expect(history.length).toBe(before + 1);
  });
});
