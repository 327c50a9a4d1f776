// Loads the Label Studio editor on first use only (2–6 MB of script the projects list, data manager and import
// pages never need), and picks which of the two builds Skylabel ships a labeling config needs.
//
// Two builds, because no single one does it all (measured in headless Chromium for issue 6; background in
// shared/reference/lsf_embed.md). Both are vendored by scripts/vendor-editor.mjs into
// /vendor/label-studio-<version>/, the version in the path being what lets the servers cache them for good:
// - 1.4.0 (npm): the default. Smaller (0.69 MB gzipped) and faster to start, and what the labeling page's
//   drafts, ML-assist and tests were built and checked against.
// - 1.13.1 (the last standalone build, from the label-studio PyPI wheel): only for configs using a tag 1.4.0
//   lacks (VideoRectangle, DateTime, …) or the List/Ranker/Bucket ranking of LS 1.9+ (1.4.0 has tags of those
//   names, but for another data shape, and crashes on today's). 1.35 MB gzipped, ~0.2 s more to start.
//   It needs `user.id` (our callers pass id and pk) and overwrites `window._`.
// Both define `window.LabelStudio` and share mobx globals: once one is on the page the other cannot run
// (tested: a 1.4.0 editor mounted after 1.13.1 was loaded renders nothing). So one build per page load. A
// config that needs the other build rejects with EditorBuildConflict, or — where nothing is lost, as on the
// labeling page whose state is all in the URL — asks for `{ reload: true }`, and the page reloads itself once.
// 1.13.1 shows every config 1.4.0 does (tested: all 31 gallery templates 1.4.0 mounts), so a caller that only
// needs *a* rendering (the config preview) may take it with `{ newerIsFine: true }` rather than reload.

export interface EditorBuild {
  version: string;
  base: string;
}

function build(version: string): EditorBuild {
  return { version, base: `/vendor/label-studio-${version}` };
}

export const DEFAULT_EDITOR = build("1.4.0");
export const NEWER_EDITOR = build("1.13.1");
/** Kept for existing callers: the default build. */
export const EDITOR_VERSION = DEFAULT_EDITOR.version;
export const EDITOR_BASE = DEFAULT_EDITOR.base;

/**
 * The tags each build registers (lower case, from their `Registry.addTag(...)` calls), without the internal
 * region models. Tags in neither — TimelineLabels (LS 1.14+) for one — cannot be shown at all.
 */
const TAGS_1_4_0 =
  "audio audioplus brush brushlabels channel choice choices collapse dialog ellipse ellipselabels filter header " +
  "hypertext hypertextlabels image keypoint keypointlabels label labels list number pairwise panel paragraphlabels " +
  "paragraphs polygon polygonlabels ranker rating rectangle rectanglelabels relation relations shortcut style table " +
  "taxonomy text textarea timeseries timeserieslabels video view";
export const EDITOR_TAGS: Record<string, ReadonlySet<string>> = {
  [DEFAULT_EDITOR.version]: new Set(TAGS_1_4_0.split(" ")),
  [NEWER_EDITOR.version]: new Set(`${TAGS_1_4_0} bucket datetime magicwand pagedview videorectangle`.split(" ")),
};
/** Tags 1.4.0 registers but for an older data shape than today's configs use: those go to 1.13.1. */
const RESHAPED_TAGS = new Set(["list", "ranker"]);

export interface EditorChoice {
  build: EditorBuild;
  /** Tags of the config no build can show (as written, once each): the config can be saved but not labeled. */
  unsupported: string[];
}

/** The build a config needs. An empty or unparsable config gets the default (the server rejects broken XML). */
export function editorFor(config: string): EditorChoice {
  const older = EDITOR_TAGS[DEFAULT_EDITOR.version]!;
  const newer = EDITOR_TAGS[NEWER_EDITOR.version]!;
  const tags = configTags(config).map((tag) => ({ tag, name: tag.toLowerCase() }));
  const needsNewer = tags.some(({ name }) => newer.has(name) && (!older.has(name) || RESHAPED_TAGS.has(name)));
  return {
    build: needsNewer ? NEWER_EDITOR : DEFAULT_EDITOR,
    unsupported: tags.filter(({ name }) => !newer.has(name)).map(({ tag }) => tag),
  };
}

/** The labeling tags a config uses, as written, once each; lower-case names are plain HTML the View renders. */
function configTags(config: string): string[] {
  if (!config.trim()) return [];
  const doc = new DOMParser().parseFromString(config, "text/xml");
  if (doc.getElementsByTagName("parsererror").length > 0) return [];
  const found: string[] = [];
  for (const element of Array.from(doc.getElementsByTagName("*"))) {
    const tag = element.tagName;
    if (tag !== tag.toLowerCase() && !found.includes(tag)) found.push(tag);
  }
  return found;
}

/** The editor's constructor as the bundle defines it on `window` (untyped upstream: only what we call). */
export interface LabelStudioInstance {
  destroy(): void;
  on(event: string, handler: (...args: unknown[]) => void): void;
  store: unknown;
}
export type LabelStudioConstructor = new (element: string | HTMLElement, options: Record<string, unknown>) => LabelStudioInstance;

declare global {
  interface Window {
    LabelStudio?: LabelStudioConstructor;
  }
}

/** The page already runs the other build: this config can only be shown after a reload. */
export class EditorBuildConflict extends Error {
  constructor(
    readonly needed: EditorBuild,
    readonly loaded: EditorBuild,
  ) {
    super(
      `This labeling config needs the Label Studio ${needed.version} editor, but this page has already loaded ` +
        `${loaded.version}, and only one can run per page. Reload the page to show it.`,
    );
    this.name = "EditorBuildConflict";
  }
}

let current: { build: EditorBuild; promise: Promise<LabelStudioConstructor> } | null = null;

/** The build this page has loaded or is loading, if any. */
export function loadedEditor(): EditorBuild | null {
  return current?.build ?? null;
}

/** Kept for existing callers: the build already on the page (or on its way), else the default one. */
export function loadEditor(): Promise<LabelStudioConstructor> {
  return load(current?.build ?? DEFAULT_EDITOR);
}

export interface LoadOptions {
  /** On a conflict, reload the page once (for pages that lose nothing by it) instead of rejecting. */
  reload?: boolean;
  /** A newer build already on the page will do (it shows all that the older one does; it looks slightly different). */
  newerIsFine?: boolean;
}

/** The editor for this config: loads the build it needs, or rejects with EditorBuildConflict (see above). */
export function loadEditorFor(config: string, options: LoadOptions = {}): Promise<LabelStudioConstructor> {
  const needed = editorFor(config).build;
  const loaded = current?.build;
  if (!loaded || loaded === needed || (options.newerIsFine && loaded === NEWER_EDITOR)) return load(loaded ?? needed);
  if (options.reload && reloadOnce(needed)) return new Promise<never>(() => undefined); // the page is going away
  return Promise.reject(new EditorBuildConflict(needed, loaded));
}

const RELOAD_KEY = "skylabel.editorReload";

/** Reload for `needed` unless this very page was just reloaded for it (a caller loading the wrong build first). */
function reloadOnce(needed: EditorBuild): boolean {
  const mark = `${needed.version} ${location.href}`;
  try {
    const last = JSON.parse(sessionStorage.getItem(RELOAD_KEY) ?? "null") as { mark: string; at: number } | null;
    if (last && last.mark === mark && Date.now() - last.at < 30_000) return false;
    sessionStorage.setItem(RELOAD_KEY, JSON.stringify({ mark, at: Date.now() }));
  } catch {
    return false; // no session storage: a reload loop could not be told apart, so say it instead
  }
  location.reload();
  return true;
}

function load(build: EditorBuild): Promise<LabelStudioConstructor> {
  if (current) return current.promise;
  // Put there by something else (a test page): use it as it is.
  if (window.LabelStudio) return (current = { build, promise: Promise.resolve(window.LabelStudio) }).promise;
  const promise = new Promise<LabelStudioConstructor>((resolve, reject) => {
    const style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = `${build.base}/main.css`;
    document.head.appendChild(style);
    const script = document.createElement("script");
    script.src = `${build.base}/main.js`;
    script.async = true;
    script.onload = () => (window.LabelStudio ? resolve(window.LabelStudio) : reject(new Error("The labeling editor did not start.")));
    script.onerror = () => {
      // Nothing ran: the page is free to try again, with this build or the other.
      current = null;
      script.remove();
      style.remove();
      reject(new Error("The labeling editor could not be loaded. Reload the page to try again."));
    };
    document.head.appendChild(script);
  });
  current = { build, promise };
  return promise;
}
