// A live preview of a labeling config: the real Label Studio editor mounted on one sample task, so what a
// person sees while setting up a project is exactly what annotators will get.
//
// The sample task is built here, not taken as is. Gallery samples point at example.com media, which the
// strict CSP blocks (and which does not exist), and a hand-written config has no sample at all. So
// `previewData` swaps every external http(s) URL read by an Image/Audio/Video/TimeSeries tag for a small
// same-origin file under /samples/ (public/samples: image.png, audio.wav, video.mp4, timeseries.csv, made
// for this purpose), and fills any `$key` the sample lacks with a placeholder that fits the tag reading it.
// These helpers are pure (config text in, data out) so they are unit tested without a browser.
//
// The editor is mounted into a fresh child element each time and the previous instance is destroyed only
// once the next one is in place, so the preview does not flash blank while someone types. Which editor build
// shows a config is the loader's choice (editor/loader.ts); only one build can run per page, so after a
// 1.4.0 preview a config that needs 1.13.1 asks for a reload (the other way round, 1.13.1 stands in).
import { useEffect, useRef, useState } from "preact/hooks";
import { EditorBuildConflict, editorFor, loadEditorFor, type LabelStudioInstance } from "../editor/loader";

export type TaskData = Record<string, unknown>;

/** A `$key` the config reads, and the tag reading it (lower case: "image", "text", "paragraphs", …). */
export interface DataRef {
  key: string;
  tag: string;
  /** The tag's attributes (lower-case names), for tags whose sample shape depends on them. */
  attrs: Record<string, string>;
  /** True for `valueList="$key"` (a list of items, e.g. several images), false for `value="$key"`. */
  list: boolean;
}

export const SAMPLE_MEDIA: Record<string, string> = {
  image: "/samples/image.png",
  audio: "/samples/audio.wav",
  audioplus: "/samples/audio.wav",
  video: "/samples/video.mp4",
  timeseries: "/samples/timeseries.csv",
};

const SAMPLE_TEXT = "On 12 May 2023, Maria Okafor joined Northwind Logistics as head of operations in Rotterdam.";

/** Every `$key` a config reads, in document order; an unparsable config reads none. */
export function configDataRefs(config: string): DataRef[] {
  if (!config.trim()) return [];
  const doc = new DOMParser().parseFromString(config, "text/xml");
  if (doc.getElementsByTagName("parsererror").length > 0) return [];
  const refs: DataRef[] = [];
  for (const element of Array.from(doc.getElementsByTagName("*"))) {
    const attrs: Record<string, string> = {};
    for (const attr of Array.from(element.attributes)) attrs[attr.name.toLowerCase()] = attr.value;
    for (const [name, list] of [["value", false], ["valuelist", true]] as const) {
      const match = /^\$([\w.-]+)$/.exec(attrs[name]?.trim() ?? "");
      if (match) refs.push({ key: match[1]!, tag: element.tagName.toLowerCase(), attrs, list });
    }
  }
  return refs;
}

/** True for an absolute http(s) URL on another origin: those the CSP blocks in the preview. */
export function isExternalUrl(value: unknown, origin: string): value is string {
  if (typeof value !== "string" || !/^https?:\/\//i.test(value.trim())) return false;
  try {
    return new URL(value.trim()).origin !== origin;
  } catch {
    return false;
  }
}

/** A placeholder value for a key the sample lacks, shaped for the tag that reads it. */
export function placeholderFor(ref: DataRef): unknown {
  const media = SAMPLE_MEDIA[ref.tag];
  if (media) return ref.list ? [media, media] : media;
  switch (ref.tag) {
    case "text":
      return SAMPLE_TEXT;
    case "hypertext":
      return `<p>${SAMPLE_TEXT}</p>`;
    case "paragraphs": {
      const name = ref.attrs.namekey || "author";
      const text = ref.attrs.textkey || "text";
      return [
        { [name]: "Alice", [text]: "Hi! Can I book a table for two tonight?" },
        { [name]: "Bob", [text]: "Of course. What time would suit you?" },
      ];
    }
    case "table":
      return { name: "Lena Fischer", country: "Germany", plan: "Team" };
    case "list":
      return [
        { id: "1", title: "First item", body: "A short description of the first item." },
        { id: "2", title: "Second item", body: "A short description of the second item." },
      ];
    case "choices":
    case "labels":
    case "taxonomy":
      return [{ value: "Option A" }, { value: "Option B" }];
    default:
      return "Sample value";
  }
}

/**
 * The task data to preview a config with: `sample` (the gallery's, or none) with external media URLs
 * replaced by same-origin sample files and every missing `$key` filled with a placeholder.
 */
export function previewData(config: string, sample: TaskData = {}, origin = location.origin): TaskData {
  const data: TaskData = { ...sample };
  for (const ref of configDataRefs(config)) {
    const current = data[ref.key];
    const media = SAMPLE_MEDIA[ref.tag];
    if (current === undefined || current === null || current === "") data[ref.key] = placeholderFor(ref);
    else if (media && isExternalUrl(current, origin)) data[ref.key] = media;
    else if (media && Array.isArray(current)) data[ref.key] = current.map((item) => (isExternalUrl(item, origin) ? media : item));
  }
  return data;
}

/**
 * Tags of the config that none of the editor builds Skylabel ships can show (as written, once each; HTML tags
 * inside a config are fine). Such a config is not mounted: the preview says which tags it cannot show instead.
 */
export function unsupportedTags(config: string): string[] {
  return editorFor(config).unsupported;
}

/** Tags whose results are regions, listed in the editor's side column; other configs get the full width. */
const REGION_TAGS = /<(?:\w*Labels|Rectangle|Polygon|KeyPoint|Ellipse|Brush|VideoRectangle|Relations)\b/;

/** The editor panels to show: the side column (regions, relations) only when the config can make regions. */
export function previewInterfaces(config: string): string[] {
  return REGION_TAGS.test(config) ? ["panel", "controls", "side-column"] : ["panel", "controls"];
}

type Status =
  | { state: "loading" }
  | { state: "ready" }
  | { state: "failed"; message: string }
  | { state: "reload"; needed: string; loaded: string };

interface PreviewProps {
  /** A config the server has already accepted: the editor is never mounted on a broken one. */
  config: string;
  /** Task data; external media in it is replaced and missing keys are filled (see previewData). */
  sample?: TaskData;
}

const USER = { id: 1, pk: 1, firstName: "", lastName: "" };

export function Preview({ config, sample }: PreviewProps) {
  const host = useRef<HTMLDivElement>(null);
  const current = useRef<{ instance: LabelStudioInstance; element: HTMLElement } | null>(null);
  const [status, setStatus] = useState<Status>({ state: "loading" });
  const data = previewData(config, sample);
  const dataKey = JSON.stringify(data);
  const interfaces = previewInterfaces(config);
  const unsupported = unsupportedTags(config);

  useEffect(() => {
    if (unsupported.length > 0) {
      if (current.current) destroy(current.current);
      current.current = null;
      setStatus({ state: "loading" });
      return;
    }
    let cancelled = false;
    const timer = window.setTimeout(() => {
      loadEditorFor(config, { newerIsFine: true }).then(
        (LabelStudio) => {
          if (cancelled || !host.current) return;
          const element = document.createElement("div");
          element.className = "preview-editor";
          host.current.appendChild(element);
          let instance: LabelStudioInstance;
          try {
            instance = new LabelStudio(element, {
              config,
              task: { id: 1, data, annotations: [], predictions: [] },
              user: USER,
              interfaces,
              onLabelStudioLoad: (store: { annotationStore: { addAnnotation(o: object): { id: string }; selectAnnotation(id: string): void } }) => {
                // A fresh annotation, so the preview can be clicked through as an annotator would.
                const annotation = store.annotationStore.addAnnotation({ userGenerate: true });
                store.annotationStore.selectAnnotation(annotation.id);
              },
            });
          } catch (error) {
            element.remove();
            setStatus({ state: "failed", message: error instanceof Error ? error.message : String(error) });
            return;
          }
          const previous = current.current;
          current.current = { instance, element };
          if (previous) destroy(previous);
          setStatus({ state: "ready" });
        },
        (error: Error) => {
          if (cancelled) return;
          if (!(error instanceof EditorBuildConflict)) return setStatus({ state: "failed", message: error.message });
          // The last preview shows another config: take it down rather than leave it looking current.
          if (current.current) destroy(current.current);
          current.current = null;
          setStatus({ state: "reload", needed: error.needed.version, loaded: error.loaded.version });
        },
      );
    }, 150);
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [config, dataKey]);

  useEffect(
    () => () => {
      if (current.current) destroy(current.current);
      current.current = null;
    },
    [],
  );

  return (
    <div class={`preview${interfaces.includes("side-column") ? "" : " no-side-column"}`} aria-label="Labeling interface preview">
      {unsupported.length > 0 && (
        <p class="preview-unsupported" role="status">
          None of the labeling editors Skylabel ships (Label Studio frontend 1.4.0 and 1.13.1) can show{" "}
          {unsupported.map((tag, i) => (
            <span key={tag}>
              {i > 0 && ", "}
              <code>&lt;{tag}&gt;</code>
            </span>
          ))}
          : this config can be saved, but neither previewed nor labeled.
        </p>
      )}
      {unsupported.length === 0 && status.state === "loading" && (
        <div class="loading" role="status">
          <span class="spinner" aria-hidden="true" />
          Loading the preview…
        </div>
      )}
      {unsupported.length === 0 && status.state === "failed" && (
        <p class="error" role="alert">
          The preview could not be shown: {status.message}
        </p>
      )}
      {unsupported.length === 0 && status.state === "reload" && (
        <p class="preview-unsupported" role="status">
          Previewing this config needs the newer labeling editor (Label Studio {status.needed}), but this page already
          runs {status.loaded}, and only one can run per page. Save, then reload the page to preview it (reloading
          now loses unsaved changes).{" "}
          <button type="button" class="btn" onClick={() => location.reload()}>
            Reload the page
          </button>
        </p>
      )}
      <div ref={host} class="preview-host" />
    </div>
  );
}

function destroy(mounted: { instance: LabelStudioInstance; element: HTMLElement }): void {
  try {
    mounted.instance.destroy();
  } catch {
    /* an editor that failed half-way cannot always tear itself down; dropping its element is enough */
  }
  mounted.element.remove();
}
