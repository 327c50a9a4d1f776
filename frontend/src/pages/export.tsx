// The export page: pick a format the labeling config allows, pick which tasks, run an export job with a
// progress bar, download the file; below, earlier exports with their files and a delete.
//
// The job path (Label Studio's snapshot API) is the main one because it works at any size: the snapshot is
// created (its JSON file starts building at once), another format is requested with `convert`, and the
// export is polled until that format's file is ready — then the download is a plain link with `download`,
// so the browser saves it with the server's file name and a big file streams from storage via a redirect.
// The synchronous `GET /export` is offered beside it as a one-click path for small projects.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, withQuery } from "../api";
import { useProject } from "../project";
import { currentUser } from "../session";
import { Button, Empty, ErrorMessage, formatDate, Page, plural, ProgressBar, Spinner, useLoad } from "../ui";
import { formatBytes } from "./import";
import "../styles/io.css";

// --- shapes --------------------------------------------------------------------------------------------------

export interface ExportFormat {
  name: string;
  title: string;
  description: string;
  link?: string;
  disabled?: boolean;
  disabled_reason?: string;
}

export type FileStatus = "created" | "queued" | "in_progress" | "completed" | "failed";

/** One format's file of an export (`converted_formats[]` in ExportService.view). */
export interface ExportFile {
  id: number;
  export_type: string;
  status: FileStatus;
  progress?: number;
  traceback: string | null;
  size?: number | null;
  filename?: string | null;
}

export interface ExportView {
  id: number;
  title: string;
  created_by: { id: number; email: string; first_name?: string; last_name?: string } | null;
  created_at: string;
  finished_at: string | null;
  status: string;
  md5: string | null;
  counters: { task_number?: number };
  converted_formats: ExportFile[];
}

export interface ExportChoices {
  title: string;
  /** Label Studio's `download_all_tasks`: also tasks nobody has annotated. */
  allTasks: boolean;
  includePredictions: boolean;
  onlyMine: boolean;
}

// --- pure logic (unit-tested in tests/export.test.ts) ----------------------------------------------------------

/** What a format needs from the config, for the ones the server disables (mirrors ExportService._why). */
const NEEDS: Record<string, string> = {
  CONLL2003: "a Text object with a Labels control",
  COCO: "an Image with RectangleLabels, PolygonLabels or KeyPointLabels",
  YOLO: "an Image with RectangleLabels, PolygonLabels or KeyPointLabels",
  YOLO_OBB: "an Image with RectangleLabels or PolygonLabels",
  VOC: "an Image with RectangleLabels",
  BRUSH_TO_PNG: "an Image with BrushLabels",
  BRUSH_TO_NUMPY: "an Image with BrushLabels",
  ASR_MANIFEST: "an Audio object with a TextArea",
};

export function disabledReason(format: ExportFormat): string {
  if (format.disabled_reason) return format.disabled_reason;
  const needs = NEEDS[format.name];
  return needs ? `Needs ${needs} in the labeling config.` : "Not available for this project's labeling config.";
}

/** The snapshot request for the choices (the filter fields ExportService's SnapshotIn reads). */
export function snapshotBody(choices: ExportChoices, userId: number | null) {
  return {
    title: choices.title.trim(),
    task_filter_options: { only_with_annotations: !choices.allTasks },
    annotation_filter_options: choices.onlyMine && userId !== null ? { annotators: [userId] } : {},
    serialization_options: { predictions: { include: choices.includePredictions } },
  };
}

export function fileOf(view: Pick<ExportView, "converted_formats">, format: string): ExportFile | undefined {
  return view.converted_formats.find((f) => f.export_type === format);
}

export function isBusy(file: Pick<ExportFile, "status"> | undefined): boolean {
  return !file || file.status === "created" || file.status === "queued" || file.status === "in_progress";
}

export function downloadHref(projectId: number, exportId: number, format: string): string {
  return withQuery(`/api/projects/${projectId}/exports/${exportId}/download`, { exportType: format });
}

/** The synchronous export (small projects): the file in the answer, no job to watch. */
export function quickHref(projectId: number, format: string, allTasks: boolean): string {
  return withQuery(`/api/projects/${projectId}/export`, { exportType: format, download_all_tasks: allTasks ? "true" : "false" });
}

export function fileStatusText(file: Pick<ExportFile, "status"> | undefined): string {
  const status = file?.status;
  switch (status) {
    case undefined:
    case "created":
    case "queued":
      return "Queued";
    case "in_progress":
      return "Building the file";
    case "completed":
      return "Ready";
    case "failed":
      return "Failed";
    default:
      return String(status);
  }
}

// --- talking to the server -------------------------------------------------------------------------------------

const POLL_MS = 1000;

const wait = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new DOMException("Aborted", "AbortError"));
    });
  });

// --- pieces --------------------------------------------------------------------------------------------------

function FileProgress({ file, format }: { file: ExportFile | undefined; format: string }) {
  const progress = file?.progress ?? 0;
  if (progress > 0 || file?.status === "completed") {
    return <ProgressBar value={file?.status === "completed" ? 1 : progress} max={1} label={`Export to ${format}`} />;
  }
  // The server reports 0 until the file is assembled: show that work is under way rather than a stuck 0 %.
  return (
    <div class="progress io-indeterminate" role="progressbar" aria-label={`Export to ${format}`}>
      <div class="progress-fill" />
    </div>
  );
}

interface Run {
  format: string;
  phase: "starting" | "running" | "done" | "failed";
  view?: ExportView;
  error?: unknown;
}

function RunCard({ run, projectId }: { run: Run; projectId: number }) {
  const link = useRef<HTMLAnchorElement>(null);
  const card = useRef<HTMLElement>(null);
  const file = run.view ? fileOf(run.view, run.format) : undefined;
  // The card appears below a long form: bring it into view, and put keyboard and screen-reader users on the
  // download as soon as there is one.
  useEffect(() => {
    if (run.phase === "starting") card.current?.scrollIntoView({ block: "nearest" });
    if (run.phase === "done") link.current?.focus();
  }, [run.phase]);
  return (
    <section ref={card} class="panel io-job" aria-live="polite" data-testid="export-job" data-phase={run.phase}>
      <h2>
        {run.view ? run.view.title : "New export"} · {run.format}
      </h2>
      {(run.phase === "starting" || run.phase === "running") && (
        <>
          <FileProgress file={file} format={run.format} />
          <p class="muted">{run.phase === "starting" ? "Creating the export…" : `${fileStatusText(file)}…`}</p>
        </>
      )}
      {run.phase === "done" && run.view && (
        <div class="io-ready">
          <a
            ref={link}
            class="btn btn-primary"
            href={downloadHref(projectId, run.view.id, run.format)}
            download
            data-testid="export-download"
          >
            Download {run.format}
          </a>
          <span class="muted">
            {plural(run.view.counters.task_number ?? 0, "task")}
            {file?.size ? ` · ${formatBytes(file.size)}` : ""}
            {file?.filename ? ` · ${file.filename}` : ""}
          </span>
        </div>
      )}
      {run.phase === "failed" && (
        <ErrorMessage error={run.error ?? file?.traceback ?? "The export failed."} title="The export failed" />
      )}
    </section>
  );
}

function PreviousExports({ projectId, refresh }: { projectId: number; refresh: number }) {
  const list = useLoad((signal) => api.get<ExportView[]>(`/api/projects/${projectId}/exports`, { signal }), [projectId, refresh]);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [deleting, setDeleting] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const running = (list.data ?? []).some((e) => e.converted_formats.some(isBusy));
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(list.reload, 2 * POLL_MS);
    return () => clearInterval(timer);
  }, [running, list.reload]);

  const remove = async (id: number) => {
    setDeleting(id);
    setError(null);
    try {
      await api.delete(`/api/projects/${projectId}/exports/${id}`);
      setConfirming(null);
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setDeleting(null);
    }
  };

  let body;
  if (!list.data && list.loading) body = <Spinner label="Loading exports…" />;
  else if (!list.data && list.error) body = <ErrorMessage error={list.error} />;
  else if (!list.data?.length) body = <p class="muted io-none">No exports yet. The files you export appear here to download again.</p>;
  else
    body = (
      <div class="io-table-wrap">
        <table class="grid" data-testid="export-list">
          <thead>
            <tr>
              <th scope="col">Export</th>
              <th scope="col">Created</th>
              <th scope="col">Tasks</th>
              <th scope="col">Files</th>
              <th scope="col">
                <span class="io-sr">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data!.map((item) => (
              <tr key={item.id} data-export-id={item.id}>
                <td>{item.title}</td>
                <td>
                  {formatDate(item.created_at)}
                  {item.created_by && <span class="muted io-origin">{item.created_by.email}</span>}
                </td>
                <td>{item.converted_formats.every(isBusy) ? "—" : (item.counters.task_number?.toLocaleString() ?? "—")}</td>
                <td>
                  <div class="io-formats-cell">
                    {item.converted_formats.map((file) =>
                      file.status === "completed" ? (
                        <a key={file.export_type} class="io-chip" href={downloadHref(projectId, item.id, file.export_type)} download>
                          {file.export_type}
                          {file.size ? <span class="muted">{formatBytes(file.size)}</span> : null}
                        </a>
                      ) : (
                        <span
                          key={file.export_type}
                          class={`io-chip${file.status === "failed" ? " io-chip-failed" : ""}`}
                          title={file.traceback ?? undefined}
                        >
                          {file.export_type}: {fileStatusText(file).toLowerCase()}
                        </span>
                      ),
                    )}
                  </div>
                </td>
                <td>
                  <div class="io-row-actions">
                    {confirming === item.id ? (
                      <>
                        <Button variant="danger" onClick={() => void remove(item.id)} disabled={deleting === item.id}>
                          {deleting === item.id ? "Deleting…" : "Delete for good"}
                        </Button>
                        <Button onClick={() => setConfirming(null)}>Cancel</Button>
                      </>
                    ) : (
                      <Button variant="danger" onClick={() => setConfirming(item.id)} aria-label={`Delete export ${item.title}`}>
                        Delete
                      </Button>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );

  return (
    <section class="io-section" aria-labelledby="exports-title">
      <div class="io-section-head">
        <h2 id="exports-title">Previous exports</h2>
        <Button onClick={list.reload} disabled={list.loading}>
          Refresh
        </Button>
      </div>
      <ErrorMessage error={error} />
      {list.data && list.error && <ErrorMessage error={list.error} />}
      {body}
    </section>
  );
}

// --- the page --------------------------------------------------------------------------------------------------

export function ExportPage({ projectId }: { projectId: number }) {
  const project = useProject(projectId);
  const formats = useLoad((signal) => api.get<ExportFormat[]>(`/api/projects/${projectId}/export/formats`, { signal }), [projectId]);
  const [format, setFormat] = useState("");
  const [choices, setChoices] = useState<ExportChoices>({ title: "", allTasks: false, includePredictions: true, onlyMine: false });
  const [run, setRun] = useState<Run | null>(null);
  const [refresh, setRefresh] = useState(0);
  const stop = useRef<AbortController | null>(null);
  useEffect(() => () => stop.current?.abort(), []);

  // The first format the config allows is chosen until the person picks one (JSON, unless the list changes).
  const chosen = format || formats.data?.find((f) => !f.disabled)?.name || "";
  const busy = run?.phase === "starting" || run?.phase === "running";

  const start = async (event: Event) => {
    event.preventDefault();
    if (!chosen || busy) return;
    stop.current?.abort();
    const controller = new AbortController();
    stop.current = controller;
    const signal = controller.signal;
    setRun({ format: chosen, phase: "starting" });
    try {
      let view = await api.post<ExportView>(`/api/projects/${projectId}/exports`, snapshotBody(choices, currentUser()?.id ?? null), { signal });
      if (chosen !== "JSON") await api.post(`/api/projects/${projectId}/exports/${view.id}/convert`, { export_type: chosen }, { signal });
      setRefresh((n) => n + 1);
      for (;;) {
        setRun({ format: chosen, phase: "running", view });
        await wait(POLL_MS, signal);
        view = await api.get<ExportView>(`/api/projects/${projectId}/exports/${view.id}`, { signal });
        const file = fileOf(view, chosen);
        if (file?.status === "completed") {
          setRun({ format: chosen, phase: "done", view });
          break;
        }
        if (file?.status === "failed") {
          setRun({ format: chosen, phase: "failed", view, error: file.traceback || "The export failed." });
          break;
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      setRun((current) => ({ format: chosen, phase: "failed", view: current?.view, error }));
    }
    setRefresh((n) => n + 1);
  };

  const p = project.data;
  const title = p ? `Export ${p.title}` : "Export";
  const unavailable = formats.data?.filter((f) => f.disabled) ?? [];
  // Unavailable formats stay in the radio group, greyed and without their long description, so the reason
  // they are off reads at a glance and the usable ones come first.
  const option = (f: ExportFormat) => (
    <label key={f.name} class={`io-format${f.disabled ? " io-format-disabled" : ""}`} data-format={f.name}>
      <input
        type="radio"
        name="format"
        value={f.name}
        checked={chosen === f.name}
        disabled={f.disabled}
        onChange={() => setFormat(f.name)}
        aria-describedby={`format-${f.name}-desc`}
      />
      <span class="io-format-title">{f.title}</span>
      <span class={f.disabled ? "io-format-why" : "io-format-desc"} id={`format-${f.name}-desc`}>
        {f.disabled ? disabledReason(f) : f.description}
      </span>
    </label>
  );

  const set = (change: Partial<ExportChoices>) => setChoices((c) => ({ ...c, ...change }));

  return (
    <Page title={title}>
      {project.error && <ErrorMessage error={project.error} />}
      {p && (
        <p class="muted io-summary" data-testid="export-summary">
          {plural(p.task_number, "task")}, {p.num_tasks_with_annotations.toLocaleString()} with annotations
          {p.total_annotations_number ? ` (${plural(p.total_annotations_number, "annotation")})` : ""}.
        </p>
      )}
      {p && p.task_number === 0 ? (
        <Empty title="Nothing to export yet">
          <p>
            This project has no tasks. <a href={`/projects/${projectId}/import`}>Import some data</a>, label it, then come back here.
          </p>
        </Empty>
      ) : (
        <form class="panel io-export" onSubmit={(e) => void start(e)} data-testid="export-form">
          <fieldset>
            <legend>Format</legend>
            {formats.loading && !formats.data && <Spinner label="Loading formats…" />}
            <ErrorMessage error={formats.error} />
            <div class="io-formats">{formats.data?.filter((f) => !f.disabled).map(option)}</div>
            {unavailable.length > 0 && (
              <>
                <p class="muted io-unavailable-title">Not available for this labeling config:</p>
                <div class="io-formats io-formats-compact">{unavailable.map(option)}</div>
              </>
            )}
          </fieldset>
          <fieldset class="io-options">
            <legend>Tasks</legend>
            <label>
              <input type="radio" name="scope" checked={!choices.allTasks} onChange={() => set({ allTasks: false })} />
              Only tasks with annotations
              {p && <span class="muted">({p.num_tasks_with_annotations.toLocaleString()})</span>}
            </label>
            <label>
              <input type="radio" name="scope" checked={choices.allTasks} onChange={() => set({ allTasks: true })} />
              All tasks, including ones nobody has labeled
              {p && <span class="muted">({p.task_number.toLocaleString()})</span>}
            </label>
          </fieldset>
          <fieldset class="io-options">
            <legend>What to include</legend>
            <label>
              <input type="checkbox" checked={choices.includePredictions} onChange={(e) => set({ includePredictions: e.currentTarget.checked })} />
              Predictions
            </label>
            <label>
              <input type="checkbox" checked={choices.onlyMine} onChange={(e) => set({ onlyMine: e.currentTarget.checked })} />
              Only my annotations (leave out other people's)
            </label>
          </fieldset>
          <label class="io-export-title">
            <span>
              Name <span class="muted">(optional)</span>
            </span>
            <input type="text" value={choices.title} onInput={(e) => set({ title: e.currentTarget.value })} placeholder="e.g. First 500 reviewed" />
          </label>
          <div class="io-export-actions">
            <Button type="submit" variant="primary" disabled={!chosen || busy} data-testid="export-start">
              {busy ? "Exporting…" : chosen ? `Export ${chosen}` : "Export"}
            </Button>
            {chosen && (
              <a class="btn" href={quickHref(projectId, chosen, choices.allTasks)} download data-testid="export-quick">
                Quick download
              </a>
            )}
            <span class="muted io-hint">Quick download skips the job and suits small projects; it ignores the options under “What to include”.</span>
          </div>
        </form>
      )}
      {run && <RunCard run={run} projectId={projectId} />}
      <PreviousExports projectId={projectId} refresh={refresh} />
    </Page>
  );
}
