// Project settings (/projects/{id}/settings), in Label Studio's sections: General, Labeling interface,
// Instructions and a Danger zone. Each section keeps its own form state and saves on its own (a PATCH of
// just its fields), so a refused labeling config never holds back a title change, and each says "Saved"
// when the server has taken it. Forms start from the project as loaded and are not reset by later saves.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, api } from "../api";
import { ConfigEditor, configErrorMessages, type Validation } from "../components/config-editor";
import { useProject } from "../project";
import { navigate } from "../router";
import type { Project, Task } from "../types";
import { Button, ErrorMessage, FieldError, Page, Spinner, useLoad } from "../ui";
import "../styles/projects.css";

export const SAMPLING_OPTIONS: [string, string][] = [
  ["Sequential sampling", "Sequential: tasks in the order they were imported"],
  ["Uniform sampling", "Random: tasks in random order"],
  ["Uncertainty sampling", "Uncertainty: what the model is least sure of first (see Models)"],
];

const SECTIONS: [string, string][] = [
  ["general", "General"],
  ["labeling", "Labeling interface"],
  ["instructions", "Instructions"],
  ["danger", "Danger zone"],
];

type Patch = Partial<Pick<Project, "title" | "description" | "color" | "sampling" | "maximum_annotations" | "show_skip_button" | "label_config" | "expert_instruction" | "show_instruction">>;

/** Save state of one section: what is being sent, whether the last save was taken, and the server's refusal. */
function useSave(projectId: number, onSaved: (project: Project) => void) {
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const save = async (patch: Patch) => {
    setSaving(true);
    setSaved(false);
    setError(null);
    try {
      onSaved(await api.patch<Project>(`/api/projects/${projectId}`, patch));
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };
  /** Any edit after a save hides the old "Saved" (it would no longer be true). */
  const touched = () => setSaved(false);
  return { saving, saved, error, save, touched, setError };
}

export function ProjectSettings({ projectId }: { projectId: number }) {
  const loaded = useProject(projectId);
  const [project, setProject] = useState<Project | undefined>(undefined);
  useEffect(() => setProject(loaded.data), [loaded.data]);

  if (loaded.loading && !project) return <Spinner label="Loading the project…" />;
  if (loaded.error || !project) {
    return (
      <Page title="Settings">
        <ErrorMessage error={loaded.error ?? "The project could not be loaded."} title="The project could not be loaded." />
        <p>
          <a href="/projects">Back to your projects</a>
        </p>
      </Page>
    );
  }
  return (
    <Page title={`${project.title || `Project #${project.id}`}: settings`}>
      <div class="settings">
        <nav class="settings-nav" aria-label="Settings sections">
          {SECTIONS.map(([id, label]) => (
            <a
              key={id}
              href={`#${id}`}
              onClick={(event) => {
                // The app's router takes over plain links; an in-page jump is done here instead.
                event.preventDefault();
                const target = document.getElementById(id);
                target?.scrollIntoView({ behavior: "smooth", block: "start" });
                target?.querySelector<HTMLElement>("h2")?.focus({ preventScroll: true });
              }}
            >
              {label}
            </a>
          ))}
          {/* ML backends and their options have a page of their own (pages/models.tsx). */}
          <a href={`/projects/${project.id}/models`}>
            Models →
          </a>
        </nav>
        <div class="settings-sections">
          <GeneralSection project={project} onSaved={setProject} />
          <LabelingSection project={project} onSaved={setProject} />
          <InstructionsSection project={project} onSaved={setProject} />
          <DangerZone project={project} />
        </div>
      </div>
    </Page>
  );
}

function Section({ id, title, intro, children, danger }: { id: string; title: string; intro?: ComponentChildren; children: ComponentChildren; danger?: boolean }) {
  return (
    <section id={id} class={`panel settings-section${danger ? " danger" : ""}`} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} class="section-title" tabIndex={-1}>
        {title}
      </h2>
      {intro && <p class="muted section-intro">{intro}</p>}
      {children}
    </section>
  );
}

function SaveBar({ saving, saved, disabled, label = "Save" }: { saving: boolean; saved: boolean; disabled?: boolean; label?: string }) {
  return (
    <div class="save-bar">
      <Button type="submit" variant="primary" disabled={saving || disabled}>
        {saving ? "Saving…" : label}
      </Button>
      <span class="saved" role="status" aria-live="polite">
        {saved ? "✓ Saved" : ""}
      </span>
    </div>
  );
}

function GeneralSection({ project, onSaved }: { project: Project; onSaved: (p: Project) => void }) {
  const [title, setTitle] = useState(project.title);
  const [description, setDescription] = useState(project.description ?? "");
  const [color, setColor] = useState(/^#[0-9a-f]{6}$/i.test(project.color ?? "") ? project.color : "#ffffff");
  const [sampling, setSampling] = useState(project.sampling || "Sequential sampling");
  const [maximum, setMaximum] = useState(String(project.maximum_annotations ?? 1));
  const [skip, setSkip] = useState(project.show_skip_button ?? true);
  const { saving, saved, error, save, touched } = useSave(project.id, onSaved);
  const edit = <T,>(set: (value: T) => void) => (value: T) => {
    set(value);
    touched();
  };
  const samplingChoices = SAMPLING_OPTIONS.some(([value]) => value === sampling) ? SAMPLING_OPTIONS : [...SAMPLING_OPTIONS, [sampling, sampling] as [string, string]];

  return (
    <Section id="general" title="General">
      <form
        class="form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void save({ title: title.trim(), description, color, sampling, maximum_annotations: Number(maximum), show_skip_button: skip });
        }}
      >
        <label>
          Title
          <input value={title} maxLength={50} onInput={(e) => edit(setTitle)(e.currentTarget.value)} />
          <FieldError error={error} field="title" />
        </label>
        <label>
          Description
          <textarea class="plain-textarea" rows={3} value={description} onInput={(e) => edit(setDescription)(e.currentTarget.value)} />
          <FieldError error={error} field="description" />
        </label>
        <div class="row">
          <label>
            Task sampling
            <select value={sampling} onChange={(e) => edit(setSampling)(e.currentTarget.value)}>
              {samplingChoices.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
            <FieldError error={error} field="sampling" />
          </label>
          <label>
            Annotations per task
            <input type="number" min={1} step={1} value={maximum} onInput={(e) => edit(setMaximum)(e.currentTarget.value)} />
            <span class="hint muted">How many people label each task before it counts as done.</span>
            <FieldError error={error} field="maximum_annotations" />
          </label>
        </div>
        <div class="row">
          <label class="check">
            <input type="checkbox" checked={skip} onChange={(e) => edit(setSkip)(e.currentTarget.checked)} />
            Show the Skip button to annotators
          </label>
          <label class="color-field">
            Color
            <span class="color-input">
              <input type="color" value={color} onInput={(e) => edit(setColor)(e.currentTarget.value)} />
              <span class="muted">{color}: marks the project in the list</span>
            </span>
            <FieldError error={error} field="color" />
          </label>
        </div>
        {error && !(error instanceof ApiError && Object.keys(error.fields).length > 0) ? <ErrorMessage error={error} title="Not saved." /> : null}
        {error instanceof ApiError && Object.keys(error.fields).length > 0 && <p class="field-error">Not saved: see the messages above.</p>}
        <SaveBar saving={saving} saved={saved} />
      </form>
    </Section>
  );
}

function LabelingSection({ project, onSaved }: { project: Project; onSaved: (p: Project) => void }) {
  const [config, setConfig] = useState(project.label_config ?? "");
  const [savedConfig, setSavedConfig] = useState(project.label_config ?? "");
  const [validation, setValidation] = useState<Validation>({ status: "checking" });
  const { saving, saved, error, save, touched, setError } = useSave(project.id, (updated) => {
    setSavedConfig(updated.label_config);
    onSaved(updated);
  });
  const refused = error instanceof ApiError && error.status === 400;
  // The preview shows the project's first task, so a config change is judged on real data (placeholders without one).
  const first = useLoad(
    (signal) => api.get<{ tasks: Task[] }>("/api/tasks", { query: { project: project.id, page_size: 1 }, signal }),
    [project.id],
  );
  return (
    <Section
      id="labeling"
      title="Labeling interface"
      intro={
        <>
          What annotators see and mark, as a Label Studio labeling config. Changes are checked against the annotations the
          project already has: a label or tag still in use cannot be removed.
        </>
      }
    >
      {/* Not a .form: its label rules would reach into the editor's own markup in the preview. */}
      <form
        class="labeling-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void save({ label_config: config });
        }}
      >
        <ConfigEditor
          id="settings-label-config"
          value={config}
          validatePath={`/api/projects/${project.id}/validate`}
          onChange={(next) => {
            setConfig(next);
            touched();
            if (error) setError(null);
          }}
          sample={first.data?.tasks[0]?.data}
          saveErrors={refused ? configErrorMessages(error) : undefined}
          onValidation={setValidation}
        />
        {error && !refused ? <ErrorMessage error={error} title="Not saved." /> : null}
        <div class="save-row">
          <SaveBar saving={saving} saved={saved} disabled={config === savedConfig || validation.status === "invalid"} />
          {config !== savedConfig && (
            <Button
              onClick={() => {
                setConfig(savedConfig);
                setError(null);
              }}
            >
              Undo changes
            </Button>
          )}
        </div>
      </form>
    </Section>
  );
}

function InstructionsSection({ project, onSaved }: { project: Project; onSaved: (p: Project) => void }) {
  const [text, setText] = useState(project.expert_instruction ?? "");
  const [show, setShow] = useState(project.show_instruction ?? false);
  const { saving, saved, error, save, touched } = useSave(project.id, onSaved);
  return (
    <Section id="instructions" title="Instructions" intro="Guidance for annotators: what to label, edge cases, examples.">
      <form
        class="form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void save({ expert_instruction: text, show_instruction: show });
        }}
      >
        <label>
          Instructions
          <textarea
            class="plain-textarea"
            rows={6}
            value={text}
            onInput={(e) => {
              setText(e.currentTarget.value);
              touched();
            }}
            placeholder="e.g. Mark every person's full name. Titles (Dr., Ms.) are not part of the name."
          />
          <FieldError error={error} field="expert_instruction" />
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={show}
            onChange={(e) => {
              setShow(e.currentTarget.checked);
              touched();
            }}
          />
          Show the instructions to annotators before they start labeling
        </label>
        <ErrorMessage error={error} title="Not saved." />
        <SaveBar saving={saving} saved={saved} />
      </form>
    </Section>
  );
}

function DangerZone({ project }: { project: Project }) {
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState("");
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const expected = project.title || String(project.id);
  const remove = async (event: Event) => {
    event.preventDefault();
    setDeleting(true);
    setError(null);
    try {
      await api.delete(`/api/projects/${project.id}`);
      navigate("/projects");
    } catch (err) {
      setError(err);
      setDeleting(false);
    }
  };
  return (
    <Section id="danger" title="Danger zone" danger>
      {!confirming ? (
        <div class="danger-row">
          <p>
            <strong>Delete this project.</strong> Its tasks, annotations and predictions are deleted with it. This cannot be
            undone.
          </p>
          <Button variant="danger" onClick={() => setConfirming(true)}>
            Delete project…
          </Button>
        </div>
      ) : (
        <form class="form confirm-delete" onSubmit={remove} aria-label="Confirm deletion">
          <p>
            This deletes <strong>{expected}</strong> with its {project.task_number ?? 0} task(s) and {project.total_annotations_number ?? 0}{" "}
            annotation(s), for everyone in the organization.
          </p>
          <label>
            Type <code>{expected}</code> to confirm
            <input value={typed} onInput={(e) => setTyped(e.currentTarget.value)} autoFocus autocomplete="off" />
          </label>
          <ErrorMessage error={error} title="The project was not deleted." />
          <div class="form-buttons">
            <Button
              onClick={() => {
                setConfirming(false);
                setTyped("");
              }}
            >
              Cancel
            </Button>
            <Button type="submit" variant="danger" class="btn-danger-solid" disabled={typed.trim() !== expected.trim() || deleting}>
              {deleting ? "Deleting…" : "Delete this project"}
            </Button>
          </div>
        </form>
      )}
    </Section>
  );
}
