// A typed wrapper around the Label Studio editor (LSF 1.4.0): mount it for one task, turn its callbacks into
// plain "submit / update / skip / save draft" calls with the values the API wants, and tear it down.
//
// Why a wrapper: the editor's callbacks hand over mobx-state-tree models and fire at awkward moments, and the
// rules for using it correctly are easy to forget (reference/lsf_embed.md):
// - the user needs both `id` and `pk`;
// - `onLabelStudioLoad` fires before `task.annotations` are in the store, so which annotation to work on is
//   decided in `onStorageInitialized`, which fires once they are;
// - the editor calls `dropDraft()` right after invoking the submit callback, so the draft id is captured
//   synchronously and draft saves are serialised (a submit waits for a draft save still on the wire);
// - its autosave waits 5 s after a change; we flush it 1.5 s after the annotator's last input instead;
// - `destroy()` is a no-op until the editor has rendered, old instances stay in `LabelStudio.instances`, and
//   its global hotkeys (keymaster, bound on `document`) outlive it unless unbound;
// - interactive pre-annotation (an ML backend marked interactive) is Label Studio's own ML-assist path in
//   1.4.0: with the `auto-annotation` interface and the store's `autoAnnotation` flag on, a region the
//   annotator finishes is "dynamic" and fires `regionFinishedDrawing(region, group)`; the group's serialized
//   results go to the backend as context, and `store.loadSuggestions(request, map)` shows its answer as
//   suggestions (text spans are accepted at once, other shapes wait for accept/reject in the editor's bar),
//   exactly as Label Studio's data manager wires it.
// The page supplies the API calls (see `apiCallbacks`), so this module holds no routes beyond that mapping
// and its pure parts are unit-tested (tests/mount.test.ts).
import { loadEditor, type LabelStudioConstructor, type LabelStudioInstance } from "./loader";
import type { AnnotationResult, Draft, Task, User } from "../types";

/** How long after the annotator's last input a pending draft is written (the editor's own default is 5 s). */
export const DRAFT_DELAY_MS = 1500;

// --- the editor's models, as far as we touch them -------------------------------------------------------------

interface LsfAnnotation {
  id: string;
  pk: string | null | undefined;
  draftId: number;
  versions: { draft?: AnnotationResult[] };
  autosave?: { flush(): void; cancel(): void };
  serializeAnnotation(): AnnotationResult[];
  deserializeResults(result: AnnotationResult[]): void;
  updatePersonalKey(pk: string): void;
  setDraftId(id: number): void;
  addVersions(versions: { draft?: AnnotationResult[] }): void;
  reinitHistory(): void;
}

interface LsfStore {
  autoAnnotation: boolean;
  setAutoAnnotation(on: boolean): void;
  loadSuggestions(request: Promise<AnnotationResult[]>, map: (answer: AnnotationResult[]) => AnnotationResult[]): void;
  annotationStore: {
    annotations: LsfAnnotation[];
    predictions: LsfAnnotation[];
    selected: LsfAnnotation | null | undefined;
    addAnnotation(options: { userGenerate: boolean }): LsfAnnotation;
    addAnnotationFromPrediction(prediction: LsfAnnotation): LsfAnnotation;
    selectAnnotation(id: string): void;
  };
}

// --- what the page passes in and gets back --------------------------------------------------------------------

export interface EditorUser {
  id: number;
  pk: number;
  firstName: string;
  lastName: string;
}

/** The task in the editor's shape: saved annotations and predictions as `{id, result}`. */
export interface EditorTask {
  id: number;
  data: Record<string, unknown>;
  annotations: { id: number; result: AnnotationResult[]; draft?: AnnotationResult[] }[];
  predictions: { id: number; result: AnnotationResult[]; score: number | null; model_version: string }[];
}

export interface SubmitInput {
  result: AnnotationResult[];
  leadTime: number;
  draftId: number | undefined;
}
export interface UpdateInput extends SubmitInput {
  pk: number;
}
export interface SkipInput {
  leadTime: number;
  draftId: number | undefined;
}
export interface DraftInput {
  draftId: number | undefined;
  /** The saved annotation the draft belongs to; undefined for a new annotation. */
  annotationPk: number | undefined;
  result: AnnotationResult[];
  leadTime: number;
}

export type EditorAction = "submit" | "update" | "skip" | "draft" | "delete" | "suggest";

export interface Callbacks {
  /** A new annotation was submitted; answers the server's annotation id. */
  onSubmit(input: SubmitInput): Promise<number>;
  /** A saved annotation was updated. */
  onUpdate(input: UpdateInput): Promise<void>;
  onSkip(input: SkipInput): Promise<void>;
  /** Save the working annotation as a draft; answers the draft id (new or the same). */
  onDraft?(input: DraftInput): Promise<number>;
  onDelete?(pk: number): Promise<void>;
}

export interface EditorOptions extends Callbacks {
  config: string;
  task: Task;
  user: EditorUser;
  /** Show the editor's Skip button. */
  allowSkip: boolean;
  /** Show the task's saved annotations (opened from the data manager) or only a fresh one (the label stream). */
  showSaved: boolean;
  /** A callback failed: the page shows the message. The editor keeps the annotator's work. */
  onError(action: EditorAction, error: unknown): void;
  /**
   * The editor has loaded the task and is ready for input; `restoredDraft` when it opened a saved draft,
   * `prediction` when the fresh annotation starts from a prediction (pre-labeled).
   */
  onReady?(info: { restoredDraft: boolean; prediction?: { model_version: string; score: number | null } }): void;
  /**
   * Interactive pre-annotation: ask the project's interactive ML backend, with these results as context, and
   * answer the regions it suggests. Given only when the project has such a backend; it turns the editor's
   * auto-annotation on.
   */
  suggest?(context: { result: AnnotationResult[] }): Promise<AnnotationResult[]>;
  /** The backend's suggestions are in the editor (`count` new regions). */
  onSuggestions?(count: number): void;
  /** Injected in tests; the real bundle otherwise. */
  load?: () => Promise<LabelStudioConstructor>;
  now?: () => number;
}

export interface EditorHandle {
  /** Write a pending draft now (e.g. before leaving the page), then unmount the editor. */
  destroy(): void;
  /** Ask the interactive backend with the whole working annotation as context (no-op without `suggest`). */
  askModel(): void;
}

// --- pure helpers (unit-tested) ---------------------------------------------------------------------------------

export function editorUser(user: Pick<User, "id" | "email" | "first_name" | "last_name">): EditorUser {
  const firstName = user.first_name || user.email;
  return { id: user.id, pk: user.id, firstName, lastName: user.last_name || "" };
}

/** The caller's drafts: the one for a new annotation, and those for saved annotations by annotation id. */
export function splitDrafts(drafts: Draft[] | undefined): { fresh: Draft | undefined; bySaved: Map<number, Draft> } {
  const bySaved = new Map<number, Draft>();
  let fresh: Draft | undefined;
  for (const draft of drafts ?? []) {
    if (draft.annotation == null) {
      if (!fresh || draft.id > fresh.id) fresh = draft; // the newest wins if there are several
    } else bySaved.set(draft.annotation, draft);
  }
  return { fresh, bySaved };
}

/**
 * The API's task in the editor's shape. Skipped (cancelled) annotations are left out: they have no result to
 * show, and the annotator labels such a task with a new annotation. A saved annotation with a draft of the
 * caller's opens with the draft, as in Label Studio.
 */
export function toEditorTask(task: Task, showSaved: boolean): EditorTask {
  const { bySaved } = splitDrafts(task.drafts);
  const saved = showSaved ? (task.annotations ?? []).filter((a) => !a.was_cancelled) : [];
  return {
    id: task.id,
    data: task.data,
    annotations: saved.map((a) => {
      const draft = bySaved.get(a.id);
      return draft ? { id: a.id, result: a.result, draft: draft.result } : { id: a.id, result: a.result };
    }),
    predictions: (task.predictions ?? []).map((p) => ({
      id: p.id,
      result: p.result,
      score: p.score,
      model_version: p.model_version,
    })),
  };
}

/** The prediction a fresh annotation starts from: the best-scored one (or the first when none has a score). */
export function bestPrediction(task: Pick<EditorTask, "predictions">): number | undefined {
  let best: EditorTask["predictions"][number] | undefined;
  for (const p of task.predictions) if (!best || (p.score ?? -Infinity) > (best.score ?? -Infinity)) best = p;
  return best?.id;
}

export function interfaces(allowSkip: boolean, autoAnnotation = false): string[] {
  const list = [
    "panel", "update", "submit", "controls", "side-column", "topbar", "infobar", "edit-history",
    "annotations:menu", "annotations:add-new", "annotations:delete", "predictions:menu",
  ];
  if (allowSkip) list.push("skip");
  if (autoAnnotation) list.push("auto-annotation");
  return list;
}

/** JSON with object keys sorted, so two results that differ only in key order compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function regionKey(result: AnnotationResult): string {
  return canonical({ from_name: result.from_name, to_name: result.to_name, type: result.type, value: result.value });
}

/**
 * The backend's suggestions minus those the annotation already has: an interactive backend answers every
 * region it finds, including the one the annotator just drew, which must not appear twice.
 */
export function newSuggestions(suggested: unknown, existing: AnnotationResult[]): AnnotationResult[] {
  if (!Array.isArray(suggested)) return [];
  const have = new Set(existing.map(regionKey));
  const out: AnnotationResult[] = [];
  for (const item of suggested as AnnotationResult[]) {
    if (!item || typeof item !== "object" || !item.from_name || !item.value) continue;
    const key = regionKey(item);
    if (have.has(key)) continue;
    have.add(key);
    out.push(item);
  }
  return out;
}

/** Seconds spent on the annotation, as Label Studio reports `lead_time`. */
export function leadTime(startedAt: number, now: number): number {
  return Math.max(0, Math.round(now - startedAt) / 1000);
}

/** The minimal HTTP client `apiCallbacks` needs (`api` from src/api.ts fits). */
export interface Http {
  post<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body?: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
}

/** The editor's callbacks as Label Studio's REST calls for one task. */
export function apiCallbacks(http: Http, taskId: number): Required<Callbacks> {
  return {
    async onSubmit({ result, leadTime: lead, draftId }) {
      const body: Record<string, unknown> = { result, lead_time: lead };
      if (draftId) body.draft_id = draftId;
      const created = await http.post<{ id: number }>(`/api/tasks/${taskId}/annotations`, body);
      return created.id;
    },
    async onUpdate({ pk, result, leadTime: lead, draftId }) {
      await http.patch(`/api/annotations/${pk}`, { result, lead_time: lead });
      // Label Studio drops the draft of an updated annotation; do it here so it is not restored next time.
      if (draftId) await http.delete(`/api/drafts/${draftId}`).catch(() => undefined);
    },
    async onSkip({ leadTime: lead, draftId }) {
      const body: Record<string, unknown> = { result: [], was_cancelled: true, lead_time: lead };
      if (draftId) body.draft_id = draftId;
      await http.post(`/api/tasks/${taskId}/annotations`, body);
    },
    async onDraft({ draftId, annotationPk, result, leadTime: lead }) {
      if (draftId) {
        await http.patch(`/api/drafts/${draftId}`, { result, lead_time: lead });
        return draftId;
      }
      const body: Record<string, unknown> = { result, lead_time: lead };
      if (annotationPk !== undefined) body.annotation = annotationPk;
      const created = await http.post<{ id: number }>(`/api/tasks/${taskId}/drafts`, body);
      return created.id;
    },
    async onDelete(pk) {
      await http.delete(`/api/annotations/${pk}`);
    },
  };
}

function pkOf(annotation: LsfAnnotation): number | undefined {
  const pk = Number(annotation.pk);
  return annotation.pk && Number.isInteger(pk) ? pk : undefined;
}

// --- mounting ---------------------------------------------------------------------------------------------------

/** Mount the editor for one task into `element`. Resolves once the editor is constructed (not yet rendered). */
export async function createEditor(element: HTMLElement, options: EditorOptions): Promise<EditorHandle> {
  const LabelStudio = await (options.load ?? loadEditor)();
  const now = options.now ?? (() => performance.now());
  const task = toEditorTask(options.task, options.showSaved);
  const { fresh } = splitDrafts(options.task.drafts);
  const { bySaved } = splitDrafts(options.showSaved ? options.task.drafts : []);

  let startedAt = now();
  let store: LsfStore | null = null;
  let destroyed = false;
  let ready = false;
  // Draft ids by the editor's annotation id, kept here because the editor forgets them on submit.
  const draftIds = new Map<string, number>();
  const submitted = new Set<string>();
  let draftChain: Promise<unknown> = Promise.resolve();

  const fail = (action: EditorAction) => (error: unknown) => options.onError(action, error);
  const takeDraftId = async (annotation: LsfAnnotation) => {
    await draftChain; // a draft save on the wire decides the id the server must drop
    return draftIds.get(annotation.id);
  };

  /** Pick the annotation to work on and put the caller's drafts back: whether a draft was restored, and the
   * prediction a fresh annotation starts from. */
  function prepare(s: LsfStore): { restored: boolean; prediction?: EditorTask["predictions"][number] } {
    const annotations = s.annotationStore;
    for (const annotation of annotations.annotations) {
      const draft = bySaved.get(pkOf(annotation) ?? -1);
      if (draft) {
        annotation.setDraftId(draft.id);
        draftIds.set(annotation.id, draft.id);
      }
    }
    const firstSaved = task.annotations[0];
    let working: LsfAnnotation | undefined;
    let restored = draftIds.size > 0;
    if (fresh) {
      restored = true;
      working = annotations.addAnnotation({ userGenerate: true });
      annotations.selectAnnotation(working.id);
      working.addVersions({ draft: fresh.result });
      working.deserializeResults(fresh.result);
      working.setDraftId(fresh.id);
      working.reinitHistory();
      draftIds.set(working.id, fresh.id);
    } else if (firstSaved) {
      working = annotations.annotations.find((a) => pkOf(a) === firstSaved.id);
      if (working) annotations.selectAnnotation(working.id);
    } else {
      const predictionId = bestPrediction(task);
      const prediction = annotations.predictions.find((p) => pkOf(p) === predictionId);
      working = prediction ? annotations.addAnnotationFromPrediction(prediction) : annotations.addAnnotation({ userGenerate: true });
      annotations.selectAnnotation(working.id);
      if (prediction) return { restored, prediction: task.predictions.find((p) => p.id === predictionId) };
    }
    return { restored };
  }

  /** POST a new annotation once: a second click while the first is on its way is ignored. */
  function submitNew(annotation: LsfAnnotation): void {
    if (submitted.has(annotation.id)) return;
    const result = annotation.serializeAnnotation();
    const lead = leadTime(startedAt, now());
    submitted.add(annotation.id);
    void (async () => {
      const draftId = await takeDraftId(annotation);
      const pk = await options.onSubmit({ result, leadTime: lead, draftId });
      draftIds.delete(annotation.id);
      if (!destroyed) annotation.updatePersonalKey(String(pk));
      startedAt = now();
    })().catch((error: unknown) => {
      submitted.delete(annotation.id);
      fail("submit")(error);
    });
  }

  /** Ask the interactive backend with `context` and show what it answers as suggestions. */
  function askModel(context: AnnotationResult[]): void {
    const s = store;
    const suggest = options.suggest;
    const annotation = s?.annotationStore.selected;
    if (!s || !suggest || !annotation || destroyed || !ready) return;
    const request = suggest({ result: context }).then(
      (result) => {
        // A destroyed editor's store is dead: leave the editor's flow waiting rather than touch it.
        if (destroyed) return new Promise<AnnotationResult[]>(() => undefined);
        const fresh = newSuggestions(result, annotation.serializeAnnotation());
        setTimeout(() => !destroyed && options.onSuggestions?.(fresh.length), 0);
        return fresh;
      },
      (error: unknown) => {
        if (!destroyed) fail("suggest")(error);
        return [] as AnnotationResult[];
      },
    );
    s.loadSuggestions(request, (result) => result);
  }

  const instance: LabelStudioInstance = new LabelStudio(element, {
    config: options.config,
    task,
    user: options.user,
    interfaces: interfaces(options.allowSkip, options.suggest !== undefined),
    onStorageInitialized(s: LsfStore) {
      store = s;
      if (destroyed) {
        setTimeout(teardown, 0); // destroyed before it rendered: it renders right after this event
        return;
      }
      // The editor remembers the annotator's Auto-Annotation switch (localStorage); on until they turn it off.
      if (options.suggest && localStorage.getItem("autoAnnotation") === null) s.setAutoAnnotation(true);
      const { restored: restoredDraft, prediction } = prepare(s);
      startedAt = now();
      ready = true;
      const info = prediction
        ? { restoredDraft, prediction: { model_version: prediction.model_version, score: prediction.score } }
        : { restoredDraft };
      setTimeout(() => !destroyed && options.onReady?.(info), 0);
    },
    // A destroyed editor's callbacks are ignored: nothing it does may reach the server any more.
    onSubmitAnnotation(_s: LsfStore, annotation: LsfAnnotation) {
      if (!destroyed) submitNew(annotation);
    },
    onUpdateAnnotation(_s: LsfStore, annotation: LsfAnnotation) {
      if (destroyed) return;
      const pk = pkOf(annotation);
      // After a failed submit the editor already shows "Update" for the unsaved annotation: save it as new.
      if (pk === undefined) {
        submitNew(annotation);
        return;
      }
      const result = annotation.serializeAnnotation();
      const lead = leadTime(startedAt, now());
      void (async () => {
        const draftId = await takeDraftId(annotation);
        await options.onUpdate({ pk, result, leadTime: lead, draftId });
        draftIds.delete(annotation.id);
        startedAt = now();
      })().catch(fail("update"));
    },
    onSkipTask(s: LsfStore) {
      if (destroyed) return;
      const annotation = s.annotationStore.selected;
      const lead = leadTime(startedAt, now());
      if (annotation) submitted.add(annotation.id);
      void (async () => {
        const draftId = annotation ? await takeDraftId(annotation) : undefined;
        await options.onSkip({ leadTime: lead, draftId });
      })().catch((error: unknown) => {
        if (annotation) submitted.delete(annotation.id);
        fail("skip")(error);
      });
    },
    onDeleteAnnotation(_s: LsfStore, annotation: LsfAnnotation) {
      const pk = pkOf(annotation);
      if (!destroyed && pk !== undefined && options.onDelete) options.onDelete(pk).catch(fail("delete"));
    },
    // Passing onSubmitDraft is what switches the editor's autosave on.
    ...(options.onDraft
      ? {
          onSubmitDraft(_s: LsfStore, annotation: LsfAnnotation) {
            const onDraft = options.onDraft!;
            const result = annotation.versions.draft ?? annotation.serializeAnnotation();
            const lead = leadTime(startedAt, now());
            // Submitted or skipped and not yet saved: the work is on its way to the server, not a draft.
            if (submitted.has(annotation.id) && pkOf(annotation) === undefined) return draftChain;
            // The flush on the way out (see destroy) runs just before `destroyed` is set; later ones are late.
            if (destroyed) return draftChain;
            const save = draftChain.then(async () => {
              const draftId = draftIds.get(annotation.id);
              const id = await onDraft({ draftId, annotationPk: pkOf(annotation), result, leadTime: lead });
              draftIds.set(annotation.id, id);
              if (!destroyed) annotation.setDraftId(id);
            });
            draftChain = save.catch(fail("draft"));
            return draftChain;
          },
        }
      : {}),
  });

  // A dynamic region (drawn with Auto-Annotation on) is finished: its group is the backend's context.
  if (options.suggest) {
    instance.on("regionFinishedDrawing", (...args: unknown[]) => {
      if (destroyed || !store) return;
      const [region, group] = args as [{ id: string }, { id: string }[] | undefined];
      const ids = new Set([region.id, ...(group ?? []).map((r) => r.id)]);
      const result = store.annotationStore.selected?.serializeAnnotation().filter((r) => r.id !== undefined && ids.has(r.id)) ?? [];
      if (result.length > 0) askModel(result);
    });
  }

  // The editor's autosave is a 5 s debounce on region changes; flushing it shortly after the annotator's last
  // input writes the same draft sooner. Flushing with nothing pending does nothing.
  let nudge: ReturnType<typeof setTimeout> | undefined;
  const flushDraft = () => {
    if (ready && store && !destroyed) store.annotationStore.selected?.autosave?.flush();
  };
  const onInput = () => {
    if (!options.onDraft) return;
    clearTimeout(nudge);
    nudge = setTimeout(flushDraft, DRAFT_DELAY_MS);
  };
  const events = ["pointerup", "keyup", "input"] as const;
  events.forEach((name) => document.addEventListener(name, onInput, true));

  function teardown(): void {
    instance.destroy();
    const live = (LabelStudio as unknown as { instances?: Set<unknown> }).instances;
    live?.delete(instance);
    // Unmounting leaves the editor's global hotkeys bound (Ctrl+Enter on another page would still fire).
    // They are shared by all instances, so only unbind them when no other editor is alive.
    if (!live || live.size === 0) (window as unknown as { HtxHotkeys?: { unbindAll(): void } }).HtxHotkeys?.unbindAll();
  }

  return {
    askModel() {
      const annotation = store?.annotationStore.selected;
      if (annotation) askModel(annotation.serializeAnnotation());
    },
    destroy() {
      if (destroyed) return;
      clearTimeout(nudge);
      events.forEach((name) => document.removeEventListener(name, onInput, true));
      if (options.onDraft) flushDraft();
      destroyed = true;
      teardown();
    },
  };
}
