// The labeling page. Two ways in:
// - `/projects/{id}/label`: the label stream. The server picks the next task (`GET /api/projects/{id}/next`);
//   after Submit or Skip the next one is loaded in place (editor destroyed and mounted again, no page reload)
//   until the server says there is none left.
// - `/projects/{id}/label?task={taskId}`: one task opened from the data manager, with its saved annotations;
//   the first is selected and Update saves it; the annotator stays on the task.
// The editor itself (Label Studio's, loaded only here) is driven through editor/mount.ts; this page fetches
// tasks, turns the editor's callbacks into API calls and shows what happened (saved, drafts, errors).
// Machine learning: a task's predictions pre-label the fresh annotation (unless the project turned
// `show_collab_predictions` off), and when the project has an ML backend marked interactive, the regions the
// annotator draws are sent to `POST /api/ml/{id}/interactive-annotating` and its answer shows as suggestions;
// an "Ask the model" button sends the whole working annotation.
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { loadEditorFor } from "../editor/loader";
import { apiCallbacks, createEditor, editorUser, type EditorAction, type EditorHandle } from "../editor/mount";
import { useProject } from "../project";
import { useLocation } from "../router";
import { currentUser } from "../session";
import type { AnnotationResult, Project, Task } from "../types";
import { Empty, ErrorMessage, Page, Spinner, plural, useLoad } from "../ui";
import { interactiveBackend, listBackends, type MlBackend } from "./models";
import "../styles/label.css";

/** `/next` also says why the task was chosen ("Sequential sampling: skipped earlier"). */
type StreamTask = Task & { queue?: string };

type Phase =
  | { kind: "loading" }
  | { kind: "task"; task: StreamTask; serial: number }
  | { kind: "done" }
  | { kind: "failed"; error: unknown };

interface Notice {
  kind: "ok" | "error" | "info";
  text: string;
}

const VERBS: Record<EditorAction, string> = {
  submit: "Submitting the annotation failed",
  update: "Saving the annotation failed",
  skip: "Skipping the task failed",
  draft: "The draft could not be saved",
  delete: "Deleting the annotation failed",
  suggest: "The model could not suggest anything",
};

/** Label Studio's interactive answer: `{data: {result, score, model_version}}` or `{errors: [...]}`, both 200. */
interface InteractiveAnswer {
  data?: { result?: unknown } | null;
  errors?: string[];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function timeOfDay(): string {
  return new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

// --- instructions -------------------------------------------------------------------------------------------------

const ALLOWED_TAGS = new Set([
  "A", "B", "BLOCKQUOTE", "BR", "CODE", "DIV", "EM", "H1", "H2", "H3", "H4", "H5", "H6", "HR", "I", "IMG", "LI",
  "OL", "P", "PRE", "S", "SMALL", "SPAN", "STRONG", "SUB", "SUP", "TABLE", "TBODY", "TD", "TH", "THEAD", "TR", "U", "UL",
]);
const DROPPED_TAGS = new Set(["SCRIPT", "STYLE", "IFRAME", "OBJECT", "EMBED", "TEMPLATE", "NOSCRIPT", "FORM"]);

/**
 * Project instructions are HTML written by a project manager (as in Label Studio). Only formatting tags and
 * safe links/images are kept: the page must not run what a task-importer or a colleague typed.
 */
export function sanitizeInstructions(html: string): string {
  const doc = new DOMParser().parseFromString(html, "text/html");
  const clean = (node: Element) => {
    for (const child of Array.from(node.children)) {
      if (DROPPED_TAGS.has(child.tagName)) {
        child.remove();
        continue;
      }
      clean(child);
      if (!ALLOWED_TAGS.has(child.tagName)) {
        child.replaceWith(...Array.from(child.childNodes));
        continue;
      }
      for (const attr of Array.from(child.attributes)) {
        const keep =
          (attr.name === "href" && child.tagName === "A" && /^(https?:|mailto:|\/|#)/i.test(attr.value.trim())) ||
          (attr.name === "src" && child.tagName === "IMG" && /^(https?:|\/)/i.test(attr.value.trim())) ||
          attr.name === "alt" ||
          attr.name === "title";
        if (!keep) child.removeAttribute(attr.name);
      }
      if (child.tagName === "IMG" && !child.hasAttribute("src")) {
        child.remove();
        continue;
      }
      if (child.tagName === "A" && !child.hasAttribute("href")) {
        child.replaceWith(...Array.from(child.childNodes));
        continue;
      }
      if (child.tagName === "A" && /^https?:/i.test(child.getAttribute("href") ?? "")) {
        child.setAttribute("target", "_blank");
        child.setAttribute("rel", "noopener noreferrer");
      }
    }
  };
  clean(doc.body);
  return doc.body.innerHTML;
}

function Instructions({ project }: { project: Project }) {
  const html = useMemo(() => sanitizeInstructions(project.expert_instruction ?? ""), [project.expert_instruction]);
  if (!project.show_instruction || !html.trim()) return null;
  return (
    <details class="label-instructions panel" open>
      <summary>Instructions</summary>
      <div class="label-instructions-body" dangerouslySetInnerHTML={{ __html: html }} />
    </details>
  );
}

// --- the page -------------------------------------------------------------------------------------------------------

/** Keyed by project, so a project's page never runs with another project's config or task. */
export function Labeling({ projectId }: { projectId: number }) {
  return <ProjectLabeling key={projectId} projectId={projectId} />;
}

function ProjectLabeling({ projectId }: { projectId: number }) {
  const { query } = useLocation();
  const taskParam = query.get("task");
  const taskId = taskParam && /^\d+$/.test(taskParam) ? Number(taskParam) : undefined;
  const project = useProject(projectId);

  const [phase, setPhase] = useState<Phase>({ kind: "loading" });
  const [notice, setNotice] = useState<Notice | null>(null);
  const [draftNote, setDraftNote] = useState("");
  const [editorReady, setEditorReady] = useState(false);
  const [done, setDone] = useState(0);
  const [modelNote, setModelNote] = useState("");
  const [prelabeled, setPrelabeled] = useState("");
  const [asking, setAsking] = useState(false);
  const serial = useRef(0);
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<EditorHandle | null>(null);
  // Reading the backends can fail for reasons unrelated to labeling (a backend store error): label without.
  const backends = useLoad((signal) => listBackends(projectId, signal).catch((): MlBackend[] => []), [projectId]);
  const backendsLoaded = backends.data !== undefined;
  const interactive = interactiveBackend(backends.data ?? []);

  /** Fetch the task this page shows: the one asked for, or the stream's next one. */
  const load = useCallback(async () => {
    setPhase({ kind: "loading" });
    try {
      // `allow_empty`: the end of the stream is a 204 (null here), not the 404 browsers log as a failed request.
      const task =
        taskId !== undefined
          ? await api.get<Task>(`/api/tasks/${taskId}`)
          : await api.get<StreamTask | null>(`/api/projects/${projectId}/next`, { query: { allow_empty: true } });
      if (task === null) {
        setPhase({ kind: "done" });
        return;
      }
      if (taskId !== undefined && task.project !== undefined && task.project !== projectId) {
        throw new ApiError(404, `Task ${taskId} belongs to another project.`);
      }
      serial.current += 1;
      setPhase({ kind: "task", task, serial: serial.current });
    } catch (error) {
      if (taskId === undefined && error instanceof ApiError && error.status === 404) setPhase({ kind: "done" });
      else setPhase({ kind: "failed", error });
    }
  }, [projectId, taskId]);

  // useLoad keeps the previous answer while it loads the next: wait for this project's, not the last one's.
  const projectData = project.data?.id === projectId ? project.data : undefined;
  // The editor build this config needs (1.4.0, or 1.13.1 for the tags only it has) starts downloading while the
  // task is fetched; the page reloads once if another build is already running. Failures surface when mounting.
  useEffect(() => {
    if (projectData) loadEditorFor(projectData.label_config, { reload: true }).catch(() => undefined);
  }, [projectData?.label_config]);
  const projectLoaded = projectData !== undefined;
  useEffect(() => {
    if (!projectLoaded) return;
    setNotice(null);
    setDone(0);
    // A project without tasks has no next task: say so without asking (the server would answer 404).
    if (taskId === undefined && projectData?.task_number === 0) setPhase({ kind: "done" });
    else void load();
  }, [load, projectLoaded]);

  const current = phase.kind === "task" ? phase : null;

  // One editor per task shown: mounted into a fresh element, destroyed when the task changes or the page goes.
  useEffect(() => {
    const user = currentUser();
    if (!current || !projectData || !user || !host.current || !backendsLoaded) return;
    const element = document.createElement("div");
    element.className = "label-editor-root";
    host.current.appendChild(element);
    setEditorReady(false);
    setDraftNote("");
    setModelNote("");
    setPrelabeled("");
    setAsking(false);
    let handle: EditorHandle | null = null;
    let gone = false;
    let draftsOff = false;
    const stream = taskId === undefined;
    const calls = apiCallbacks(api, current.task.id);
    const next = () => setTimeout(() => !gone && void load(), 0);

    const prelabel = (projectData as Project & { show_collab_predictions?: boolean }).show_collab_predictions !== false;
    const backendId = interactive?.id;
    createEditor(element, {
      config: projectData.label_config,
      task: prelabel ? current.task : { ...current.task, predictions: [] },
      user: editorUser(user),
      allowSkip: stream && projectData.show_skip_button !== false,
      showSaved: !stream,
      async onSubmit(input) {
        setNotice({ kind: "info", text: "Submitting…" });
        const id = await calls.onSubmit(input);
        if (stream) {
          setDone((n) => n + 1);
          setNotice({ kind: "ok", text: `Task #${current.task.id} submitted.` });
          next();
        } else {
          setNotice({ kind: "ok", text: `Saved as annotation #${id}.` });
        }
        return id;
      },
      async onUpdate(input) {
        setNotice({ kind: "info", text: "Saving…" });
        await calls.onUpdate(input);
        setNotice({ kind: "ok", text: `Saved annotation #${input.pk} at ${timeOfDay()}.` });
      },
      async onSkip(input) {
        await calls.onSkip(input);
        setNotice({ kind: "ok", text: `Task #${current.task.id} skipped.` });
        next();
      },
      async onDraft(input) {
        if (draftsOff) return input.draftId ?? 0;
        try {
          const id = await calls.onDraft(input);
          setDraftNote(`Draft saved at ${timeOfDay()}`);
          return id;
        } catch (error) {
          // A server without drafts (or a task gone meanwhile) would fail every few seconds: try once per task.
          if (error instanceof ApiError && (error.status === 404 || error.status === 405)) draftsOff = true;
          throw error;
        }
      },
      async onDelete(pk) {
        await calls.onDelete(pk);
        setNotice({ kind: "ok", text: `Annotation #${pk} deleted.` });
      },
      ...(backendId !== undefined
        ? {
            async suggest(context: { result: AnnotationResult[] }): Promise<AnnotationResult[]> {
              setAsking(true);
              setModelNote("Asking the model…");
              try {
                const answer = await api.post<InteractiveAnswer>(`/api/ml/${backendId}/interactive-annotating`, {
                  task: current.task.id,
                  context,
                });
                if (answer.errors?.length) throw new Error(answer.errors.join("\n"));
                const result = answer.data?.result;
                return Array.isArray(result) ? (result as AnnotationResult[]) : [];
              } finally {
                if (!gone) setAsking(false);
              }
            },
            onSuggestions(count: number) {
              if (!gone) setModelNote(count > 0 ? `The model suggested ${plural(count, "region")}.` : "The model had nothing to add.");
            },
          }
        : {}),
      onError(action, error) {
        if (action === "suggest") setModelNote(`${VERBS.suggest}: ${messageOf(error)}`);
        else if (action === "draft") setDraftNote(`${VERBS.draft}: ${messageOf(error)}`);
        else setNotice({ kind: "error", text: `${VERBS[action]}: ${messageOf(error)}` });
      },
      onReady({ restoredDraft, prediction }) {
        if (gone) return;
        setEditorReady(true);
        if (restoredDraft) setDraftNote("Your unsaved draft was restored.");
        if (prediction) {
          const score = typeof prediction.score === "number" ? `, score ${prediction.score.toFixed(2)}` : "";
          setPrelabeled(`Pre-labeled by the model (${prediction.model_version || "no version"}${score}): check it and correct what is wrong.`);
        }
      },
    }).then(
      (h) => {
        if (gone) h.destroy();
        else {
          handle = h;
          editor.current = h;
        }
      },
      (error: unknown) => !gone && setPhase({ kind: "failed", error }),
    );
    return () => {
      gone = true;
      if (editor.current === handle) editor.current = null;
      handle?.destroy();
      element.remove();
    };
  }, [current?.serial, projectData, backendsLoaded, interactive?.id]);

  const title = projectData ? (taskId !== undefined ? `Task #${taskId}` : `Label: ${projectData.title}`) : "Label";
  const dataLink = `/projects/${projectId}/data`;

  if (project.error) {
    return (
      <Page title="Label">
        <ErrorMessage error={project.error} title="The project could not be loaded." />
      </Page>
    );
  }

  return (
    <div class="label-wide">
      <Page
        title={title}
        actions={
          <>
            <a class="btn" href={dataLink}>
              Data manager
            </a>
            {taskId !== undefined && (
              <a class="btn btn-primary" href={`/projects/${projectId}/label`}>
                Label all tasks
              </a>
            )}
          </>
        }
      >
        {projectData && <Instructions project={projectData} />}
        {notice && (
          <div class={`label-notice label-notice-${notice.kind}`} role={notice.kind === "error" ? "alert" : "status"}>
            <span class="label-notice-text">{notice.text}</span>
            <button type="button" class="btn btn-plain label-notice-close" aria-label="Dismiss message" onClick={() => setNotice(null)}>
              ×
            </button>
          </div>
        )}
        {phase.kind === "loading" && <Spinner label={taskId !== undefined ? "Loading the task…" : "Loading the next task…"} />}
        {phase.kind === "failed" && (
          <div class="label-failed">
            <ErrorMessage error={phase.error} title={taskId !== undefined ? `Task #${taskId} could not be opened.` : "The next task could not be loaded."} />
            <p class="label-failed-actions">
              {!(phase.error instanceof ApiError && phase.error.status === 404) && (
                <button type="button" class="btn" onClick={() => void load()}>
                  Try again
                </button>
              )}
              <a href={dataLink}>Back to the data manager</a>
            </p>
          </div>
        )}
        {phase.kind === "done" && <Done projectId={projectId} project={projectData} labeled={done} />}
        {current && (
          <div class="label-meta muted">
            <span>
              Task <strong>#{current.task.id}</strong>
            </span>
            {/skipped/i.test(current.task.queue ?? "") && (
              <span class="label-requeued">You skipped this task earlier; it is back because nothing else is left.</span>
            )}
            {taskId === undefined && done > 0 && <span>{plural(done, "task")} done in this session</span>}
            {prelabeled && (
              <span class="label-prelabeled" data-testid="label-prelabeled">
                {prelabeled}
              </span>
            )}
            <span class="label-draft" aria-live="polite">
              {draftNote}
            </span>
          </div>
        )}
        {current && interactive && (
          <div class="label-ml" data-testid="label-ml">
            <span class="label-ml-text">
              <strong>{interactive.title || `Model ${interactive.id}`}</strong> suggests regions as you label (switch
              Auto-Annotation in the editor on or off).
            </span>
            <button type="button" class="btn" disabled={!editorReady || asking} onClick={() => editor.current?.askModel()}>
              {asking ? "Asking…" : "Ask the model"}
            </button>
            <span class="label-ml-note" role="status" aria-live="polite">
              {modelNote}
            </span>
          </div>
        )}
        {current && !editorReady && <Spinner label="Starting the editor…" />}
        <div id="label-editor" class={`label-editor ${current ? "" : "label-editor-idle"}`} ref={host} />
      </Page>
    </div>
  );
}

function Done({ projectId, project, labeled }: { projectId: number; project: Project | undefined; labeled: number }) {
  if (project && project.task_number === 0) {
    return (
      <Empty title="No tasks to label yet">
        <p>Import some data first; the tasks appear here right after.</p>
        <p>
          <a class="btn btn-primary" href={`/projects/${projectId}/import`}>
            Import data
          </a>
        </p>
      </Empty>
    );
  }
  return (
    <div class="label-done">
      <Empty title="All tasks are done">
        <p>
          There is nothing left for you to label in this project
          {labeled > 0 ? ` (you finished ${plural(labeled, "task")} just now)` : ""}.
        </p>
        <p class="label-done-links">
          <a class="btn" href={`/projects/${projectId}/data`}>
            Open the data manager
          </a>
          <a class="btn btn-primary" href={`/projects/${projectId}/export`}>
            Export the labels
          </a>
        </p>
      </Empty>
    </div>
  );
}

/** The labeling page of one task (the data manager links rows here). */
export function taskLink(projectId: number, taskId: number): string {
  return `/projects/${projectId}/label?task=${taskId}`;
}
