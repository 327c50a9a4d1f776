// Loads the Label Studio editor (the prebuilt @heartexlabs/label-studio 1.4.0 bundle) on first use only:
// 2 MB of script that the projects list, data manager and import pages never need. The files are served
// from /vendor/label-studio-1.4.0/ (copied there at build time by scripts/vendor-editor.mjs; the version in the
// path is what lets the servers cache it for good).

export const EDITOR_VERSION = "1.4.0";
export const EDITOR_BASE = `/vendor/label-studio-${EDITOR_VERSION}`;

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

let loading: Promise<LabelStudioConstructor> | null = null;

export function loadEditor(): Promise<LabelStudioConstructor> {
  if (window.LabelStudio) return Promise.resolve(window.LabelStudio);
  if (loading) return loading;
  loading = new Promise<LabelStudioConstructor>((resolve, reject) => {
    const style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = `${EDITOR_BASE}/main.css`;
    document.head.appendChild(style);
    const script = document.createElement("script");
    script.src = `${EDITOR_BASE}/main.js`;
    script.async = true;
    script.onload = () => (window.LabelStudio ? resolve(window.LabelStudio) : reject(new Error("The labeling editor did not start.")));
    script.onerror = () => {
      loading = null;
      script.remove();
      reject(new Error("The labeling editor could not be loaded. Reload the page to try again."));
    };
    document.head.appendChild(script);
  });
  return loading;
}
