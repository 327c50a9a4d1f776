// The import page: files (dropped or chosen), a URL, the project's drop folder, and the history of imports.
//
// Two ways in, picked per file by size, because the API sits behind a 6 MB Lambda request limit in AWS (and
// multipart bodies reach it base64-encoded, so ~4.5 MB of file): small files go in one multipart request
// that answers with the counts at once; a task file over PRESIGN_OVER is PUT straight to storage through a
// presigned URL and imported by a job the page then polls; so is a big media file (the job makes its one task).
// A multipart request the server itself decides to hand to a job (it answers `import`) is polled the same way.
// Every error is shown as the server wrote it.
import type { TargetedEvent } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, upload } from "../api";
import { dataKeys, useProject } from "../project";
import { Button, ErrorMessage, formatDate, Page, plural, ProgressBar, Spinner, useLoad } from "../ui";
import "../styles/io.css";

// --- shapes --------------------------------------------------------------------------------------------------

/** The answer of `POST /api/projects/{id}/import` (Label Studio's fields; `import` when it became a job). */
export interface ImportAnswer {
  task_count: number;
  annotation_count: number;
  prediction_count: number;
  duration: number;
  file_upload_ids?: number[];
  found_formats?: Record<string, number> | string[];
  data_columns?: string[];
  import?: number;
}

export type JobStatus = "created" | "queued" | "in_progress" | "completed" | "failed";

/** An import job as `job_view` (shared/skylabel/imports/jobs.py) shows it. */
export interface ImportJob {
  id: number;
  project: number;
  status: JobStatus;
  origin: string;
  file: string | null;
  total: number | null;
  done: number;
  task_count: number;
  annotation_count: number;
  prediction_count: number;
  errors: string[];
  error: string | null;
  progress: number;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration: number | null;
}

interface UploadTicket {
  upload_url: string;
  method: "PUT";
  key: string;
  import: number;
  job: ImportJob;
}

interface DropLocation {
  kind: "folder" | "s3";
  path: string;
}

// --- pure logic (unit-tested in tests/import.test.ts) ----------------------------------------------------------

/** Above this many bytes a task file goes to storage directly (see the header: the 6 MB Lambda request cap). */
export const PRESIGN_OVER = 4 * 1024 * 1024;

export const TASK_EXTENSIONS = [".json", ".jsonl", ".ndjson", ".csv", ".tsv", ".txt"];
export const MEDIA_EXTENSIONS = [".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".svg", ".tif", ".tiff", ".mp3",
  ".wav", ".ogg", ".flac", ".m4a", ".mp4", ".webm", ".mov", ".avi", ".pdf"];
const POLL_MS = 1000;

export function extensionOf(name: string): string {
  const base = name.replace(/\\/g, "/").split("/").pop() ?? "";
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(dot).toLowerCase() : "";
}

export function isMedia(name: string): boolean {
  return MEDIA_EXTENSIONS.includes(extensionOf(name));
}

export interface UploadPlan<F> {
  /** Multipart requests to send, each at most `limit` bytes. */
  batches: F[][];
  /** Task and media files too big for a request: one presigned upload and import job each. */
  presigned: F[];
}

/**
 * How to send a set of files: big task and media files presigned, the rest packed greedily, in the order given,
 * into multipart batches that stay under the request limit. Unsupported types go multipart too, so the server's
 * own message says what it accepts.
 */
export function planUploads<F extends { name: string; size: number }>(files: F[], limit = PRESIGN_OVER): UploadPlan<F> {
  const batches: F[][] = [];
  const presigned: F[] = [];
  let current: F[] = [];
  let size = 0;
  for (const file of files) {
    if (file.size > limit && (TASK_EXTENSIONS.includes(extensionOf(file.name)) || isMedia(file.name))) {
      presigned.push(file);
      continue;
    }
    if (current.length && size + file.size > limit) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(file);
    size += file.size;
  }
  if (current.length) batches.push(current);
  return { batches, presigned };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds % 60)} s`;
}

/** Still moving: worth polling. A job still `created` is waiting for its upload, which may never come. */
export function isRunning(job: Pick<ImportJob, "status">): boolean {
  return job.status === "queued" || job.status === "in_progress";
}

export function isFinished(job: Pick<ImportJob, "status">): boolean {
  return job.status === "completed" || job.status === "failed";
}

/** What a person reads for a job's state. */
export function jobStatusText(job: Pick<ImportJob, "status" | "origin" | "total" | "done">): string {
  switch (job.status) {
    case "created":
      return job.origin === "upload" ? "Waiting for the file" : "Waiting to start";
    case "queued":
      return "Queued";
    case "in_progress":
      return job.total === null ? "Checking the file" : `Importing: ${job.done.toLocaleString()} of ${plural(job.total, "task")}`;
    case "completed":
      return "Completed";
    case "failed":
      return "Failed";
    default:
      return String(job.status);
  }
}

/**
 * A job recorded for a file imported inside its request carries no counts of its own (the request's answer
 * had them): it finished at once and never had a total. Its "0 tasks" would be wrong, so it shows none.
 */
export function jobTaskCount(job: Pick<ImportJob, "status" | "total" | "task_count" | "duration">): number | null {
  if (job.status === "completed" && job.total === null && job.task_count === 0 && !job.duration) return null;
  return job.task_count;
}

export function isSameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url, origin).origin === origin;
  } catch {
    return false;
  }
}

/** The one body the server reads `url=` from (a JSON body would be taken for a task). */
export function urlImportBody(url: string): Blob {
  return new Blob([new URLSearchParams({ url: url.trim() }).toString()], { type: "application/x-www-form-urlencoded" });
}

// --- talking to the server -------------------------------------------------------------------------------------

const wait = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new DOMException("Aborted", "AbortError"));
    });
  });

/** Polls an import job until it completes or fails, reporting every view of it. */
async function followJob(projectId: number, jobId: number, onUpdate: (job: ImportJob) => void, signal: AbortSignal): Promise<ImportJob> {
  for (;;) {
    const job = await api.get<ImportJob>(`/api/projects/${projectId}/imports/${jobId}`, { signal });
    onUpdate(job);
    if (isFinished(job)) return job;
    await wait(POLL_MS, signal);
  }
}

// --- one upload, as the page shows it --------------------------------------------------------------------------

type Phase = "uploading" | "importing" | "done" | "failed";

interface Operation {
  key: string;
  label: string;
  via: "request" | "storage" | "url";
  phase: Phase;
  loaded: number;
  total: number;
  answer?: ImportAnswer;
  jobs: ImportJob[];
  error?: unknown;
}

function totals(op: Operation): { tasks: number; annotations: number; predictions: number } {
  if (op.answer && !op.answer.import) {
    return { tasks: op.answer.task_count, annotations: op.answer.annotation_count, predictions: op.answer.prediction_count };
  }
  const completed = op.jobs.filter((j) => j.status === "completed");
  return {
    tasks: completed.reduce((n, j) => n + j.task_count, 0),
    annotations: completed.reduce((n, j) => n + j.annotation_count, 0),
    predictions: completed.reduce((n, j) => n + j.prediction_count, 0),
  };
}

function JobBar({ job }: { job: ImportJob }) {
  if (job.total) return <ProgressBar value={job.done} max={job.total} label={`Importing ${job.file ?? "file"}`} />;
  // The job has not counted the file yet: nothing to measure, so the bar says "busy", not a made-up number.
  return (
    <div class="progress io-indeterminate" role="progressbar" aria-label={`Importing ${job.file ?? "file"}`}>
      <div class="progress-fill" />
    </div>
  );
}

function OperationCard({ op, projectId }: { op: Operation; projectId: number }) {
  const sum = totals(op);
  const failedJobs = op.jobs.filter((j) => j.status === "failed");
  const jobErrors = op.jobs.flatMap((j) => (j.status === "failed" ? [] : j.errors ?? []));
  return (
    <li class={`io-op io-op-${op.phase}`} data-phase={op.phase}>
      <div class="io-op-head">
        <strong class="io-op-name">{op.label}</strong>
        <span class="muted io-op-via">
          {op.via === "storage" ? "direct to storage, imported as a job" : op.via === "url" ? "from a URL" : ""}
        </span>
      </div>
      {op.phase === "uploading" && (
        <>
          <ProgressBar value={op.loaded} max={op.total} label={`Uploading ${op.label}`} />
          <p class="muted io-op-detail">
            {op.loaded >= op.total && op.via === "request"
              ? "Uploaded; the server is reading the file…"
              : `${formatBytes(op.loaded)} of ${formatBytes(op.total)}`}
          </p>
        </>
      )}
      {op.phase === "importing" &&
        op.jobs.map((job) => (
          <div key={job.id} class="io-op-job">
            <JobBar job={job} />
            <p class="muted io-op-detail">
              {job.file}: {job.status === "created" ? "Uploaded; waiting for the import to start" : jobStatusText(job)}
            </p>
          </div>
        ))}
      {op.phase === "importing" && !op.jobs.length && (
        <Spinner label={op.via === "url" ? "The server is downloading and importing the file…" : "Starting the import…"} />
      )}
      {op.phase === "done" && (
        <div class="io-result" role="status">
          <p class="io-result-counts">
            Imported <strong data-testid="import-task-count">{plural(sum.tasks, "task")}</strong>
            {sum.annotations > 0 && <>, {plural(sum.annotations, "annotation")}</>}
            {sum.predictions > 0 && <>, {plural(sum.predictions, "prediction")}</>}
            {op.answer && !op.answer.import && <span class="muted"> in {formatSeconds(op.answer.duration)}</span>}
            {op.jobs.length > 0 && op.jobs[0]!.duration !== null && (
              <span class="muted"> in {formatSeconds(op.jobs.reduce((s, j) => s + (j.duration ?? 0), 0))}</span>
            )}
            .
          </p>
          {op.answer?.data_columns && op.answer.data_columns.length > 0 && (
            <p class="muted">Columns: {op.answer.data_columns.join(", ")}</p>
          )}
          <div class="io-result-actions">
            <a class="btn" href={`/projects/${projectId}/data`}>
              Open the data manager
            </a>
            <a class="btn btn-primary" href={`/projects/${projectId}/label`}>
              Label
            </a>
          </div>
        </div>
      )}
      {jobErrors.length > 0 && <JobErrors errors={jobErrors} title="Rows skipped" />}
      {op.phase === "failed" && (
        <>
          {op.error !== undefined && <ErrorMessage error={op.error} title="The import failed" />}
          {failedJobs.map((job) => (
            <ErrorMessage key={job.id} error={job.error ?? job.errors.join("\n")} title={`${job.file ?? "The file"} was not imported`} />
          ))}
        </>
      )}
    </li>
  );
}

function JobErrors({ errors, title }: { errors: string[]; title: string }) {
  return (
    <details class="io-errors">
      <summary>
        {title}: {errors.length}
      </summary>
      <ul>
        {errors.map((message, i) => (
          <li key={i}>{message}</li>
        ))}
      </ul>
    </details>
  );
}

// --- the drop zone ---------------------------------------------------------------------------------------------

function DropZone({ onFiles }: { onFiles: (files: File[]) => void }) {
  const [over, setOver] = useState(false);
  // dragenter/dragleave fire for every child the pointer crosses: count them so the highlight does not flicker.
  const depth = useRef(0);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    // A file dropped beside the zone would make the browser open it and leave the app: refuse it there.
    const refuse = (event: DragEvent) => {
      if ((event.target as Element | null)?.closest?.(".io-dropzone")) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = "none";
    };
    window.addEventListener("dragover", refuse);
    window.addEventListener("drop", refuse);
    return () => {
      window.removeEventListener("dragover", refuse);
      window.removeEventListener("drop", refuse);
    };
  }, []);

  const onDragEnter = (event: DragEvent) => {
    event.preventDefault();
    depth.current += 1;
    setOver(true);
  };
  const onDragOver = (event: DragEvent) => {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
  };
  const onDragLeave = () => {
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setOver(false);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    depth.current = 0;
    setOver(false);
    const files = Array.from(event.dataTransfer?.files ?? []);
    if (files.length) onFiles(files);
  };
  const onChange = (event: TargetedEvent<HTMLInputElement>) => {
    const files = Array.from(event.currentTarget.files ?? []);
    event.currentTarget.value = ""; // choosing the same file again must fire change again
    if (files.length) onFiles(files);
  };

  return (
    <div
      class={`io-dropzone${over ? " io-dropzone-over" : ""}`}
      data-testid="import-dropzone"
      onDragEnter={onDragEnter}
      onDragOver={onDragOver}
      onDragLeave={onDragLeave}
      onDrop={onDrop}
    >
      <p class="io-dropzone-title">{over ? "Drop to import" : "Drag files here"}</p>
      <p class="muted io-dropzone-or">or</p>
      <input
        ref={input}
        id="import-files"
        class="io-file-input"
        type="file"
        multiple
        accept={[...TASK_EXTENSIONS, ...MEDIA_EXTENSIONS].join(",")}
        onChange={onChange}
      />
      <label for="import-files" class="btn btn-primary io-choose">
        Choose files
      </label>
      <p class="muted io-dropzone-hint">
        JSON, JSONL, CSV, TSV or TXT with tasks, or media files (images, audio, video, PDF) — one task each.
      </p>
    </div>
  );
}

// --- the drop folder -------------------------------------------------------------------------------------------

function DropFolder({ projectId }: { projectId: number }) {
  const location = useLoad((signal) => api.get<DropLocation>(`/api/projects/${projectId}/drop-location`, { signal }), [projectId]);
  const [copied, setCopied] = useState<"" | "yes" | "manual">("");
  const field = useRef<HTMLInputElement>(null);
  // Until the server offers the endpoint (or where it does not apply) there is simply nothing to show.
  if (location.error instanceof ApiError && (location.error.status === 404 || location.error.status === 405)) return null;
  if (location.loading && !location.data) return null;
  if (location.error) return <ErrorMessage error={location.error} title="The drop folder could not be loaded" />;
  const drop = location.data!;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(drop.path);
      setCopied("yes");
    } catch {
      // No clipboard access (an insecure origin, a denied permission): select it for Ctrl+C instead.
      field.current?.select();
      setCopied("manual");
    }
  };
  return (
    <section class="panel io-drop" aria-labelledby="drop-title">
      <h2 id="drop-title">{drop.kind === "s3" ? "Drop bucket" : "Drop folder"}</h2>
      <p class="muted">
        {drop.kind === "s3"
          ? "Files uploaded under this S3 prefix become tasks of this project on their own, a few seconds later."
          : "Files placed in this folder become tasks of this project on their own, a few seconds later."}
      </p>
      <div class="io-copy">
        <label class="io-sr" for="drop-path">
          {drop.kind === "s3" ? "Bucket prefix" : "Folder path"}
        </label>
        <input id="drop-path" ref={field} class="io-copy-field" readOnly value={drop.path} data-testid="drop-path" />
        <Button onClick={() => void copy()}>Copy</Button>
      </div>
      <p class="io-copy-state" role="status" aria-live="polite">
        {copied === "yes" ? "Copied to the clipboard." : copied === "manual" ? "Selected: press Ctrl+C (⌘C) to copy." : ""}
      </p>
    </section>
  );
}

// --- recent imports --------------------------------------------------------------------------------------------

function RecentImports({ projectId, refresh }: { projectId: number; refresh: number }) {
  const jobs = useLoad((signal) => api.get<ImportJob[]>(`/api/projects/${projectId}/imports`, { signal }), [projectId, refresh]);
  const running = (jobs.data ?? []).some(isRunning);
  // Fast while a job runs; slowly otherwise, so files landing in the drop folder show up on their own.
  useEffect(() => {
    const timer = setInterval(() => {
      if (!document.hidden) jobs.reload();
    }, running ? 2 * POLL_MS : 10 * POLL_MS);
    return () => clearInterval(timer);
  }, [running, jobs.reload]);

  let body;
  if (!jobs.data && jobs.loading) body = <Spinner label="Loading imports…" />;
  else if (!jobs.data && jobs.error) body = <ErrorMessage error={jobs.error} />;
  else if (!jobs.data?.length) body = <p class="muted io-none">No imports yet. Files you import appear here.</p>;
  else
    body = (
      <div class="io-table-wrap">
        <table class="grid io-jobs" data-testid="import-jobs">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Status</th>
              <th scope="col">Tasks</th>
              <th scope="col">Errors</th>
              <th scope="col">Started</th>
              <th scope="col">Took</th>
            </tr>
          </thead>
          <tbody>
            {jobs.data!.map((job) => {
              const count = jobTaskCount(job);
              const problems = job.errors?.length ? job.errors : job.error ? [job.error] : [];
              return (
                <tr key={job.id} data-job-id={job.id} data-status={job.status}>
                  <td class="io-file">
                    {job.file ?? "—"}
                    <span class="muted io-origin">{job.origin === "drop" ? "drop folder" : job.origin}</span>
                  </td>
                  <td>
                    <span class={`io-status io-status-${job.status}`}>{jobStatusText(job)}</span>
                    {isRunning(job) && job.total ? <ProgressBar value={job.done} max={job.total} label={`Import ${job.id}`} /> : null}
                  </td>
                  <td>{count === null ? <span class="muted" title="Imported within the request">—</span> : count.toLocaleString()}</td>
                  <td>{problems.length ? <JobErrors errors={problems} title={job.status === "failed" ? "Error" : "Skipped"} /> : "—"}</td>
                  <td>{formatDate(job.started_at ?? job.created_at)}</td>
                  <td>{count === null ? "" : formatSeconds(job.duration)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    );

  return (
    <section class="io-section" aria-labelledby="recent-title">
      <div class="io-section-head">
        <h2 id="recent-title">Recent imports</h2>
        <Button onClick={jobs.reload} disabled={jobs.loading}>
          Refresh
        </Button>
      </div>
      {jobs.data && jobs.error && <ErrorMessage error={jobs.error} />}
      {body}
    </section>
  );
}

// --- the page --------------------------------------------------------------------------------------------------

let nextKey = 0;

export function ImportPage({ projectId }: { projectId: number }) {
  const project = useProject(projectId);
  const [ops, setOps] = useState<Operation[]>([]);
  const [url, setUrl] = useState("");
  const [urlBusy, setUrlBusy] = useState(false);
  const [refresh, setRefresh] = useState(0);
  const stop = useRef(new AbortController());
  useEffect(() => () => stop.current.abort(), []);

  const update = (key: string, change: Partial<Operation> | ((op: Operation) => Partial<Operation>)) =>
    setOps((list) => list.map((op) => (op.key === key ? { ...op, ...(typeof change === "function" ? change(op) : change) } : op)));
  const add = (op: Omit<Operation, "key" | "jobs" | "loaded">): string => {
    const key = `op-${(nextKey += 1)}`;
    setOps((list) => [{ ...op, key, jobs: [], loaded: 0 }, ...list]);
    return key;
  };
  const refreshList = () => setRefresh((n) => n + 1);

  /** The server may hand a big request to jobs (it answers `import`): follow every job it started. */
  const settle = async (key: string, answer: ImportAnswer) => {
    update(key, { answer });
    if (!answer.import) {
      update(key, { phase: "done" });
      return;
    }
    update(key, { phase: "importing" });
    const ids = answer.file_upload_ids?.length ? answer.file_upload_ids : [answer.import];
    const track = (job: ImportJob) =>
      update(key, (op) => ({ jobs: op.jobs.some((j) => j.id === job.id) ? op.jobs.map((j) => (j.id === job.id ? job : j)) : [...op.jobs, job] }));
    const results = await Promise.all(ids.map((id) => followJob(projectId, id, track, stop.current.signal)));
    update(key, { phase: results.some((j) => j.status === "failed") ? "failed" : "done" });
  };

  const sendBatch = async (files: File[]) => {
    const total = files.reduce((n, f) => n + f.size, 0);
    const key = add({ label: files.length === 1 ? files[0]!.name : `${files.length} files`, via: "request", phase: "uploading", total });
    try {
      const form = new FormData();
      files.forEach((file) => form.append("file", file, file.name));
      const answer = await upload<ImportAnswer>(`/api/projects/${projectId}/import`, form, {
        onProgress: (loaded, total) => update(key, total ? { loaded, total } : { loaded }), // the multipart body, not just the files
      });
      await settle(key, answer);
    } catch (error) {
      if (!stop.current.signal.aborted) update(key, { phase: "failed", error });
    }
  };

  const sendPresigned = async (file: File) => {
    const key = add({ label: file.name, via: "storage", phase: "uploading", total: file.size });
    try {
      const ticket = await api.post<UploadTicket>(`/api/projects/${projectId}/uploads`, { filename: file.name });
      update(key, { jobs: [ticket.job] });
      refreshList(); // the new job shows in the list, and the list keeps itself fresh while the job runs
      await upload(ticket.upload_url, file, {
        method: "PUT",
        sameOrigin: isSameOrigin(ticket.upload_url, location.origin),
        onProgress: (loaded) => update(key, { loaded }),
      });
      update(key, { phase: "importing" });
      refreshList();
      const job = await followJob(projectId, ticket.import, (j) => update(key, { jobs: [j] }), stop.current.signal);
      update(key, { phase: job.status === "failed" ? "failed" : "done" });
    } catch (error) {
      if (!stop.current.signal.aborted) update(key, { phase: "failed", error });
    }
  };

  const onFiles = (files: File[]) => {
    const plan = planUploads(files);
    const work = [...plan.batches.map(sendBatch), ...plan.presigned.map(sendPresigned)];
    void Promise.allSettled(work).then(refreshList);
  };

  const importUrl = async (event: Event) => {
    event.preventDefault();
    if (!url.trim()) return;
    const key = add({ label: url.trim(), via: "url", phase: "importing", total: 0 });
    setUrlBusy(true);
    try {
      await settle(key, await api.post<ImportAnswer>(`/api/projects/${projectId}/import`, urlImportBody(url)));
      setUrl("");
    } catch (error) {
      if (!stop.current.signal.aborted) update(key, { phase: "failed", error });
    } finally {
      setUrlBusy(false);
      refreshList();
    }
  };

  const keys = project.data ? dataKeys(project.data) : [];
  const title = project.data ? `Import into ${project.data.title}` : "Import";

  return (
    <Page title={title}>
      {project.error && <ErrorMessage error={project.error} />}
      <div class="io-layout">
        <div class="io-main">
          <DropZone onFiles={onFiles} />
          {keys.length > 0 && (
            <p class="muted io-keys" data-testid="import-keys">
              Each task needs {keys.length === 1 ? "a value named" : "values named"}{" "}
              {keys.map((k, i) => (
                <span key={k}>
                  {i > 0 && ", "}
                  <code>{k}</code>
                </span>
              ))}{" "}
              (what the labeling config reads): a CSV/TSV column, or a JSON key, flat or under <code>data</code>. A TXT file
              becomes one task per line.
            </p>
          )}
          {ops.length > 0 && (
            <ul class="io-ops" aria-live="polite" data-testid="import-operations">
              {ops.map((op) => (
                <OperationCard key={op.key} op={op} projectId={projectId} />
              ))}
            </ul>
          )}
        </div>
        <aside class="io-side">
          <form class="panel form io-url" onSubmit={(e) => void importUrl(e)}>
            <h2>Import from a URL</h2>
            <label>
              File URL
              <input
                type="url"
                name="url"
                placeholder="https://example.com/tasks.json"
                value={url}
                onInput={(e) => setUrl(e.currentTarget.value)}
                required
              />
            </label>
            <p class="muted io-hint">The server downloads the file (JSON, JSONL, CSV, TSV, TXT or a media file) and imports it.</p>
            <div>
              <Button type="submit" variant="primary" disabled={urlBusy || !url.trim()}>
                {urlBusy ? "Importing…" : "Import URL"}
              </Button>
            </div>
          </form>
          <DropFolder projectId={projectId} />
        </aside>
      </div>
      <RecentImports projectId={projectId} refresh={refresh} />
    </Page>
  );
}
