// The Models page (/projects/{id}/models): the project's Label Studio ML backends and what they do for it.
//
// It speaks Label Studio's `/api/ml` as the server implements it (functions/api/routes/ml.py): connecting a
// backend is one POST that the server only saves after the backend answered /health and /setup (a 400 with
// the backend's own words otherwise), so "test connection" for a new backend *is* the add button, and for a
// saved one it is `GET /api/ml/{id}` (which checks again and stores the outcome). Predicting runs as a job
// on the server; this page polls the backend's job list while one is running, and the data manager and this
// page share the job helpers below. The project options the ML features add (sampling by uncertainty,
// predictions after import, auto-accept, training on annotation) are edited here too, each with a sentence
// saying what it does, because they only mean something with a model connected.
//
// The pure parts (job arithmetic, extra-params parsing, which backend the server will use) are exported and
// unit-tested in tests/models.test.ts.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { useProject } from "../project";
import type { Project } from "../types";
import { Button, ConfirmDialog, ErrorMessage, FieldError, Page, ProgressBar, Spinner, formatDate, plural, useLoad } from "../ui";
import "../styles/projects.css";
import "../styles/models.css";

// --- shapes (Label Studio's MLBackend, Skylabel's prediction job) ----------------------------------------------

export interface MlBackend {
  id: number;
  project: number;
  /** CO Connected, DI Disconnected, ER Error, TR Training, PR Predicting. */
  state: string;
  readable_state: string;
  error_message: string | null;
  url: string;
  title: string;
  description: string;
  model_version: string;
  is_interactive: boolean;
  auth_method: "NONE" | "BASIC_AUTH";
  basic_auth_user: string | null;
  basic_auth_pass_is_set: boolean;
  extra_params: unknown;
  timeout: number;
  auto_update: boolean;
  created_at: string;
  updated_at: string;
}

export interface MlJob {
  id: number;
  ml_backend: number;
  status: "queued" | "in_progress" | "completed" | "completed_with_errors" | "failed";
  origin: string;
  model_version: string | null;
  total: number | null;
  done: number;
  predicted: number;
  empty: number;
  skipped: number;
  failed: number;
  auto_accepted: number;
  error: string | null;
  progress: number;
  errors: { tasks: number[]; message: string }[];
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** The project fields the ML features use (not all are in types.ts's Project). */
export interface MlProject extends Project {
  evaluate_predictions_automatically: boolean;
  show_collab_predictions: boolean;
  start_training_on_annotation_update: boolean;
  auto_accept_threshold: number | null;
}

// --- pure helpers (unit-tested) -----------------------------------------------------------------------------------

const FINAL = new Set(["completed", "completed_with_errors", "failed"]);

export function isFinished(job: Pick<MlJob, "status">): boolean {
  return FINAL.has(job.status);
}

/** How far a job is, 0–100 (the server's `progress` is 0–1; a finished job is full). */
export function jobPercent(job: Pick<MlJob, "status" | "progress">): number {
  if (isFinished(job)) return 100;
  return Math.max(0, Math.min(100, Math.round((job.progress ?? 0) * 100)));
}

export const JOB_STATUS: Record<MlJob["status"], string> = {
  queued: "Waiting to start",
  in_progress: "Predicting",
  completed: "Done",
  completed_with_errors: "Done, with errors",
  failed: "Failed",
};

export const JOB_ORIGIN: Record<string, string> = {
  api: "Predict all tasks",
  data_manager: "Data manager",
  import: "After an import",
};

/** One line saying what a job did: "3 predicted · 1 without a prediction · 2 already had one · 1 failed". */
export function jobSummary(job: Pick<MlJob, "total" | "done" | "predicted" | "empty" | "skipped" | "failed" | "auto_accepted" | "status">): string {
  const parts: string[] = [];
  if (!isFinished(job) && job.total) parts.push(`${job.done.toLocaleString()} of ${plural(job.total, "task")}`);
  if (job.predicted) parts.push(`${job.predicted.toLocaleString()} predicted`);
  if (job.empty) parts.push(`${job.empty.toLocaleString()} without a prediction`);
  if (job.skipped) parts.push(`${job.skipped.toLocaleString()} already had one`);
  if (job.failed) parts.push(`${job.failed.toLocaleString()} failed`);
  if (job.auto_accepted) parts.push(`${job.auto_accepted.toLocaleString()} auto-accepted`);
  if (parts.length === 0) return isFinished(job) ? (job.total === 0 ? "No task needed a prediction" : "Nothing predicted") : "Starting…";
  return parts.join(" · ");
}

/** The backend the server uses for the Data Manager action: the first connected one, else the first. */
export function defaultBackend<T extends Pick<MlBackend, "state">>(backends: T[]): T | undefined {
  return backends.find((b) => b.state === "CO") ?? backends[0];
}

/** The backend the labeling page asks while the annotator draws: the first interactive one, connected first. */
export function interactiveBackend<T extends Pick<MlBackend, "state" | "is_interactive">>(backends: T[]): T | undefined {
  return defaultBackend(backends.filter((b) => b.is_interactive));
}

/** The extra-params box: empty means none; anything else must be JSON (sent as the parsed value). */
export function parseExtraParams(text: string): { value: unknown } | { error: string } {
  const trimmed = text.trim();
  if (!trimmed) return { value: null };
  try {
    return { value: JSON.parse(trimmed) as unknown };
  } catch (error) {
    return { error: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** extra_params as the box shows it: the server answers what it was given (text or JSON). */
export function extraParamsText(value: unknown): string {
  if (value === null || value === undefined || value === "") return "";
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

export type StateTone = "ok" | "error" | "busy" | "off";

export function stateTone(state: string): StateTone {
  if (state === "CO") return "ok";
  if (state === "ER") return "error";
  if (state === "TR" || state === "PR") return "busy";
  return "off";
}

// --- API calls shared with the data manager and the labeling page -------------------------------------------------

export function listBackends(projectId: number, signal?: AbortSignal): Promise<MlBackend[]> {
  return api.get<MlBackend[]>("/api/ml", { query: { project: projectId }, signal });
}

export function listJobs(backendId: number, signal?: AbortSignal): Promise<MlJob[]> {
  return api.get<MlJob[]>(`/api/ml/${backendId}/jobs`, { signal });
}

const POLL_MS = 1000;

/** Polls one job until it ends, reporting each state; resolves with the final one. */
export async function watchJob(backendId: number, job: MlJob, onUpdate: (job: MlJob) => void, signal?: AbortSignal): Promise<MlJob> {
  let current = job;
  onUpdate(current);
  while (!isFinished(current)) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (signal?.aborted) throw new DOMException("Aborted", "AbortError");
    current = await api.get<MlJob>(`/api/ml/${backendId}/jobs/${current.id}`, { signal });
    onUpdate(current);
  }
  return current;
}

// --- the page --------------------------------------------------------------------------------------------------------

/** Keyed by project, so one project's backends never show under another's title. */
export function ModelsPage({ projectId }: { projectId: number }) {
  return <ProjectModels key={projectId} projectId={projectId} />;
}

function ProjectModels({ projectId }: { projectId: number }) {
  const project = useProject(projectId);
  const backends = useLoad((signal) => listBackends(projectId, signal), [projectId]);
  const [adding, setAdding] = useState(false);
  const data = project.data as MlProject | undefined;

  if (project.error) {
    return (
      <Page title="Models">
        <ErrorMessage error={project.error} title="The project could not be loaded." />
      </Page>
    );
  }
  if (!data || data.id !== projectId) return <Spinner label="Loading the project…" />;

  const list = backends.data ?? [];
  const showForm = adding || (backends.data !== undefined && list.length === 0);
  return (
    <Page
      title={`${data.title || `Project #${data.id}`}: models`}
      actions={
        list.length > 0 && !adding ? (
          <Button variant="primary" onClick={() => setAdding(true)}>
            Connect a model
          </Button>
        ) : undefined
      }
    >
      <p class="muted ml-intro">
        A model pre-labels tasks so annotators only correct it. Connect any Label Studio ML backend (YOLO, SAM, GLiNER, an
        LLM, or your own <code>LabelStudioMLBase</code>) by its URL; Skylabel sends it tasks and stores what it predicts.
      </p>
      {backends.error && <ErrorMessage error={backends.error} title="The connected models could not be loaded." />}
      {backends.loading && !backends.data && <Spinner label="Loading the connected models…" />}
      {showForm && (
        <AddBackend
          projectId={projectId}
          first={list.length === 0}
          onCancel={list.length > 0 ? () => setAdding(false) : undefined}
          onAdded={() => {
            setAdding(false);
            backends.reload();
          }}
        />
      )}
      {list.map((backend) => (
        <BackendCard key={backend.id} backend={backend} project={data} onChanged={backends.reload} />
      ))}
      <ProjectOptions project={data} onSaved={() => project.reload()} hasBackend={list.length > 0} />
    </Page>
  );
}

// --- add / edit a connection ---------------------------------------------------------------------------------------

interface FormValues {
  url: string;
  title: string;
  isInteractive: boolean;
  basicAuth: boolean;
  user: string;
  password: string;
  timeout: string;
  extraParams: string;
}

function formFrom(backend?: MlBackend): FormValues {
  return {
    url: backend?.url ?? "",
    title: backend?.title ?? "",
    isInteractive: backend?.is_interactive ?? false,
    basicAuth: backend?.auth_method === "BASIC_AUTH",
    user: backend?.basic_auth_user ?? "",
    password: "",
    timeout: String(backend?.timeout ?? 100),
    extraParams: extraParamsText(backend?.extra_params),
  };
}

/** The request body for POST /api/ml or PATCH /api/ml/{id}; a password left empty on edit keeps the saved one. */
export function backendBody(form: FormValues, extra: unknown, editing: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    url: form.url.trim(),
    title: form.title.trim() || undefined,
    is_interactive: form.isInteractive,
    auth_method: form.basicAuth ? "BASIC_AUTH" : "NONE",
    timeout: Number(form.timeout) || 100,
    extra_params: extra,
  };
  if (form.basicAuth) {
    body.basic_auth_user = form.user;
    if (form.password || !editing) body.basic_auth_pass = form.password;
  }
  if (editing && !body.title) delete body.title;
  return body;
}

function BackendForm({
  id,
  initial,
  editing,
  submitLabel,
  busyLabel,
  onSubmit,
  onCancel,
  error,
  busy,
  passwordSet,
}: {
  id: string;
  initial: FormValues;
  editing: boolean;
  submitLabel: string;
  busyLabel: string;
  onSubmit: (body: Record<string, unknown>) => void;
  onCancel?: () => void;
  error: unknown;
  busy: boolean;
  passwordSet?: boolean;
}) {
  const [form, setForm] = useState<FormValues>(initial);
  const [extraError, setExtraError] = useState("");
  const set = (change: Partial<FormValues>) => setForm((f) => ({ ...f, ...change }));
  const input = (name: keyof FormValues) => (e: Event) => set({ [name]: (e.currentTarget as HTMLInputElement).value });
  return (
    <form
      class="form ml-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const extra = parseExtraParams(form.extraParams);
        if ("error" in extra) {
          setExtraError(extra.error);
          return;
        }
        setExtraError("");
        onSubmit(backendBody(form, extra.value, editing));
      }}
    >
      <div class="row">
        <label>
          URL
          <input
            type="url"
            required
            value={form.url}
            placeholder="http://localhost:9090"
            autocomplete="off"
            onInput={input("url")}
            autoFocus={!editing}
          />
          <span class="hint muted">Where the backend listens; Skylabel calls its /health, /setup, /predict and /webhook.</span>
          <FieldError error={error} field="url" />
        </label>
        <label>
          Title
          <input value={form.title} maxLength={500} placeholder="e.g. Sentiment model" onInput={input("title")} />
          <FieldError error={error} field="title" />
        </label>
      </div>
      <label class="check">
        <input type="checkbox" checked={form.isInteractive} onChange={(e) => set({ isInteractive: e.currentTarget.checked })} />
        Interactive pre-annotation: ask this model while annotators label
      </label>
      <label class="check">
        <input type="checkbox" checked={form.basicAuth} onChange={(e) => set({ basicAuth: e.currentTarget.checked })} />
        The backend needs a user name and password (basic auth)
      </label>
      {form.basicAuth && (
        <div class="row">
          <label>
            User name
            <input value={form.user} autocomplete="off" onInput={input("user")} />
            <FieldError error={error} field="basic_auth_user" />
          </label>
          <label>
            Password
            <input
              type="password"
              value={form.password}
              autocomplete="new-password"
              placeholder={passwordSet ? "Unchanged" : ""}
              onInput={input("password")}
            />
            <FieldError error={error} field="basic_auth_pass" />
          </label>
        </div>
      )}
      <details class="ml-advanced" open={form.extraParams.trim() !== "" || form.timeout !== "100"}>
        <summary>Advanced: timeout and extra parameters</summary>
        <div class="row">
          <label>
            Timeout (seconds)
            <input type="number" min={1} max={600} step="any" value={form.timeout} onInput={input("timeout")} />
            <span class="hint muted">How long one request to the backend may take.</span>
            <FieldError error={error} field="timeout" />
          </label>
          <label>
            Extra parameters (JSON)
            <textarea
              rows={3}
              value={form.extraParams}
              placeholder='{"threshold": 0.5}'
              onInput={(e) => {
                set({ extraParams: e.currentTarget.value });
                setExtraError("");
              }}
            />
            <span class="hint muted">Sent to the backend's /setup as they are, for backends that read settings.</span>
            {extraError && <p class="field-error">{extraError}</p>}
            <FieldError error={error} field="extra_params" />
          </label>
        </div>
      </details>
      {error && !(error instanceof ApiError && Object.keys(error.fields).some((f) => f !== "non_field_errors")) ? (
        <ErrorMessage error={error} title={editing ? "Not saved." : "Not connected."} />
      ) : null}
      <div class="ml-form-buttons">
        <Button type="submit" variant="primary" disabled={busy || !form.url.trim()} data-testid={`${id}-submit`}>
          {busy ? busyLabel : submitLabel}
        </Button>
        {onCancel && (
          <Button onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
        )}
        <span class="hint muted">Skylabel checks the backend (/health, then /setup with this project's labeling config) before saving.</span>
      </div>
    </form>
  );
}

function AddBackend({ projectId, first, onAdded, onCancel }: { projectId: number; first: boolean; onAdded: () => void; onCancel?: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <section class="panel ml-add" aria-labelledby="ml-add-title">
      <h2 id="ml-add-title" class="section-title">
        {first ? "Connect a model" : "Connect another model"}
      </h2>
      {first && (
        <p class="muted">
          No model is connected to this project yet. Start a backend (for example{" "}
          <code>label-studio-ml start my_backend</code>, which listens on port 9090) and enter its URL.
        </p>
      )}
      <BackendForm
        id="ml-add"
        initial={formFrom()}
        editing={false}
        submitLabel="Test and connect"
        busyLabel="Checking the backend…"
        error={error}
        busy={busy}
        onCancel={onCancel}
        onSubmit={(body) => {
          setBusy(true);
          setError(null);
          api.post<MlBackend>("/api/ml", { ...body, project: projectId }).then(
            () => {
              setBusy(false);
              onAdded();
            },
            (err: unknown) => {
              setBusy(false);
              setError(err);
            },
          );
        }}
      />
    </section>
  );
}

// --- one connection --------------------------------------------------------------------------------------------------

interface Outcome {
  kind: "ok" | "error" | "info";
  text: string;
}

function BackendCard({ backend: initial, project, onChanged }: { backend: MlBackend; project: MlProject; onChanged: () => void }) {
  const [backend, setBackend] = useState(initial);
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState<"" | "test" | "save" | "predict" | "train" | "toggle">("");
  const [error, setError] = useState<unknown>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [deleting, setDeleting] = useState(false);
  const jobs = useJobs(backend.id);
  const [versionsTick, setVersionsTick] = useState(0);
  useEffect(() => setBackend(initial), [initial]);

  const run = async (kind: typeof busy, action: () => Promise<void>) => {
    setBusy(kind);
    setError(null);
    setOutcome(null);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy("");
    }
  };

  const test = () =>
    run("test", async () => {
      const fresh = await api.get<MlBackend>(`/api/ml/${backend.id}`);
      setBackend(fresh);
      setOutcome(
        fresh.state === "CO"
          ? { kind: "ok", text: `Connected. Model version ${fresh.model_version || "(none given)"}.` }
          : { kind: "error", text: `${fresh.readable_state}: ${fresh.error_message ?? "the backend did not answer."}` },
      );
    });

  const patch = (change: Record<string, unknown>, kind: typeof busy = "toggle") =>
    run(kind, async () => {
      setBackend(await api.patch<MlBackend>(`/api/ml/${backend.id}`, change));
      if (kind === "save") {
        setEditing(false);
        setOutcome({ kind: "ok", text: "Saved." });
      }
    });

  const predict = () =>
    run("predict", async () => {
      await api.post<MlJob>(`/api/ml/${backend.id}/predict`);
      jobs.refresh();
    });

  const train = () =>
    run("train", async () => {
      const before = backend.model_version;
      const after = await api.post<MlBackend>(`/api/ml/${backend.id}/train`);
      setBackend(after);
      setVersionsTick((n) => n + 1);
      if (after.state === "TR") setOutcome({ kind: "info", text: "Training started; it goes on in the background." });
      else if (after.state === "CO") {
        const version = after.model_version !== before ? ` Model version is now ${after.model_version}.` : "";
        setOutcome({ kind: "ok", text: `The backend was asked to train on the project's annotations.${version}` });
      } else setOutcome({ kind: "error", text: `Training failed: ${after.error_message ?? after.readable_state}` });
    });

  const running = (jobs.list ?? []).find((j) => !isFinished(j));
  const tone = stateTone(backend.state);
  const titleId = `ml-${backend.id}-title`;

  return (
    <section class="panel ml-card" aria-labelledby={titleId} data-testid="ml-backend">
      <header class="ml-card-head">
        <h2 id={titleId} class="section-title">
          {backend.title || `Model ${backend.id}`}
        </h2>
        <span class={`ml-state ml-state-${tone}`} data-testid="ml-state">
          {backend.readable_state}
        </span>
        <div class="ml-card-actions">
          <Button onClick={() => void test()} disabled={busy !== ""}>
            {busy === "test" ? "Testing…" : "Test connection"}
          </Button>
          <Button onClick={() => setEditing((e) => !e)} aria-expanded={editing} disabled={busy !== "" && busy !== "save"}>
            Edit
          </Button>
          <Button variant="danger" onClick={() => setDeleting(true)} disabled={busy !== ""}>
            Delete…
          </Button>
        </div>
      </header>

      {backend.state !== "CO" && backend.error_message && (
        <div class="error ml-state-error" role="alert">
          <strong>The backend answered with an error:</strong>
          <pre class="error-text">{backend.error_message}</pre>
        </div>
      )}

      <dl class="ml-facts">
        <div>
          <dt>URL</dt>
          <dd class="ml-url">{backend.url}</dd>
        </div>
        <div>
          <dt>Model version</dt>
          <dd data-testid="ml-version">{backend.model_version || "—"}</dd>
        </div>
        <div>
          <dt>Timeout</dt>
          <dd>{backend.timeout} s</dd>
        </div>
        <div>
          <dt>Authentication</dt>
          <dd>{backend.auth_method === "BASIC_AUTH" ? `Basic auth as ${backend.basic_auth_user ?? ""}` : "None"}</dd>
        </div>
      </dl>

      {/* While the connection is edited its form has the interactive switch: one place for it at a time. */}
      <div class="ml-toggles" hidden={editing}>
        <label class="ml-check">
          <input
            type="checkbox"
            checked={backend.is_interactive}
            disabled={busy !== ""}
            onChange={(e) => void patch({ is_interactive: e.currentTarget.checked })}
          />
          <span>
            <strong>Interactive pre-annotation.</strong>{" "}
            <span class="muted">
              While annotators label, the regions they draw are sent to this model and its suggestions appear in the editor.
            </span>
          </span>
        </label>
        <label class="ml-check">
          <input
            type="checkbox"
            checked={backend.auto_update}
            disabled={busy !== ""}
            onChange={(e) => void patch({ auto_update: e.currentTarget.checked })}
          />
          <span>
            <strong>Follow the newest model version.</strong>{" "}
            <span class="muted">Predict with whatever version the backend reports; off keeps predicting with {backend.model_version || "the current one"}.</span>
          </span>
        </label>
      </div>

      {editing && (
        <div class="ml-edit">
          <h3 class="ml-edit-title">Edit the connection</h3>
          <BackendForm
            id={`ml-edit-${backend.id}`}
            initial={formFrom(backend)}
            editing
            submitLabel="Test and save"
            busyLabel="Checking the backend…"
            passwordSet={backend.basic_auth_pass_is_set}
            error={busy === "" ? error : null}
            busy={busy === "save"}
            onCancel={() => {
              setEditing(false);
              setError(null);
            }}
            onSubmit={(body) => void patch(body, "save")}
          />
        </div>
      )}

      <div class="ml-run">
        <Button variant="primary" onClick={() => void predict()} disabled={busy !== "" || running !== undefined} data-testid="ml-predict">
          {busy === "predict" ? "Starting…" : "Predict all tasks"}
        </Button>
        <Button onClick={() => void train()} disabled={busy !== ""} data-testid="ml-train">
          {busy === "train" ? "Training…" : "Train"}
        </Button>
        <span class="hint muted">
          Predict sends every task without a prediction from this model version to the backend. Train asks it to learn from
          the project's annotations ({plural(project.total_annotations_number ?? 0, "annotation")} so far).
        </span>
      </div>
      {!editing && error ? <ErrorMessage error={error} /> : null}
      {outcome && (
        <p class={`ml-outcome ml-outcome-${outcome.kind}`} role={outcome.kind === "error" ? "alert" : "status"} data-testid="ml-outcome">
          {outcome.text}
        </p>
      )}
      {running && <JobProgress job={running} />}

      <JobsList jobs={jobs} />
      <Versions backendId={backend.id} tick={versionsTick} current={backend.model_version} />

      <ConfirmDialog
        open={deleting}
        title={`Disconnect ${backend.title || `model ${backend.id}`}?`}
        confirmLabel="Disconnect"
        busyLabel="Disconnecting…"
        onCancel={() => setDeleting(false)}
        onConfirm={async () => {
          await api.delete(`/api/ml/${backend.id}`);
          setDeleting(false);
          onChanged();
        }}
      >
        <p>The project keeps the predictions this model made; it just stops asking it for new ones.</p>
      </ConfirmDialog>
    </section>
  );
}

/** The backend's jobs; re-read every second while one of them is still running. */
function useJobs(backendId: number) {
  const [list, setList] = useState<MlJob[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      listJobs(backendId, controller.signal).then(
        (jobs) => {
          setList(jobs);
          setError(null);
          if (jobs.some((j) => !isFinished(j))) timer = setTimeout(load, POLL_MS);
        },
        (err: unknown) => {
          if (!controller.signal.aborted) setError(err);
        },
      );
    };
    load();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [backendId, tick]);
  return { list, error, refresh: () => setTick((n) => n + 1) };
}

export function JobProgress({ job, label = "Predicting" }: { job: MlJob; label?: string }) {
  return (
    <div class="ml-job-progress" data-testid="ml-job-progress">
      <div class="ml-job-progress-text">
        <strong>
          {label}
          {job.model_version ? ` with ${job.model_version}` : ""}
        </strong>
        <span class="muted">{jobSummary(job)}</span>
      </div>
      <ProgressBar value={jobPercent(job)} max={100} label={`${label}: job ${job.id}`} />
    </div>
  );
}

function JobsList({ jobs }: { jobs: ReturnType<typeof useJobs> }) {
  const list = jobs.list ?? [];
  return (
    <details class="ml-details" open={list.length > 0 && list.length <= 3}>
      <summary>
        Prediction jobs {jobs.list ? `(${list.length})` : ""}
      </summary>
      {jobs.error ? <ErrorMessage error={jobs.error} /> : null}
      {jobs.list && list.length === 0 && <p class="muted">No predictions retrieved yet.</p>}
      {list.length > 0 && (
        <div class="ml-table-wrap">
          <table class="grid ml-jobs" data-testid="ml-jobs">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Started</th>
                <th scope="col">From</th>
                <th scope="col">Status</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {list.map((job) => (
                <tr key={job.id}>
                  <td>#{job.id}</td>
                  <td class="ml-nowrap">{formatDate(job.started_at ?? job.created_at)}</td>
                  <td>{JOB_ORIGIN[job.origin] ?? job.origin}</td>
                  <td>
                    <span class={`ml-job-status ml-job-${job.status}`}>{JOB_STATUS[job.status] ?? job.status}</span>
                    {!isFinished(job) && <ProgressBar value={jobPercent(job)} max={100} label={`Job ${job.id}`} />}
                  </td>
                  <td>
                    <span>{jobSummary(job)}</span>
                    {job.model_version && <span class="muted"> · {job.model_version}</span>}
                    {job.error && job.errors.length === 0 && <p class="ml-job-error">{job.error}</p>}
                    {job.errors.length > 0 && (
                      <ul class="ml-job-errors">
                        {job.errors.map((e, i) => (
                          <li key={i}>
                            {e.tasks.length > 0 && <span class="muted">{e.tasks.length === 1 ? "Task" : "Tasks"} {e.tasks.join(", ")}: </span>}
                            {e.message}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </details>
  );
}

function Versions({ backendId, tick, current }: { backendId: number; tick: number; current: string }) {
  const versions = useLoad(
    (signal) => api.get<{ versions: string[]; message?: string }>(`/api/ml/${backendId}/versions`, { signal }),
    [backendId, tick, current],
  );
  const list = versions.data?.versions ?? [];
  return (
    <details class="ml-details">
      <summary>Model versions {versions.data ? `(${list.length})` : ""}</summary>
      {versions.error ? <ErrorMessage error={versions.error} /> : null}
      {versions.data && (
        <>
          {list.length === 0 ? (
            <p class="muted">The backend has not named a version.</p>
          ) : (
            <ul class="ml-versions" data-testid="ml-versions">
              {[...list].reverse().map((v) => (
                <li key={v}>
                  <code>{v}</code>
                  {v === current && <span class="ml-current"> current</span>}
                </li>
              ))}
            </ul>
          )}
          {versions.data.message && versions.data.message !== "Success" && <p class="hint muted">{versions.data.message}</p>}
        </>
      )}
    </details>
  );
}

// --- project options for active learning and auto-labeling ---------------------------------------------------------

const SAMPLING: [string, string, string][] = [
  ["Sequential sampling", "Sequential", "Annotators get tasks in the order they were imported."],
  ["Uniform sampling", "Random", "Annotators get tasks in random order."],
  [
    "Uncertainty sampling",
    "Uncertainty (active learning)",
    "Annotators get the unlabeled task the model is least sure about first (lowest prediction score), so each label teaches the model the most.",
  ],
];

function ProjectOptions({ project, onSaved, hasBackend }: { project: MlProject; onSaved: () => void; hasBackend: boolean }) {
  const [sampling, setSampling] = useState(project.sampling || "Sequential sampling");
  const [afterImport, setAfterImport] = useState(!!project.evaluate_predictions_automatically);
  const [prelabel, setPrelabel] = useState(project.show_collab_predictions !== false);
  const [trainOnUpdate, setTrainOnUpdate] = useState(!!project.start_training_on_annotation_update);
  const [autoAccept, setAutoAccept] = useState(project.auto_accept_threshold != null);
  const [threshold, setThreshold] = useState(String(project.auto_accept_threshold ?? 0.95));
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [reverting, setReverting] = useState(false);
  const [reverted, setReverted] = useState("");
  const touched = () => setSaved(false);
  const help = SAMPLING.find(([value]) => value === sampling)?.[2] ?? "";
  const thresholdValue = Number(threshold);
  const thresholdBad = autoAccept && (threshold.trim() === "" || !(thresholdValue >= 0 && thresholdValue <= 1));

  async function save(event: Event) {
    event.preventDefault();
    setSaving(true);
    setSaved(false);
    setError(null);
    try {
      await api.patch(`/api/projects/${project.id}`, {
        sampling,
        evaluate_predictions_automatically: afterImport,
        show_collab_predictions: prelabel,
        start_training_on_annotation_update: trainOnUpdate,
        auto_accept_threshold: autoAccept ? thresholdValue : null,
      });
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  }

  return (
    <section class="panel ml-options" aria-labelledby="ml-options-title">
      <h2 id="ml-options-title" class="section-title">
        Predictions, active learning and auto-labeling
      </h2>
      {!hasBackend && <p class="muted">These take effect once a model is connected.</p>}
      <form class="form" noValidate onSubmit={save}>
        <label>
          Task order for annotators
          <select
            value={sampling}
            onChange={(e) => {
              setSampling(e.currentTarget.value);
              touched();
            }}
          >
            {SAMPLING.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
          <span class="hint muted">{help}</span>
          <FieldError error={error} field="sampling" />
        </label>
        <OptionCheck
          checked={prelabel}
          onChange={(v) => {
            setPrelabel(v);
            touched();
          }}
          title="Pre-label tasks with predictions."
        >
          Annotators start from the model's best prediction instead of an empty annotation.
        </OptionCheck>
        <OptionCheck
          checked={afterImport}
          onChange={(v) => {
            setAfterImport(v);
            touched();
          }}
          title="Retrieve predictions after each import."
        >
          New tasks are sent to the model as soon as they are imported.
        </OptionCheck>
        <OptionCheck
          checked={trainOnUpdate}
          onChange={(v) => {
            setTrainOnUpdate(v);
            touched();
          }}
          title="Train after every submitted or updated annotation."
        >
          The model hears about each annotation and can keep learning while people label.
        </OptionCheck>
        <div class="ml-auto-accept">
          <OptionCheck
            checked={autoAccept}
            onChange={(v) => {
              setAutoAccept(v);
              touched();
            }}
            title="Auto-accept confident predictions."
          >
            A prediction scoring at or above the threshold is saved as an annotation (marked as auto-accepted), so people only
            label the rest. Undo it at any time below.
          </OptionCheck>
          {autoAccept && (
            <label class="ml-threshold">
              Threshold (0–1)
              <input
                type="number"
                min={0}
                max={1}
                step={0.01}
                value={threshold}
                aria-invalid={thresholdBad}
                onInput={(e) => {
                  setThreshold(e.currentTarget.value);
                  touched();
                }}
              />
              {thresholdBad && <span class="field-error">Enter a number from 0 to 1.</span>}
              <FieldError error={error} field="auto_accept_threshold" />
            </label>
          )}
        </div>
        {error && !(error instanceof ApiError && Object.keys(error.fields).length > 0) ? <ErrorMessage error={error} title="Not saved." /> : null}
        <div class="save-bar">
          <Button type="submit" variant="primary" disabled={saving || thresholdBad}>
            {saving ? "Saving…" : "Save"}
          </Button>
          <span class="saved" role="status" aria-live="polite">
            {saved ? "✓ Saved" : ""}
          </span>
        </div>
      </form>
      <div class="ml-revert">
        <Button onClick={() => setReverting(true)}>Remove auto-accepted annotations…</Button>
        <span class="hint muted" role="status">
          {reverted || "Takes back the annotations auto-accept made that nobody has edited since."}
        </span>
      </div>
      <ConfirmDialog
        open={reverting}
        title="Remove auto-accepted annotations?"
        confirmLabel="Remove them"
        busyLabel="Removing…"
        onCancel={() => setReverting(false)}
        onConfirm={async () => {
          const answer = await api.post<{ processed_items: number; detail?: string }>(
            `/api/dm/actions?id=revert_auto_accepted&project=${project.id}`,
            { selectedItems: { all: true, excluded: [] } },
          );
          setReverting(false);
          setReverted(answer.detail ?? `Removed ${plural(answer.processed_items, "annotation")}.`);
          onSaved();
        }}
      >
        <p>
          Every annotation auto-accept created and nobody changed since is deleted; those tasks go back to the annotators. The
          predictions stay.
        </p>
      </ConfirmDialog>
    </section>
  );
}

function OptionCheck({ checked, onChange, title, children }: { checked: boolean; onChange: (v: boolean) => void; title: string; children: ComponentChildren }) {
  return (
    <label class="ml-check">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.currentTarget.checked)} />
      <span>
        <strong>{title}</strong> <span class="muted">{children}</span>
      </span>
    </label>
  );
}
