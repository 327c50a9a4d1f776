// The data manager: a paged, sortable, filterable table of a project's tasks, with bulk delete, bulk
// "Retrieve predictions" from the project's ML backend, and the way into labeling (one task, or all of them).
//
// It speaks Label Studio's own Data Manager protocol: `GET /api/tasks?project&page&page_size&fields&query`,
// where `query` is `{filters: {conjunction, items}, ordering}` and the server evaluates it
// (shared/skylabel/dm_query.py), and `POST /api/dm/actions?id=delete_tasks` with `selectedItems`. The
// filter controls here are a small, fixed set of the filters Label Studio's UI can build; `buildQuery` turns
// them into that JSON and is unit-tested (tests/dm-query.test.ts). The view (filters, order, page) is kept
// per project for the browser tab, so coming back from labeling a task lands on the same page.
// "Retrieve predictions" is Label Studio's `retrieve_tasks_predictions` action: the server starts a prediction
// job; with `wait=false` it answers with that job at once, which the page follows to its end before reloading
// the table (see pages/models.tsx).
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { useProject } from "../project";
import { navigate } from "../router";
import type { Project, Task, User } from "../types";
import { Button, ConfirmDialog, Empty, ErrorMessage, Page, Spinner, formatDate, plural, useLoad } from "../ui";
import { taskLink } from "./label";
import { JobProgress, defaultBackend, isFinished, jobSummary, listBackends, watchJob, type MlBackend, type MlJob } from "./models";
import "../styles/data.css";

// --- the query (pure, tested) ---------------------------------------------------------------------------------------

export type TaskState = "all" | "labeled" | "unlabeled" | "skipped";

export interface DmFilters {
  state: TaskState;
  /** Data key for the "contains" filter. */
  field: string;
  text: string;
  /** A user id, or "" for anyone. */
  annotator: string;
  scoreMin: string;
  scoreMax: string;
}

export interface DmOrder {
  /** A Data Manager column: "id", "created_at", "total_annotations", "total_predictions", "data.<key>", … */
  column: string;
  desc: boolean;
}

export interface FilterItem {
  filter: string;
  operator: string;
  type: string;
  value: unknown;
}

export interface DmQuery {
  filters: { conjunction: "and"; items: FilterItem[] };
  ordering: string[];
}

export const NO_FILTERS: DmFilters = { state: "all", field: "", text: "", annotator: "", scoreMin: "", scoreMax: "" };
export const DEFAULT_ORDER: DmOrder = { column: "id", desc: false };

/** A number typed into a filter box; undefined when empty or not a number (the box then does not filter). */
export function parseNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

function item(column: string, operator: string, type: string, value: unknown): FilterItem {
  return { filter: `filter:tasks:${column}`, operator, type, value };
}

export function filterItems(filters: DmFilters): FilterItem[] {
  const items: FilterItem[] = [];
  if (filters.state === "labeled") items.push(item("total_annotations", "greater", "Number", 0));
  if (filters.state === "unlabeled") {
    items.push(item("total_annotations", "equal", "Number", 0));
    items.push(item("cancelled_annotations", "equal", "Number", 0));
  }
  if (filters.state === "skipped") items.push(item("cancelled_annotations", "greater", "Number", 0));
  if (filters.field && filters.text.trim()) {
    items.push(item(`data.${filters.field}`, "contains", "String", filters.text.trim()));
  }
  if (/^\d+$/.test(filters.annotator)) items.push(item("annotators", "contains", "List", Number(filters.annotator)));
  const min = parseNumber(filters.scoreMin);
  const max = parseNumber(filters.scoreMax);
  if (min !== undefined && max !== undefined) items.push(item("predictions_score", "in", "Number", { min, max }));
  else if (min !== undefined) items.push(item("predictions_score", "greater_or_equal", "Number", min));
  else if (max !== undefined) items.push(item("predictions_score", "less_or_equal", "Number", max));
  return items;
}

export function hasFilters(filters: DmFilters): boolean {
  return filterItems(filters).length > 0;
}

/** Label Studio's ordering list; empty for the default (id ascending), which the server pages fastest. */
export function orderingParam(order: DmOrder): string[] {
  if (order.column === "id" && !order.desc) return [];
  return [`${order.desc ? "-" : ""}tasks:${order.column}`];
}

export function buildQuery(filters: DmFilters, order: DmOrder): DmQuery {
  return { filters: { conjunction: "and", items: filterItems(filters) }, ordering: orderingParam(order) };
}

/** The body of the bulk delete action for exactly these tasks (never "all": an empty list deletes nothing). */
export function deleteSelection(ids: Iterable<number>): { selectedItems: { all: false; included: number[] } } {
  return { selectedItems: { all: false, included: [...new Set(ids)].sort((a, b) => a - b) } };
}

/** The body of an action for the selected tasks, or, with none selected, for every task the filters match. */
export function actionSelection(ids: Iterable<number>, query: DmQuery): Record<string, unknown> {
  const list = [...new Set(ids)];
  if (list.length > 0) return deleteSelection(list);
  return { selectedItems: { all: true, excluded: [] }, filters: query.filters, ordering: query.ordering };
}

/** Clicking a column header: the same column flips direction, another one sorts ascending. */
export function nextOrder(current: DmOrder, column: string): DmOrder {
  return current.column === column ? { column, desc: !current.desc } : { column, desc: false };
}

export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

// --- the view kept per project ---------------------------------------------------------------------------------------

interface DmView {
  filters: DmFilters;
  order: DmOrder;
  page: number;
  pageSize: number;
}

const PAGE_SIZES = [10, 30, 50, 100];
const DEFAULT_VIEW: DmView = { filters: NO_FILTERS, order: DEFAULT_ORDER, page: 1, pageSize: 30 };

function viewKey(projectId: number): string {
  return `skylabel.dm.${projectId}`;
}

function loadView(projectId: number): DmView {
  try {
    const saved = JSON.parse(sessionStorage.getItem(viewKey(projectId)) ?? "null") as Partial<DmView> | null;
    if (!saved || typeof saved !== "object") return DEFAULT_VIEW;
    return {
      filters: { ...NO_FILTERS, ...saved.filters },
      order: saved.order && typeof saved.order.column === "string" ? saved.order : DEFAULT_ORDER,
      page: Number.isInteger(saved.page) && saved.page! > 0 ? saved.page! : 1,
      pageSize: PAGE_SIZES.includes(saved.pageSize ?? 0) ? saved.pageSize! : DEFAULT_VIEW.pageSize,
    };
  } catch {
    return DEFAULT_VIEW;
  }
}

// --- table content -----------------------------------------------------------------------------------------------------

/** A task as the listing answers it (fields=all, narrowed with include). */
interface Row extends Task {
  predictions_score?: number | null;
}

/** Where a "Retrieve predictions" run is: waiting for its job, following it, finished, or refused. */
type Retrieval =
  | { phase: "running"; count: number; job?: MlJob }
  | { phase: "done"; job?: MlJob; detail: string }
  | { phase: "failed"; error: unknown }
  | { phase: "no-model" };

interface RetrieveAnswer {
  processed_items: number;
  detail?: string;
  job?: MlJob;
}

interface TaskPage {
  tasks: Row[];
  total: number;
  total_annotations: number;
  total_predictions: number;
}

const INCLUDE = [
  "id", "data", "created_at", "total_annotations", "cancelled_annotations", "total_predictions", "annotators",
  "predictions_score",
];

/** Each data key the config reads, with the tag that reads it (Image, Text, Audio, …). */
function dataColumns(project: Project): { key: string; tag: string }[] {
  const columns: { key: string; tag: string }[] = [];
  for (const control of Object.values(project.parsed_label_config ?? {})) {
    for (const input of control.inputs ?? []) {
      if (input.value && !columns.some((c) => c.key === input.value)) columns.push({ key: input.value, tag: input.type });
    }
  }
  return columns;
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function fileName(url: string): string {
  try {
    const path = new URL(url, location.href).pathname;
    return decodeURIComponent(path.slice(path.lastIndexOf("/") + 1)) || url;
  } catch {
    return url;
  }
}

function DataCell({ value, tag, taskId }: { value: unknown; tag: string; taskId: number }) {
  const text = asText(value);
  const kind = tag.toLowerCase();
  if (kind === "image" && typeof value === "string" && value) {
    return <img class="dm-thumb" src={value} alt={`Image of task ${taskId}`} loading="lazy" />;
  }
  if ((kind.startsWith("audio") || kind === "video") && typeof value === "string" && /^(https?:|\/)/.test(value)) {
    return <span class="dm-text" title={value}>{fileName(value)}</span>;
  }
  const short = text.length > 300 ? `${text.slice(0, 300)}…` : text;
  return (
    <span class="dm-text" title={text.length > 80 ? text.slice(0, 1000) : undefined}>
      {short}
    </span>
  );
}

function userName(user: User | undefined, id: number): string {
  if (!user) return `User ${id}`;
  const name = [user.first_name, user.last_name].filter(Boolean).join(" ");
  return name || user.email;
}

// --- the page ------------------------------------------------------------------------------------------------------------

/** Keyed by project: switching projects starts from that project's own view and data, never the last one's. */
export function DataManager({ projectId }: { projectId: number }) {
  return <ProjectData key={projectId} projectId={projectId} />;
}

function ProjectData({ projectId }: { projectId: number }) {
  const project = useProject(projectId);
  const users = useLoad((signal) => api.get<User[]>("/api/users", { signal }), []);
  const [view, setView] = useState<DmView>(() => loadView(projectId));
  const [text, setText] = useState(view.filters.text);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [confirming, setConfirming] = useState(false);
  const [notice, setNotice] = useState("");
  const backends = useLoad((signal) => listBackends(projectId, signal).catch((): MlBackend[] => []), [projectId]);
  const [retrieval, setRetrieval] = useState<Retrieval | null>(null);
  // Stops the polling of a run in progress when the page goes away.
  const stopRetrieval = useRef<() => void>(() => {});
  useEffect(() => () => stopRetrieval.current(), []);

  useEffect(() => {
    sessionStorage.setItem(viewKey(projectId), JSON.stringify(view));
  }, [projectId, view]);

  // The text filter applies once typing pauses, not on every key.
  useEffect(() => {
    if (text === view.filters.text) return;
    const timer = setTimeout(() => setFilters({ text }), 350);
    return () => clearTimeout(timer);
  }, [text]);

  const columns = useMemo(() => (project.data?.id === projectId ? dataColumns(project.data) : []), [project.data, projectId]);
  const field = view.filters.field || columns[0]?.key || "";
  const query = useMemo(() => buildQuery({ ...view.filters, field }, view.order), [view.filters, view.order, field]);
  const queryText = JSON.stringify(query);

  const tasks = useLoad(
    (signal) =>
      api.get<TaskPage>("/api/tasks", {
        signal,
        query: {
          project: projectId,
          page: view.page,
          page_size: view.pageSize,
          fields: "all",
          include: INCLUDE.join(","),
          query: queryText,
        },
      }),
    [projectId, view.page, view.pageSize, queryText],
  );

  // A page past the end (tasks were deleted, or filters narrowed): go back to the first page.
  useEffect(() => {
    if (tasks.error instanceof ApiError && tasks.error.status === 404 && view.page > 1) setView((v) => ({ ...v, page: 1 }));
  }, [tasks.error]);

  const userById = useMemo(() => new Map((users.data ?? []).map((u) => [u.id, u])), [users.data]);

  function setFilters(change: Partial<DmFilters>) {
    setView((v) => ({ ...v, filters: { ...v.filters, ...change }, page: 1 }));
    setSelected(new Set());
  }
  function clearFilters() {
    setText("");
    setView((v) => ({ ...v, filters: { ...NO_FILTERS, field: v.filters.field }, page: 1 }));
    setSelected(new Set());
  }

  const rows = tasks.data?.tasks ?? [];
  const total = tasks.data?.total ?? 0;
  const pages = pageCount(total, view.pageSize);
  const filtered = hasFilters({ ...view.filters, field });
  const pageIds = rows.map((r) => r.id);
  const allOnPage = pageIds.length > 0 && pageIds.every((id) => selected.has(id));
  const someOnPage = pageIds.some((id) => selected.has(id));

  function toggle(id: number) {
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }
  function togglePage() {
    setSelected((s) => {
      const next = new Set(s);
      pageIds.forEach((id) => (allOnPage ? next.delete(id) : next.add(id)));
      return next;
    });
  }

  async function deleteSelected(): Promise<void> {
    const answer = await api.post<{ processed_items: number }>(
      `/api/dm/actions?id=delete_tasks&project=${projectId}`,
      deleteSelection(selected),
    );
    setSelected(new Set());
    setConfirming(false);
    setNotice(`Deleted ${plural(answer.processed_items, "task")}.`);
    tasks.reload();
    project.reload();
  }

  async function retrievePredictions(): Promise<void> {
    const backend = defaultBackend(backends.data ?? []);
    if (!backend) {
      setRetrieval({ phase: "no-model" });
      return;
    }
    const count = selected.size || total;
    const body = actionSelection(selected, query);
    const controller = new AbortController();
    stopRetrieval.current = () => controller.abort();
    setNotice("");
    setRetrieval({ phase: "running", count });
    try {
      // `wait=false`: the action answers with the job it started (Label Studio's clients get the wait instead).
      const answer = await api.post<RetrieveAnswer>(`/api/dm/actions?id=retrieve_tasks_predictions&project=${projectId}`, body, {
        query: { wait: false },
        signal: controller.signal,
      });
      let job = answer.job;
      if (job && !isFinished(job)) {
        job = await watchJob(backend.id, job, (j) => setRetrieval({ phase: "running", count, job: j }), controller.signal);
      }
      setRetrieval({ phase: "done", job, detail: answer.detail ?? `Retrieved ${plural(answer.processed_items, "prediction")}` });
      setSelected(new Set());
      tasks.reload();
      project.reload();
    } catch (error) {
      if (!controller.signal.aborted) setRetrieval({ phase: "failed", error });
    }
  }

  if (project.error) {
    return (
      <Page title="Data">
        <ErrorMessage error={project.error} title="The project could not be loaded." />
      </Page>
    );
  }
  // useLoad keeps the previous project while the next loads: never show one project's columns for another.
  if (!project.data || project.data.id !== projectId) return <Spinner label="Loading the project…" />;

  const sortHeader = (column: string, label: string, extra = "") => {
    const active = view.order.column === column;
    const sort = active ? (view.order.desc ? "descending" : "ascending") : undefined;
    return (
      <th class={extra} aria-sort={sort} scope="col">
        <button
          type="button"
          class="dm-sort"
          onClick={() => setView((v) => ({ ...v, order: nextOrder(v.order, column), page: 1 }))}
          title={`Sort by ${label}`}
        >
          {label}
          <span class="dm-sort-mark" aria-hidden="true">
            {active ? (view.order.desc ? "▼" : "▲") : "↕"}
          </span>
        </button>
      </th>
    );
  };

  const noTasksAtAll = !tasks.loading && !tasks.error && total === 0 && !filtered;
  const first = (view.page - 1) * view.pageSize + 1;

  return (
    <Page
      title={project.data.title}
      actions={
        <>
          <a class="btn" href={`/projects/${projectId}/import`}>
            Import
          </a>
          <a class="btn btn-primary" href={`/projects/${projectId}/label`}>
            Label all tasks
          </a>
        </>
      }
    >
      {notice && (
        <p class="dm-notice" role="status">
          {notice}
          <button type="button" class="btn btn-plain dm-notice-close" aria-label="Dismiss message" onClick={() => setNotice("")}>
            ×
          </button>
        </p>
      )}

      {noTasksAtAll ? (
        <Empty title="No tasks yet">
          <p>Import data to create tasks: JSON, CSV, TSV, text files, images or audio.</p>
          <p>
            <a class="btn btn-primary" href={`/projects/${projectId}/import`}>
              Import data
            </a>
          </p>
        </Empty>
      ) : (
        <>
          <form class="dm-filters panel" role="search" aria-label="Filter tasks" onSubmit={(e) => e.preventDefault()}>
            <label>
              <span>Status</span>
              <select
                value={view.filters.state}
                onChange={(e) => setFilters({ state: (e.currentTarget as HTMLSelectElement).value as TaskState })}
              >
                <option value="all">All tasks</option>
                <option value="labeled">Labeled</option>
                <option value="unlabeled">Not labeled</option>
                <option value="skipped">Skipped</option>
              </select>
            </label>
            {columns.length > 0 && (
              <div class="dm-filter-text">
                <label>
                  <span>Field</span>
                  <select value={field} onChange={(e) => setFilters({ field: (e.currentTarget as HTMLSelectElement).value })}>
                    {columns.map((c) => (
                      <option key={c.key} value={c.key}>
                        {c.key}
                      </option>
                    ))}
                  </select>
                </label>
                <label>
                  <span>contains</span>
                  <input
                    type="search"
                    value={text}
                    placeholder="Text in the field"
                    onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
                  />
                </label>
              </div>
            )}
            <label>
              <span>Annotator</span>
              <select value={view.filters.annotator} onChange={(e) => setFilters({ annotator: (e.currentTarget as HTMLSelectElement).value })}>
                <option value="">Anyone</option>
                {(users.data ?? []).map((u) => (
                  <option key={u.id} value={String(u.id)}>
                    {userName(u, u.id)}
                  </option>
                ))}
              </select>
            </label>
            <fieldset class="dm-score">
              <legend>Prediction score</legend>
              <div class="dm-score-inputs">
                <label>
                  <span class="visually-hidden">Minimum prediction score</span>
                  <input
                    type="number"
                    step="any"
                    inputMode="decimal"
                    placeholder="min"
                    value={view.filters.scoreMin}
                    onChange={(e) => setFilters({ scoreMin: (e.currentTarget as HTMLInputElement).value })}
                  />
                </label>
                <span aria-hidden="true">–</span>
                <label>
                  <span class="visually-hidden">Maximum prediction score</span>
                  <input
                    type="number"
                    step="any"
                    inputMode="decimal"
                    placeholder="max"
                    value={view.filters.scoreMax}
                    onChange={(e) => setFilters({ scoreMax: (e.currentTarget as HTMLInputElement).value })}
                  />
                </label>
              </div>
            </fieldset>
            <Button class="dm-clear" onClick={clearFilters} disabled={!filtered && !text}>
              Clear filters
            </Button>
          </form>

          <div class="dm-toolbar">
            <span class="dm-count" aria-live="polite">
              {tasks.data ? `${plural(total, "task")}${filtered ? (total === 1 ? " matches" : " match") + " the filters" : ""}` : ""}
            </span>
            {selected.size > 0 && (
              <>
                <span class="dm-selected">{selected.size} selected</span>
                <Button onClick={() => setSelected(new Set())}>Clear selection</Button>
              </>
            )}
            <Button
              class="dm-retrieve"
              disabled={retrieval?.phase === "running" || (selected.size === 0 && total === 0)}
              title={
                selected.size > 0
                  ? `Ask the project's model to predict the ${plural(selected.size, "selected task")}`
                  : `Ask the project's model to predict ${filtered ? "the tasks matching the filters" : "every task"}`
              }
              onClick={() => void retrievePredictions()}
            >
              {retrieval?.phase === "running" ? "Retrieving predictions…" : selected.size > 0 ? `Retrieve predictions (${selected.size})` : "Retrieve predictions"}
            </Button>
            <Button variant="danger" class="dm-delete" disabled={selected.size === 0} onClick={() => setConfirming(true)}>
              Delete selected
            </Button>
          </div>
          {retrieval && <RetrievalStatus retrieval={retrieval} projectId={projectId} onDismiss={() => setRetrieval(null)} />}

          {tasks.error && !(tasks.error instanceof ApiError && tasks.error.status === 404 && view.page > 1) && (
            <ErrorMessage error={tasks.error} title="The tasks could not be loaded." />
          )}
          {!tasks.data && tasks.loading && <Spinner label="Loading tasks…" />}

          {tasks.data && (
            <div class={`dm-table-wrap ${tasks.loading ? "dm-busy" : ""}`} aria-busy={tasks.loading}>
              <table class="grid dm-table">
                <thead>
                  <tr>
                    <th class="dm-check" scope="col">
                      <input
                        type="checkbox"
                        aria-label="Select all tasks on this page"
                        checked={allOnPage}
                        ref={(el) => {
                          if (el) el.indeterminate = someOnPage && !allOnPage;
                        }}
                        onChange={togglePage}
                        disabled={rows.length === 0}
                      />
                    </th>
                    {sortHeader("id", "ID", "dm-id")}
                    {columns.map((c) => sortHeader(`data.${c.key}`, c.key, `dm-data dm-data-${c.tag.toLowerCase()}`))}
                    {sortHeader("total_annotations", "Annotations", "dm-num")}
                    {sortHeader("total_predictions", "Predictions", "dm-num")}
                    {sortHeader("predictions_score", "Score", "dm-num dm-score-col")}
                    <th scope="col">Annotators</th>
                    {sortHeader("created_at", "Created", "dm-date")}
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row) => (
                    <tr
                      key={row.id}
                      class={`dm-row ${selected.has(row.id) ? "dm-row-selected" : ""}`}
                      onClick={(e) => {
                        const target = e.target as Element;
                        if (target.closest("input, a, button, label")) return;
                        navigate(taskLink(projectId, row.id));
                      }}
                    >
                      <td class="dm-check">
                        <input
                          type="checkbox"
                          aria-label={`Select task ${row.id}`}
                          checked={selected.has(row.id)}
                          onChange={() => toggle(row.id)}
                        />
                      </td>
                      <td class="dm-id">
                        <a href={taskLink(projectId, row.id)} aria-label={`Open task ${row.id}`}>
                          {row.id}
                        </a>
                      </td>
                      {columns.map((c) => (
                        <td key={c.key} class={`dm-data dm-data-${c.tag.toLowerCase()}`}>
                          <DataCell value={row.data?.[c.key]} tag={c.tag} taskId={row.id} />
                        </td>
                      ))}
                      <td class="dm-num">
                        {row.total_annotations ?? 0}
                        {(row.cancelled_annotations ?? 0) > 0 && (
                          <span class="dm-skipped" title="Skipped">
                            {" "}
                            +{row.cancelled_annotations} skipped
                          </span>
                        )}
                      </td>
                      <td class="dm-num">{row.total_predictions ?? 0}</td>
                      <td class="dm-num dm-score-col" title={typeof row.predictions_score === "number" ? "Average score of the task's predictions" : undefined}>
                        {typeof row.predictions_score === "number" ? row.predictions_score.toFixed(2) : <span class="dm-none">–</span>}
                      </td>
                      <td class="dm-annotators">
                        {(row.annotators ?? [])
                          .map((a) => (typeof a === "number" ? a : a.id))
                          .map((id) => userName(userById.get(id), id))
                          .join(", ")}
                      </td>
                      <td class="dm-date">{formatDate(row.created_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {rows.length === 0 && (
                <div class="dm-no-match">
                  <p>No tasks match these filters.</p>
                  <Button onClick={clearFilters}>Clear filters</Button>
                </div>
              )}
            </div>
          )}

          {tasks.data && total > 0 && (
            <nav class="dm-pager" aria-label="Pages">
              <span class="dm-range">
                {first.toLocaleString()}–{Math.min(total, view.page * view.pageSize).toLocaleString()} of {total.toLocaleString()}
              </span>
              <Button disabled={view.page <= 1} onClick={() => setView((v) => ({ ...v, page: v.page - 1 }))}>
                ‹ Previous
              </Button>
              <span class="dm-page">
                Page {view.page} of {pages}
              </span>
              <Button disabled={view.page >= pages} onClick={() => setView((v) => ({ ...v, page: v.page + 1 }))}>
                Next ›
              </Button>
              <label class="dm-page-size">
                <span>Per page</span>
                <select
                  value={String(view.pageSize)}
                  onChange={(e) => setView((v) => ({ ...v, pageSize: Number((e.currentTarget as HTMLSelectElement).value), page: 1 }))}
                >
                  {PAGE_SIZES.map((size) => (
                    <option key={size} value={String(size)}>
                      {size}
                    </option>
                  ))}
                </select>
              </label>
            </nav>
          )}
        </>
      )}

      <ConfirmDialog
        open={confirming}
        title={`Delete ${plural(selected.size, "task")}?`}
        confirmLabel={`Delete ${plural(selected.size, "task")}`}
        busyLabel="Deleting…"
        onCancel={() => setConfirming(false)}
        onConfirm={deleteSelected}
      >
        <p>Their annotations and predictions are deleted too. This cannot be undone.</p>
      </ConfirmDialog>
    </Page>
  );
}

/** A "Retrieve predictions" run: its job's progress, then what it did (or why it could not start). */
function RetrievalStatus({ retrieval, projectId, onDismiss }: { retrieval: Retrieval; projectId: number; onDismiss: () => void }) {
  const dismiss = (
    <button type="button" class="btn btn-plain dm-notice-close" aria-label="Dismiss message" onClick={onDismiss}>
      ×
    </button>
  );
  if (retrieval.phase === "running") {
    return (
      <div class="dm-job panel" role="status" data-testid="dm-retrieval">
        {retrieval.job ? (
          <JobProgress job={retrieval.job} label="Retrieving predictions" />
        ) : (
          <Spinner label={`Retrieving predictions for ${plural(retrieval.count, "task")}…`} />
        )}
      </div>
    );
  }
  if (retrieval.phase === "no-model") {
    return (
      <p class="dm-notice dm-notice-warn" role="alert">
        <span>
          No model is connected to this project. <a href={`/projects/${projectId}/models`}>Connect one on the Models page</a>, then
          retrieve predictions.
        </span>
        {dismiss}
      </p>
    );
  }
  if (retrieval.phase === "failed") {
    return (
      <div class="dm-job-failed">
        <ErrorMessage error={retrieval.error} title="Predictions could not be retrieved." />
        {dismiss}
      </div>
    );
  }
  const job = retrieval.job;
  const failed = job && (job.status === "failed" || job.status === "completed_with_errors");
  return (
    <p class={`dm-notice ${failed ? "dm-notice-warn" : ""}`} role={failed ? "alert" : "status"} data-testid="dm-retrieval">
      <span>
        {job ? `${job.status === "failed" ? "Retrieving predictions failed" : "Predictions retrieved"}: ${jobSummary(job)}.` : `${retrieval.detail}.`}
        {job?.error && <span class="dm-job-error"> {job.error}</span>}
      </span>
      {dismiss}
    </p>
  );
}
