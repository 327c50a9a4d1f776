// The editor loader: which build a config needs, and one build per page (a second one is refused, or the page
// reloads once when the caller allows it). Script loading is simulated: jsdom runs no scripts.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

type Loader = typeof import("../src/editor/loader");
let loader: Loader;

beforeEach(async () => {
  vi.resetModules(); // the loaded build is module state
  document.head.innerHTML = "";
  delete window.LabelStudio;
  sessionStorage.clear();
  loader = await import("../src/editor/loader");
});
afterEach(() => vi.restoreAllMocks());

/** Let the <script> the loader added "run": define the constructor and fire onload. */
function finishScript(): HTMLScriptElement {
  const script = document.head.querySelector("script")!;
  window.LabelStudio = class {} as never;
  script.onload!(new Event("load"));
  return script;
}

const TEXT = '<View><Text name="t" value="$t"/><Choices name="c" toName="t"><Choice value="A"/></Choices></View>';
const VIDEO = '<View><Labels name="l" toName="v"><Label value="P"/></Labels><Video name="v" value="$v"/><VideoRectangle name="b" toName="v"/></View>';
const RANKER = '<View><List name="r" value="$items" title="Items"/><Ranker name="rank" toName="r"/></View>';
const TIMELINE = '<View><Video name="v" value="$v"/><TimelineLabels name="t" toName="v"><Label value="A"/></TimelineLabels></View>';

describe("editorFor", () => {
  it("keeps 1.4.0 for configs it shows", () => {
    expect(loader.editorFor(TEXT)).toEqual({ build: loader.DEFAULT_EDITOR, unsupported: [] });
    expect(loader.editorFor('<View><div><b>HTML</b></div><Header value="x"/></View>').build).toBe(loader.DEFAULT_EDITOR);
  });

  it("picks 1.13.1 for tags only it has, and for today's List/Ranker shape", () => {
    expect(loader.editorFor(VIDEO).build).toBe(loader.NEWER_EDITOR);
    expect(loader.editorFor(RANKER).build).toBe(loader.NEWER_EDITOR);
    expect(loader.editorFor('<View><DateTime name="d" toName="t"/><Text name="t" value="$t"/></View>').build).toBe(loader.NEWER_EDITOR);
  });

  it("names tags neither build has", () => {
    expect(loader.editorFor(TIMELINE).unsupported).toEqual(["TimelineLabels"]);
  });

  it("gives an empty or broken config the default", () => {
    expect(loader.editorFor("")).toEqual({ build: loader.DEFAULT_EDITOR, unsupported: [] });
    expect(loader.editorFor("<View><Nope>").build).toBe(loader.DEFAULT_EDITOR);
  });
});

describe("loadEditorFor", () => {
  it("loads the build a config needs, from its versioned folder, once", async () => {
    const first = loader.loadEditorFor(VIDEO);
    const again = loader.loadEditorFor(VIDEO);
    expect(document.head.querySelectorAll("script")).toHaveLength(1);
    expect(document.head.querySelector("script")!.src).toContain("/vendor/label-studio-1.13.1/main.js");
    expect(document.head.querySelector("link")!.getAttribute("href")).toBe("/vendor/label-studio-1.13.1/main.css");
    finishScript();
    expect(await first).toBe(window.LabelStudio);
    expect(await again).toBe(window.LabelStudio);
    expect(loader.loadedEditor()).toBe(loader.NEWER_EDITOR);
  });

  it("loadEditor() answers the build on the page, else the default", async () => {
    const some = loader.loadEditor();
    expect(document.head.querySelector("script")!.src).toContain("/vendor/label-studio-1.4.0/main.js");
    finishScript();
    await some;
    expect(loader.loadedEditor()).toBe(loader.DEFAULT_EDITOR);
  });

  it("refuses a config that needs the other build, unless a newer one on the page will do", async () => {
    const text = loader.loadEditorFor(TEXT);
    finishScript();
    await text;
    const refused = loader.loadEditorFor(VIDEO);
    await expect(refused).rejects.toBeInstanceOf(loader.EditorBuildConflict);
    await expect(refused).rejects.toThrow(/needs the Label Studio 1.13.1 editor.*already loaded 1.4.0/);
    expect(document.head.querySelectorAll("script")).toHaveLength(1);
  });

  it("lets 1.13.1 stand in for 1.4.0 when asked", async () => {
    const video = loader.loadEditorFor(VIDEO);
    finishScript();
    const ctor = await video;
    await expect(loader.loadEditorFor(TEXT)).rejects.toBeInstanceOf(loader.EditorBuildConflict);
    expect(await loader.loadEditorFor(TEXT, { newerIsFine: true })).toBe(ctor);
  });

  it("reloads the page once for a conflict when allowed, then refuses", async () => {
    const reload = vi.fn();
    vi.spyOn(window, "location", "get").mockReturnValue({ ...window.location, href: "http://x/projects/1/label", reload });
    const text = loader.loadEditorFor(TEXT);
    finishScript();
    await text;
    void loader.loadEditorFor(VIDEO, { reload: true }); // never settles: the page is going away
    expect(reload).toHaveBeenCalledTimes(1);
    // The same page reloaded for the same build and still loading the wrong one first: say so, do not loop.
    await expect(loader.loadEditorFor(VIDEO, { reload: true })).rejects.toBeInstanceOf(loader.EditorBuildConflict);
    expect(reload).toHaveBeenCalledTimes(1);
  });

  it("forgets a build whose script failed, so another can load", async () => {
    const failed = loader.loadEditorFor(TEXT);
    document.head.querySelector("script")!.onerror!(new Event("error"));
    await expect(failed).rejects.toThrow(/could not be loaded/);
    expect(loader.loadedEditor()).toBeNull();
    expect(document.head.querySelector("link")).toBeNull();
    void loader.loadEditorFor(VIDEO);
    expect(document.head.querySelector("script")!.src).toContain("label-studio-1.13.1");
  });
});
