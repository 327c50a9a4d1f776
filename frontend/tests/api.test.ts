import { afterEach, describe, expect, test, vi } from "vitest";
import { api, ApiError, csrfToken, errorFrom, setUnauthorizedHandler, withQuery } from "../src/api";

afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = "skylabel_csrf=; Max-Age=0; Path=/";
});

describe("errorFrom", () => {
  test("a plain detail is the message", () => {
    expect(errorFrom(404, { status_code: 404, detail: "Not found." }).message).toBe("Not found.");
  });

  test("validation errors name their field and replace the generic detail", () => {
    const error = errorFrom(400, {
      detail: "Validation error",
      validation_errors: { label_config: ["Line 3: unknown tag <Lable>."], non_field_errors: ["Try again."] },
    });
    expect(error.message).toBe("label_config: Line 3: unknown tag <Lable>.\nTry again.");
    expect(error.fields.label_config).toEqual(["Line 3: unknown tag <Lable>."]);
  });

  test("nested field errors are flattened with dotted names", () => {
    const error = errorFrom(400, { detail: "Bad import", validation_errors: { tasks: { "3": ["data is required"] } } });
    expect(error.message).toBe("Bad import\ntasks.3: data is required");
  });

  test("no body still says what happened", () => {
    expect(errorFrom(502, null).message).toBe("The server answered HTTP 502.");
    expect(errorFrom(0, null).message).toMatch(/cannot be reached/);
  });
});

describe("withQuery", () => {
  test("skips empty values and repeats arrays", () => {
    expect(withQuery("/api/tasks", { project: 3, page: undefined, q: "", ids: [1, 2] })).toBe("/api/tasks?project=3&ids=1&ids=2");
    expect(withQuery("/api/x?a=1", { b: true })).toBe("/api/x?a=1&b=true");
  });
});

describe("request", () => {
  test("state-changing calls carry the CSRF cookie's value; reads do not", async () => {
    document.cookie = "skylabel_csrf=abc%2F1; Path=/";
    expect(csrfToken()).toBe("abc/1");
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ id: 1 }), { status: 201 }));
    vi.stubGlobal("fetch", fetchMock);
    await api.post("/api/projects", { title: "A" });
    await api.get("/api/projects");
    const [, post] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    const [, get] = fetchMock.mock.calls[1] as unknown as [string, RequestInit];
    expect((post.headers as Record<string, string>)["X-CSRFToken"]).toBe("abc/1");
    expect(post.body).toBe('{"title":"A"}');
    expect((get.headers as Record<string, string>)["X-CSRFToken"]).toBeUndefined();
  });

  test("an error answer becomes an ApiError and a 401 tells the session", async () => {
    const unauthorized = vi.fn();
    setUnauthorizedHandler(unauthorized);
    vi.stubGlobal("fetch", vi.fn(async () => new Response('{"detail":"Authentication credentials were not provided."}', { status: 401 })));
    await expect(api.get("/api/projects")).rejects.toBeInstanceOf(ApiError);
    expect(unauthorized).toHaveBeenCalledOnce();
  });

  test("a network failure is a readable ApiError with status 0", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    await expect(api.get("/api/projects")).rejects.toMatchObject({ status: 0 });
  });
});
