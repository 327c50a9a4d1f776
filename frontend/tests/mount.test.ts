// The editor wrapper: the task it hands the editor, which annotation it opens, and how the editor's callbacks
// become API calls (draft ids carried to submit, drafts serialised, retries after a failed submit).
// The real bundle is replaced by a fake with the same callback protocol (reference/lsf_embed.md).
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  apiCallbacks,
  bestPrediction,
  createEditor,
  editorUser,
  interfaces,
  leadTime,
  splitDrafts,
  toEditorTask,
  type EditorOptions,
  type Http,
} from "../src/editor/mount";
import type { LabelStudioConstructor } from "../src/editor/loader";
import type { AnnotationResult, Task } from "../src/types";

const choice = (value: string): AnnotationResult[] => [
  { id: "r1", from_name: "sentiment", to_name: "text", type: "choices", value: { choices: [value] } },
];

class FakeAnnotation {
  draftId = 0;
  versions: { draft?: AnnotationResult[] } = {};
  constructor(
    readonly id: string,
    public pk: string | null,
    public results: AnnotationResult[] = [],
  ) {}
  serializeAnnotation() {
    return this.results;
  }
  deserializeResults(result: AnnotationResult[]) {
    this.results = result;
  }
  updatePersonalKey(pk: string) {
    this.pk = pk;
  }
  setDraftId(id: number) {
    this.draftId = id;
  }
  addVersions(versions: { draft?: AnnotationResult[] }) {
    this.versions = { ...this.versions, ...versions };
  }
  reinitHistory() {}
}

class FakeStore {
  private next = 0;
  annotationStore = {
    annotations: [] as FakeAnnotation[],
    predictions: [] as FakeAnnotation[],
    selected: null as FakeAnnotation | null,
    addAnnotation: (options: { userGenerate: boolean; result?: AnnotationResult[] }) => {
      const a = new FakeAnnotation(`c${++this.next}`, null, options.result ?? []);
      this.annotationStore.annotations.unshift(a);
      return a;
    },
    addAnnotationFromPrediction: (p: FakeAnnotation) => this.annotationStore.addAnnotation({ userGenerate: true, result: p.results }),
    selectAnnotation: (id: string) => {
      this.annotationStore.selected = this.annotationStore.annotations.find((a) => a.id === id) ?? null;
    },
  };
}

type Options = Record<string, (...args: never[]) => unknown> & { task: ReturnType<typeof toEditorTask> };

/** A stand-in for window.LabelStudio: records its options and loads the task into a fake store when asked. */
function fakeEditor() {
  const made: { options: Options; store: FakeStore; destroyed: number }[] = [];
  class LabelStudio {
    static instances = new Set<unknown>();
    constructor(_element: HTMLElement, options: Options) {
      const store = new FakeStore();
      for (const p of options.task.predictions) store.annotationStore.predictions.unshift(new FakeAnnotation(`p${p.id}`, String(p.id), p.result));
      for (const a of options.task.annotations) {
        const annotation = new FakeAnnotation(`s${a.id}`, String(a.id), a.draft ?? a.result);
        store.annotationStore.annotations.unshift(annotation);
        store.annotationStore.selected = annotation;
      }
      made.push({ options, store, destroyed: 0 });
      LabelStudio.instances.add(this);
    }
    on() {}
    destroy() {
      made[made.length - 1]!.destroyed += 1;
    }
    store = null;
  }
  return { load: async () => LabelStudio as unknown as LabelStudioConstructor, made, LabelStudio };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function task(extra: Partial<Task> = {}): Task {
  return { id: 7, data: { text: "hello" }, annotations: [], predictions: [], drafts: [], ...extra };
}

function annotation(id: number, result: AnnotationResult[], was_cancelled = false) {
  return { id, task: 7, result, was_cancelled, completed_by: 1, created_at: "", updated_at: "" };
}

async function mount(t: Task, extra: Partial<EditorOptions> = {}) {
  const fake = fakeEditor();
  const calls = {
    submit: vi.fn(async () => 501),
    update: vi.fn(async () => undefined),
    skip: vi.fn(async () => undefined),
    draft: vi.fn(async (input: { draftId: number | undefined }) => input.draftId ?? 900),
    error: vi.fn(),
    ready: vi.fn(),
  };
  let clock = 1000;
  const handle = await createEditor(document.createElement("div"), {
    config: "<View/>",
    task: t,
    user: { id: 1, pk: 1, firstName: "A", lastName: "B" },
    allowSkip: true,
    showSaved: true,
    onSubmit: calls.submit,
    onUpdate: calls.update,
    onSkip: calls.skip,
    onDraft: calls.draft,
    onError: calls.error,
    onReady: calls.ready,
    load: fake.load,
    now: () => clock,
    ...extra,
  });
  const { options, store } = fake.made[0]!;
  options.onStorageInitialized!(store as never);
  await tick();
  const selected = () => store.annotationStore.selected!;
  const advance = (ms: number) => (clock += ms);
  return { handle, options, store, calls, selected, advance, fake };
}

afterEach(() => {
  delete (window as unknown as { HtxHotkeys?: unknown }).HtxHotkeys;
});

describe("toEditorTask", () => {
  const saved = task({
    annotations: [annotation(1, choice("A")), annotation(2, [], true), annotation(3, choice("B"))],
    predictions: [{ id: 9, task: 7, result: choice("P"), score: 0.5, model_version: "v1" }],
    drafts: [{ id: 40, task: 7, annotation: 3, result: choice("D") }],
  });

  it("keeps saved annotations (not skipped ones) with the caller's draft, and predictions", () => {
    expect(toEditorTask(saved, true)).toEqual({
      id: 7,
      data: { text: "hello" },
      annotations: [
        { id: 1, result: choice("A") },
        { id: 3, result: choice("B"), draft: choice("D") },
      ],
      predictions: [{ id: 9, result: choice("P"), score: 0.5, model_version: "v1" }],
    });
  });

  it("shows no saved annotations in the label stream", () => {
    expect(toEditorTask(saved, false).annotations).toEqual([]);
  });

  it("splits drafts into the newest fresh one and those of saved annotations", () => {
    const { fresh, bySaved } = splitDrafts([
      { id: 1, task: 7, annotation: null, result: [] },
      { id: 4, task: 7, annotation: null, result: [] },
      { id: 2, task: 7, annotation: 3, result: [] },
    ]);
    expect(fresh?.id).toBe(4);
    expect([...bySaved.keys()]).toEqual([3]);
  });

  it("starts from the best-scored prediction", () => {
    const p = (id: number, score: number | null) => ({ id, result: [], score, model_version: "" });
    expect(bestPrediction({ predictions: [p(1, 0.2), p(2, 0.9), p(3, null)] })).toBe(2);
    expect(bestPrediction({ predictions: [p(5, null)] })).toBe(5);
    expect(bestPrediction({ predictions: [] })).toBeUndefined();
  });
});

describe("small helpers", () => {
  it("gives the editor a user with both id and pk", () => {
    expect(editorUser({ id: 3, email: "a@b.c", first_name: "", last_name: "" })).toEqual({ id: 3, pk: 3, firstName: "a@b.c", lastName: "" });
  });

  it("shows Skip only when allowed", () => {
    expect(interfaces(true)).toContain("skip");
    expect(interfaces(false)).not.toContain("skip");
    expect(interfaces(false)).toEqual(expect.arrayContaining(["submit", "update", "annotations:add-new"]));
  });

  it("reports lead time in seconds", () => {
    expect(leadTime(1000, 3500)).toBe(2.5);
    expect(leadTime(2000, 1000)).toBe(0);
  });
});

describe("apiCallbacks", () => {
  function http() {
    const log: [string, string, unknown?][] = [];
    const client: Http = {
      post: async <T>(path: string, body?: unknown) => (log.push(["POST", path, body]), { id: 11 } as T),
      patch: async <T>(path: string, body?: unknown) => (log.push(["PATCH", path, body]), {} as T),
      delete: async <T>(path: string) => (log.push(["DELETE", path]), undefined as T),
    };
    return { client, log };
  }

  it("submits, skips and updates as Label Studio does", async () => {
    const { client, log } = http();
    const calls = apiCallbacks(client, 7);
    expect(await calls.onSubmit({ result: choice("A"), leadTime: 2, draftId: 5 })).toBe(11);
    await calls.onSubmit({ result: [], leadTime: 1, draftId: undefined });
    await calls.onSkip({ leadTime: 3, draftId: undefined });
    await calls.onUpdate({ pk: 4, result: choice("B"), leadTime: 1, draftId: 6 });
    await calls.onDelete(4);
    expect(log).toEqual([
      ["POST", "/api/tasks/7/annotations", { result: choice("A"), lead_time: 2, draft_id: 5 }],
      ["POST", "/api/tasks/7/annotations", { result: [], lead_time: 1 }],
      ["POST", "/api/tasks/7/annotations", { result: [], was_cancelled: true, lead_time: 3 }],
      ["PATCH", "/api/annotations/4", { result: choice("B"), lead_time: 1 }],
      ["DELETE", "/api/drafts/6"],
      ["DELETE", "/api/annotations/4"],
    ]);
  });

  it("creates a draft once, then updates it", async () => {
    const { client, log } = http();
    const calls = apiCallbacks(client, 7);
    expect(await calls.onDraft({ draftId: undefined, annotationPk: undefined, result: [], leadTime: 1 })).toBe(11);
    expect(await calls.onDraft({ draftId: undefined, annotationPk: 4, result: [], leadTime: 1 })).toBe(11);
    expect(await calls.onDraft({ draftId: 11, annotationPk: undefined, result: choice("A"), leadTime: 2 })).toBe(11);
    expect(log).toEqual([
      ["POST", "/api/tasks/7/drafts", { result: [], lead_time: 1 }],
      ["POST", "/api/tasks/7/drafts", { result: [], lead_time: 1, annotation: 4 }],
      ["PATCH", "/api/drafts/11", { result: choice("A"), lead_time: 2 }],
    ]);
  });
});

describe("createEditor", () => {
  it("opens a fresh annotation on a new task and submits it once", async () => {
    const { options, calls, selected, advance } = await mount(task());
    expect(selected().pk).toBeNull();
    expect(calls.ready).toHaveBeenCalledWith({ restoredDraft: false });
    selected().results = choice("A");
    advance(1500);
    options.onSubmitAnnotation!({} as never, selected() as never);
    options.onUpdateAnnotation!({} as never, selected() as never); // the second click while the first is on its way
    await tick();
    expect(calls.submit).toHaveBeenCalledTimes(1);
    expect(calls.submit).toHaveBeenCalledWith({ result: choice("A"), leadTime: 1.5, draftId: undefined });
    expect(selected().pk).toBe("501");
  });

  it("starts a new annotation from the best prediction", async () => {
    const t = task({
      predictions: [
        { id: 1, task: 7, result: choice("low"), score: 0.1, model_version: "" },
        { id: 2, task: 7, result: choice("high"), score: 0.8, model_version: "" },
      ],
    });
    const { selected } = await mount(t);
    expect(selected().results).toEqual(choice("high"));
  });

  it("selects the first saved annotation and updates it with its draft id", async () => {
    const t = task({
      annotations: [annotation(1, choice("A")), annotation(2, choice("B"))],
      drafts: [{ id: 30, task: 7, annotation: 1, result: choice("D") }],
    });
    const { options, calls, selected } = await mount(t);
    expect(selected().pk).toBe("1");
    expect(selected().results).toEqual(choice("D"));
    expect(selected().draftId).toBe(30);
    expect(calls.ready).toHaveBeenCalledWith({ restoredDraft: true });
    options.onUpdateAnnotation!({} as never, selected() as never);
    await tick();
    expect(calls.update).toHaveBeenCalledWith(expect.objectContaining({ pk: 1, result: choice("D"), draftId: 30 }));
  });

  it("restores the caller's draft of a new annotation and passes its id on submit", async () => {
    const t = task({ annotations: [annotation(1, choice("A"))], drafts: [{ id: 31, task: 7, annotation: null, result: choice("N") }] });
    const { options, calls, selected } = await mount(t);
    expect(selected().pk).toBeNull();
    expect(selected().results).toEqual(choice("N"));
    options.onSubmitAnnotation!({} as never, selected() as never);
    await tick();
    expect(calls.submit).toHaveBeenCalledWith(expect.objectContaining({ draftId: 31 }));
  });

  it("writes drafts one at a time and makes submit wait for the one on the wire", async () => {
    const { options, calls, selected } = await mount(task());
    let release!: () => void;
    calls.draft.mockImplementationOnce(() => new Promise((resolve) => (release = () => resolve(77))));
    selected().results = choice("A");
    const first = options.onSubmitDraft!({} as never, selected() as never);
    // The editor drops its own draft id right after invoking submit; ours is kept.
    options.onSubmitAnnotation!({} as never, selected() as never);
    selected().draftId = 0;
    const second = options.onSubmitDraft!({} as never, selected() as never);
    await tick();
    expect(calls.submit).not.toHaveBeenCalled();
    release();
    await first;
    await second;
    await tick();
    expect(calls.draft).toHaveBeenCalledTimes(1); // the second save was for work already being submitted
    expect(calls.submit).toHaveBeenCalledWith(expect.objectContaining({ draftId: 77 }));
  });

  it("updates the same draft after the first save", async () => {
    const { options, calls, selected } = await mount(task());
    await options.onSubmitDraft!({} as never, selected() as never);
    await options.onSubmitDraft!({} as never, selected() as never);
    expect(calls.draft.mock.calls.map(([input]) => input.draftId)).toEqual([undefined, 900]);
    expect(selected().draftId).toBe(900);
  });

  it("reports a failed submit and lets the same annotation be submitted again", async () => {
    const { options, calls, selected } = await mount(task());
    calls.submit.mockRejectedValueOnce(new Error("down"));
    options.onSubmitAnnotation!({} as never, selected() as never);
    await tick();
    expect(calls.error).toHaveBeenCalledWith("submit", expect.any(Error));
    expect(selected().pk).toBeNull();
    options.onUpdateAnnotation!({} as never, selected() as never); // the editor now shows "Update"
    await tick();
    expect(calls.submit).toHaveBeenCalledTimes(2);
    expect(selected().pk).toBe("501");
  });

  it("skips with the lead time and the draft id", async () => {
    const t = task({ drafts: [{ id: 32, task: 7, annotation: null, result: [] }] });
    const { options, calls, store, advance } = await mount(t);
    advance(4000);
    options.onSkipTask!(store as never);
    await tick();
    expect(calls.skip).toHaveBeenCalledWith({ leadTime: 4, draftId: 32 });
  });

  it("ignores a destroyed editor's callbacks (its hotkeys may outlive it)", async () => {
    const { handle, options, calls, selected, store } = await mount(task());
    handle.destroy();
    options.onSubmitAnnotation!({} as never, selected() as never);
    options.onSkipTask!(store as never);
    await options.onSubmitDraft!({} as never, selected() as never);
    await tick();
    expect(calls.submit).not.toHaveBeenCalled();
    expect(calls.skip).not.toHaveBeenCalled();
    expect(calls.draft).not.toHaveBeenCalled();
  });

  it("destroys the editor, forgets the instance and unbinds its hotkeys", async () => {
    const unbindAll = vi.fn();
    (window as unknown as { HtxHotkeys: unknown }).HtxHotkeys = { unbindAll };
    const { handle, fake } = await mount(task());
    handle.destroy();
    handle.destroy();
    expect(fake.made[0]!.destroyed).toBe(1);
    expect(fake.LabelStudio.instances.size).toBe(0);
    expect(unbindAll).toHaveBeenCalledTimes(1);
  });
});
