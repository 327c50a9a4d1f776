// The labeling-config editor used by "Create project" and by project settings: an XML textarea with line
// numbers, the server's verdict on the config shown inline as the person types, and a live preview.
//
// Validation is the server's (POST /api/projects/validate, or /api/projects/{id}/validate which also
// checks the change against existing annotations), so the page shows exactly the messages saving would
// give, Label Studio's wording included; lines the messages name are marked in the gutter. It asks with
// `?report=true`, which answers a refusal as a 200 verdict: a 400 per half-typed tag would log a failed
// request in the console each time (a plain 400 from a server without that mode is understood too). The preview
// is only mounted for a config the server accepted; while a new check is under way the last good preview
// stays up, dimmed, rather than flashing away on every keystroke.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, api, errorFrom } from "../api";
import { Preview, type TaskData } from "./preview";
import "../styles/projects.css";

export const VALIDATE_DELAY_MS = 500;

export type Validation =
  | { status: "empty" }
  | { status: "checking" }
  | { status: "valid"; config: string }
  | { status: "invalid"; errors: string[] }
  /** The check itself failed (network, server error): the config is neither accepted nor refused. */
  | { status: "unknown"; message: string };

/** The messages to show for a refused config: the server's per-field ones for label_config, else its message. */
export function configErrorMessages(error: unknown): string[] {
  if (error instanceof ApiError) {
    const fields = error.fields.label_config ?? error.fields.non_field_errors;
    if (fields && fields.length > 0) return fields;
    return [error.message];
  }
  return [error instanceof Error ? error.message : String(error)];
}

/** The messages of a `?report=true` answer, or null when the config passed (a 204 from an older server too). */
export function verdictMessages(answer: unknown): string[] | null {
  if (!answer || typeof answer !== "object" || (answer as { valid?: unknown }).valid !== false) return null;
  const { detail, validation_errors: fields } = answer as { detail?: unknown; validation_errors?: unknown };
  if (!detail && !fields) return ["The server refuses this config."];
  return configErrorMessages(errorFrom(400, answer));
}

/** Line numbers the messages point at ("at line 4", "lines 2 and 7", lxml's "line 3, column 9"), sorted. */
export function errorLines(messages: string[], lineCount = Number.POSITIVE_INFINITY): number[] {
  const found = new Set<number>();
  for (const message of messages) {
    for (const match of message.matchAll(/\blines? (\d+)(?: and (\d+))?/gi)) {
      for (const group of [match[1], match[2]]) {
        const line = Number(group);
        if (group && line >= 1 && line <= lineCount) found.add(line);
      }
    }
  }
  return [...found].sort((a, b) => a - b);
}

const escapeText = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const escapeAttr = (text: string) => escapeText(text).replace(/"/g, "&quot;").replace(/\n/g, "&#10;");

/** The config re-indented, one tag a line (configs made through the API often arrive on one line); null when it is not XML. */
export function formatXml(text: string, indent = "  "): string | null {
  const doc = new DOMParser().parseFromString(text, "text/xml");
  if (doc.getElementsByTagName("parsererror").length > 0 || !doc.documentElement) return null;
  const lines: string[] = [];
  const walk = (node: Node, depth: number) => {
    const pad = indent.repeat(depth);
    if (node.nodeType === Node.COMMENT_NODE) {
      lines.push(`${pad}<!--${node.nodeValue ?? ""}-->`);
      return;
    }
    if (node.nodeType === Node.TEXT_NODE || node.nodeType === Node.CDATA_SECTION_NODE) {
      const value = (node.nodeValue ?? "").trim();
      if (value) lines.push(pad + (node.nodeType === Node.CDATA_SECTION_NODE ? `<![CDATA[${value}]]>` : escapeText(value)));
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    const element = node as Element;
    const attrs = Array.from(element.attributes).map((a) => ` ${a.name}="${escapeAttr(a.value)}"`).join("");
    const children = Array.from(element.childNodes).filter((c) => c.nodeType !== Node.TEXT_NODE || (c.nodeValue ?? "").trim());
    if (children.length === 0) lines.push(`${pad}<${element.tagName}${attrs}/>`);
    else if (children.length === 1 && children[0]!.nodeType === Node.TEXT_NODE) {
      lines.push(`${pad}<${element.tagName}${attrs}>${escapeText((children[0]!.nodeValue ?? "").trim())}</${element.tagName}>`);
    } else {
      lines.push(`${pad}<${element.tagName}${attrs}>`);
      children.forEach((child) => walk(child, depth + 1));
      lines.push(`${pad}</${element.tagName}>`);
    }
  };
  walk(doc.documentElement, 0);
  return `${lines.join("\n")}\n`;
}

/** The editor grows with the config (so a short one leaves its messages in view) between 12 and 26 lines. */
export function editorHeight(lines: number): string {
  const shown = Math.min(26, Math.max(12, lines + 2));
  return `calc(${shown} * 1.5em + 16px)`;
}

/** Count of lines in the text (an empty text still has line 1). */
export function lineCount(text: string): number {
  return text.split("\n").length;
}

interface ConfigEditorProps {
  value: string;
  onChange: (value: string) => void;
  /** Where to check the config; a project's own endpoint also checks it against its annotations. */
  validatePath?: string;
  /** Task data for the preview (a gallery sample); missing keys get placeholders. */
  sample?: TaskData;
  /** Messages from a refused save, shown with the live ones until the text changes. */
  saveErrors?: string[];
  onValidation?: (validation: Validation) => void;
  id?: string;
}

export function ConfigEditor({ value, onChange, validatePath = "/api/projects/validate", sample, saveErrors, onValidation, id = "label-config" }: ConfigEditorProps) {
  const [validation, setValidation] = useState<Validation>({ status: value.trim() ? "checking" : "empty" });
  const [shown, setShown] = useState<string | null>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const onValidationRef = useRef(onValidation);
  onValidationRef.current = onValidation;

  const update = (next: Validation) => {
    setValidation(next);
    onValidationRef.current?.(next);
    if (next.status === "valid") setShown(next.config);
    else if (next.status === "invalid" || next.status === "empty") setShown(null);
  };

  useEffect(() => {
    if (!value.trim()) {
      update({ status: "empty" });
      return;
    }
    update({ status: "checking" });
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      api.post(validatePath, { label_config: value }, { signal: controller.signal, query: { report: true } }).then(
        (answer) => {
          const errors = verdictMessages(answer);
          update(errors ? { status: "invalid", errors } : { status: "valid", config: value });
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          if (error instanceof ApiError && error.status === 400) update({ status: "invalid", errors: configErrorMessages(error) });
          else update({ status: "unknown", message: error instanceof Error ? error.message : String(error) });
        },
      );
    }, VALIDATE_DELAY_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [value, validatePath]);

  const errors = [...(validation.status === "invalid" ? validation.errors : []), ...(saveErrors ?? [])];
  const lines = lineCount(value);
  const formatted = useMemo(() => (value.trim() ? formatXml(value) : null), [value]);
  const marked = new Set(errorLines(errors, lines));
  const syncGutter = (event: Event) => {
    if (gutter.current) gutter.current.scrollTop = (event.currentTarget as HTMLTextAreaElement).scrollTop;
  };

  return (
    <div class="config-editor-host">
      <div class="config-editor">
        <div class="config-source">
          <div class="config-toolbar">
            <label for={id} class="config-label">
              Labeling config <span class="muted">(XML)</span>
            </label>
            <button
              type="button"
              class="btn btn-plain btn-small"
              disabled={formatted === null || formatted === value}
              title={formatted === null ? "Only well-formed XML can be formatted" : "Put one tag on each line, indented"}
              onClick={() => formatted !== null && onChange(formatted)}
            >
              Format
            </button>
          </div>
          <div class={`config-code${errors.length ? " has-errors" : ""}`} style={{ height: editorHeight(lines) }}>
            <div class="config-gutter" ref={gutter} aria-hidden="true">
              {Array.from({ length: lines }, (_, i) => (
                <div key={i} class={marked.has(i + 1) ? "bad" : undefined}>
                  {i + 1}
                </div>
              ))}
            </div>
            <textarea
              id={id}
              value={value}
              spellcheck={false}
              wrap="off"
              autocomplete="off"
              autocapitalize="off"
              aria-invalid={errors.length > 0}
              aria-describedby={`${id}-status`}
              onInput={(event) => onChange((event.currentTarget as HTMLTextAreaElement).value)}
              onScroll={syncGutter}
            />
          </div>
          <div id={`${id}-status`} class="config-status" aria-live="polite">
            <ValidationStatus validation={validation} hasSaveErrors={Boolean(saveErrors?.length)} />
            {errors.length > 0 && (
              <ul class="config-errors" role="alert">
                {errors.map((message, i) => (
                  <li key={i}>{message}</li>
                ))}
              </ul>
            )}
          </div>
        </div>
        <div class="config-preview">
          <h3 class="config-label">Preview</h3>
          {shown !== null ? (
            <div class={validation.status === "checking" ? "stale" : undefined}>
              <Preview config={shown} sample={sample} />
            </div>
          ) : (
            <p class="preview-placeholder muted">
              {validation.status === "empty"
                ? "Pick a template or write a config to see what annotators will get."
                : validation.status === "invalid"
                  ? "Fix the errors in the config to see the preview."
                  : validation.status === "unknown"
                    ? "The preview appears once the config has been checked."
                    : "Checking the config…"}
            </p>
          )}
        </div>
      </div>
    </div>
  );
}

function ValidationStatus({ validation, hasSaveErrors }: { validation: Validation; hasSaveErrors: boolean }) {
  switch (validation.status) {
    case "checking":
      return <p class="config-state muted">Checking…</p>;
    case "valid":
      return hasSaveErrors ? null : <p class="config-state ok">✓ The config is valid.</p>;
    case "invalid":
      return <p class="config-state bad">The server refuses this config:</p>;
    case "unknown":
      return <p class="config-state bad">The config could not be checked: {validation.message}</p>;
    default:
      return <p class="config-state muted">The config is empty.</p>;
  }
}
