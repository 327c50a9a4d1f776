import { describe, expect, test } from "vitest";
import {
  extensionOf,
  formatBytes,
  formatSeconds,
  isMedia,
  isRunning,
  isSameOrigin,
  jobStatusText,
  jobTaskCount,
  planUploads,
  PRESIGN_OVER,
  urlImportBody,
} from "../src/pages/import";

const MB = 1024 * 1024;
const file = (name: string, size: number) => ({ name, size });

describe("planUploads", () => {
  test("small files go together in one request", () => {
    const files = [file("a.csv", 10), file("b.json", 20), file("c.png", 30)];
    expect(planUploads(files)).toEqual({ batches: [files], presigned: [] });
  });

  test("a task file over the limit goes to storage on its own", () => {
    const big = file("big.csv", PRESIGN_OVER + 1);
    const small = file("small.txt", 5);
    expect(planUploads([big, small])).toEqual({ batches: [[small]], presigned: [big] });
  });

  test("a big media file is uploaded to storage too: its import job makes its one task", () => {
    const video = file("clip.MP4", 50 * MB);
    expect(planUploads([video])).toEqual({ batches: [], presigned: [video] });
  });

  test("requests are packed in order and stay under the limit", () => {
    const files = [file("1.png", 3 * MB), file("2.png", 2 * MB), file("3.png", 1 * MB), file("4.png", 3 * MB)];
    const plan = planUploads(files, 4 * MB);
    expect(plan.batches.map((b) => b.map((f) => f.name))).toEqual([["1.png"], ["2.png", "3.png"], ["4.png"]]);
  });

  test("an unsupported type goes to the server, whose message names what it accepts", () => {
    const odd = file("notes.docx", 10 * MB);
    expect(planUploads([odd], 4 * MB)).toEqual({ batches: [[odd]], presigned: [] });
  });

  test("nothing chosen, nothing sent", () => {
    expect(planUploads([])).toEqual({ batches: [], presigned: [] });
  });
});

describe("file names", () => {
  test("extensions are lower-cased and only from the last segment", () => {
    expect(extensionOf("dir.v2/Photo.JPG")).toBe(".jpg");
    expect(extensionOf(".hidden")).toBe("");
    expect(extensionOf("README")).toBe("");
  });

  test("media is recognised by extension", () => {
    expect(isMedia("a.wav")).toBe(true);
    expect(isMedia("a.csv")).toBe(false);
  });
});

describe("formatting", () => {
  test("bytes", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(5 * MB)).toBe("5.0 MB");
    expect(formatBytes(250 * MB)).toBe("250 MB");
  });

  test("seconds", () => {
    expect(formatSeconds(0.0123)).toBe("12 ms");
    expect(formatSeconds(1.25)).toBe("1.3 s");
    expect(formatSeconds(125)).toBe("2 min 5 s");
    expect(formatSeconds(null)).toBe("");
  });
});

describe("jobs", () => {
  const job = { status: "in_progress" as const, origin: "upload", total: 10, done: 4, task_count: 4, duration: null };

  test("only queued and running jobs are worth polling", () => {
    expect(isRunning(job)).toBe(true);
    expect(isRunning({ status: "queued" })).toBe(true);
    expect(isRunning({ status: "created" })).toBe(false);
    expect(isRunning({ status: "completed" })).toBe(false);
  });

  test("status text says how far it got", () => {
    expect(jobStatusText(job)).toBe("Importing: 4 of 10 tasks");
    expect(jobStatusText({ ...job, total: null })).toBe("Checking the file");
    expect(jobStatusText({ ...job, status: "created" })).toBe("Waiting for the file");
    expect(jobStatusText({ ...job, status: "created", origin: "drop" })).toBe("Waiting to start");
  });

  test("a record of an in-request import shows no count rather than a wrong 0", () => {
    expect(jobTaskCount({ status: "completed", total: null, task_count: 0, duration: 0 })).toBeNull();
    expect(jobTaskCount({ status: "completed", total: 3, task_count: 3, duration: 0.2 })).toBe(3);
    expect(jobTaskCount({ status: "failed", total: null, task_count: 0, duration: null })).toBe(0);
  });
});

describe("urls", () => {
  test("same origin only for the page's own scheme, host and port", () => {
    const origin = "http://127.0.0.1:8080";
    expect(isSameOrigin("/local-blob/x?sig=1", origin)).toBe(true);
    expect(isSameOrigin("http://127.0.0.1:8080/local-blob/x", origin)).toBe(true);
    expect(isSameOrigin("http://localhost:8080/local-blob/x", origin)).toBe(false);
    expect(isSameOrigin("https://bucket.s3.amazonaws.com/drop/1/x.csv?X-Amz-Signature=1", origin)).toBe(false);
  });

  test("a URL import is form-encoded, the one body the server reads url= from", async () => {
    const body = urlImportBody("  https://example.com/a b.json ");
    expect(body.type).toBe("application/x-www-form-urlencoded");
    expect(await body.text()).toBe("url=https%3A%2F%2Fexample.com%2Fa+b.json");
  });
});
