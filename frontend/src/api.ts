// The one way the app talks to the server: Label Studio's REST API on the same origin.
//
// The browser is signed in with an httpOnly session cookie the script cannot read; state-changing calls
// carry the CSRF token from the readable `skylabel_csrf` cookie in a header (double submit, tied to the
// session on the server). Errors arrive in Label Studio's shape and are turned into one message a person
// can act on, shown as it is.

export const CSRF_COOKIE = "skylabel_csrf";
export const CSRF_HEADER = "X-CSRFToken";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: Record<string, string[]> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

type Query = Record<string, string | number | boolean | undefined | null | (string | number)[]>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

let onUnauthorized: () => void = () => {};

/** Called when the server says the session is gone (signed out elsewhere, expired). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export function csrfToken(): string {
  const match = document.cookie.split(";").map((c) => c.trim()).find((c) => c.startsWith(`${CSRF_COOKIE}=`));
  return match ? decodeURIComponent(match.slice(CSRF_COOKIE.length + 1)) : "";
}

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) value.forEach((v) => params.append(key, String(v)));
    else params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

function flatten(errors: unknown, prefix = ""): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!errors || typeof errors !== "object") return out;
  for (const [key, value] of Object.entries(errors as Record<string, unknown>)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) out[name] = value.map((v) => (typeof v === "string" ? v : JSON.stringify(v)));
    else if (typeof value === "string") out[name] = [value];
    else Object.assign(out, flatten(value, name));
  }
  return out;
}

/** The message to show for an error answer: the server's own words, field errors included. */
export function errorFrom(status: number, payload: unknown): ApiError {
  if (payload && typeof payload === "object") {
    const body = payload as { detail?: unknown; validation_errors?: unknown };
    const fields = flatten(body.validation_errors);
    const detail = typeof body.detail === "string" ? body.detail : "";
    const fieldText = Object.entries(fields)
      .map(([name, messages]) => (name === "non_field_errors" ? messages.join(" ") : `${name}: ${messages.join(" ")}`))
      .join("\n");
    const message = detail && fieldText ? (detail === "Validation error" ? fieldText : `${detail}\n${fieldText}`) : detail || fieldText;
    if (message) return new ApiError(status, message, fields);
  }
  if (status === 0) return new ApiError(0, "The server cannot be reached. Check that Skylabel is running.");
  return new ApiError(status, `The server answered HTTP ${status}.`);
}

async function parse(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (method !== "GET" && method !== "HEAD") headers[CSRF_HEADER] = csrfToken();
  let body: BodyInit | undefined;
  if (options.body instanceof FormData || options.body instanceof Blob) body = options.body;
  else if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), {
      method,
      headers,
      body,
      credentials: "same-origin",
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw errorFrom(0, null);
  }
  const payload = await parse(response);
  if (!response.ok) {
    if (response.status === 401) onUnauthorized();
    throw errorFrom(response.status, payload);
  }
  return payload as T;
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>("GET", path, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>("POST", path, { ...options, body }),
  patch: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>("PATCH", path, { ...options, body }),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>("PUT", path, { ...options, body }),
  delete: <T>(path: string, options?: RequestOptions) => request<T>("DELETE", path, options),
};

export interface UploadOptions {
  method?: "POST" | "PUT";
  headers?: Record<string, string>;
  onProgress?: (loaded: number, total: number) => void;
  /** Same-origin API calls carry the session and CSRF header; presigned URLs (S3) must not. */
  sameOrigin?: boolean;
}

/** An upload with progress events (fetch has none for request bodies), answering the parsed body. */
export function upload<T>(url: string, body: FormData | Blob, options: UploadOptions = {}): Promise<T> {
  const { method = "POST", headers = {}, onProgress, sameOrigin = true } = options;
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.withCredentials = false;
    if (sameOrigin) {
      xhr.setRequestHeader(CSRF_HEADER, csrfToken());
      xhr.setRequestHeader("Accept", "application/json");
    }
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress?.(event.loaded, event.lengthComputable ? event.total : body instanceof Blob ? body.size : 0);
    xhr.onerror = () => reject(errorFrom(0, null));
    xhr.onload = () => {
      let payload: unknown = xhr.responseText;
      try {
        payload = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        /* not JSON (S3 answers XML): keep the text */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(payload as T);
      else {
        if (xhr.status === 401 && sameOrigin) onUnauthorized();
        reject(errorFrom(xhr.status, payload));
      }
    };
    xhr.send(body);
  });
}
