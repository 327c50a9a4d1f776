// Create project (/projects/new): a name, then the labeling setup picked from the template gallery (or
// written from scratch) with the config editor's live preview, as in Label Studio's "Create Project"
// dialog. On success the newcomer lands on the project's import page, the natural next step.
import { useMemo, useState } from "preact/hooks";
import { ApiError, api } from "../api";
import { ConfigEditor, configErrorMessages, type Validation } from "../components/config-editor";
import { unsupportedTags } from "../components/preview";
import { navigate } from "../router";
import type { Project, Template } from "../types";
import { Button, ErrorMessage, FieldError, Page, Spinner, useLoad } from "../ui";
import "../styles/projects.css";

interface Gallery {
  templates: Template[];
  groups: string[];
}

export const CUSTOM_CONFIG = "<View>\n  \n</View>\n";

/** Templates whose title, description, group or tags contain every word of the search, in gallery order. */
export function filterTemplates(templates: Template[], search: string, group: string | null): Template[] {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  return templates.filter((template) => {
    if (group && template.group !== group) return false;
    const text = [template.title, template.description, template.group, ...template.tags].join(" ").toLowerCase();
    return words.every((word) => text.includes(word));
  });
}

export function CreateProject() {
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [template, setTemplate] = useState<Template | "custom" | null>(null);
  const [choosing, setChoosing] = useState(true);
  const [config, setConfig] = useState("");
  const [validation, setValidation] = useState<Validation>({ status: "empty" });
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const pick = (picked: Template | "custom") => {
    setTemplate(picked);
    setConfig(picked === "custom" ? CUSTOM_CONFIG : picked.config);
    setChoosing(false);
    setError(null);
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setSaving(true);
    setError(null);
    try {
      const body: Record<string, string> = { title: title.trim(), description };
      if (config.trim()) body.label_config = config;
      const project = await api.post<Project>("/api/projects", body);
      navigate(`/projects/${project.id}/import`);
    } catch (err) {
      setError(err);
      setSaving(false);
    }
  };

  const configRefused = error instanceof ApiError && Boolean(error.fields.label_config);
  const templateName = template === "custom" ? "Custom" : template?.title;

  return (
    <Page
      title="Create project"
      actions={
        <a class="btn" href="/projects">
          Cancel
        </a>
      }
    >
      <form class="create-project" onSubmit={submit} noValidate>
        <section class="panel form" aria-labelledby="create-name">
          <h2 id="create-name" class="section-title">
            Project name
          </h2>
          <div class="row">
            <label>
              Title
              <input value={title} onInput={(e) => setTitle(e.currentTarget.value)} maxLength={50} placeholder="e.g. Support ticket routing" autoFocus />
              <FieldError error={error} field="title" />
            </label>
            <label>
              <span>
                Description <span class="muted">(optional)</span>
              </span>
              <textarea class="plain-textarea" rows={1} value={description} onInput={(e) => setDescription(e.currentTarget.value)} placeholder="What is labeled here, and why" />
              <FieldError error={error} field="description" />
            </label>
          </div>
        </section>

        <section class="panel" aria-labelledby="create-setup">
          <div class="section-head">
            <h2 id="create-setup" class="section-title">
              Labeling setup
            </h2>
            {!choosing && (
              <>
                <span class="muted">
                  Template: <strong>{templateName}</strong>
                </span>
                <Button class="section-head-action" onClick={() => setChoosing(true)}>
                  Browse templates
                </Button>
              </>
            )}
            {choosing && template && (
              <Button class="section-head-action" onClick={() => setChoosing(false)}>
                Back to the editor
              </Button>
            )}
          </div>
          {choosing ? (
            <TemplateGallery onPick={pick} />
          ) : (
            <ConfigEditor
              value={config}
              onChange={(next) => {
                setConfig(next);
                if (configRefused) setError(null);
              }}
              sample={template && template !== "custom" ? template.sample : undefined}
              saveErrors={configRefused ? configErrorMessages(error) : undefined}
              onValidation={setValidation}
            />
          )}
        </section>

        <div class="form-footer">
          {error && !configRefused && <ErrorMessage error={error} title="The project was not created." />}
          {configRefused && <p class="field-error">The labeling config was refused; see the messages under the editor.</p>}
          {!template && <p class="muted">No template picked yet: you can also set up labeling later, in the project's settings.</p>}
          <div class="form-buttons">
            <a class="btn" href="/projects">
              Cancel
            </a>
            <Button type="submit" variant="primary" disabled={saving || validation.status === "invalid"}>
              {saving ? "Creating…" : "Create project"}
            </Button>
          </div>
        </div>
      </form>
    </Page>
  );
}

function TemplateGallery({ onPick }: { onPick: (template: Template | "custom") => void }) {
  const gallery = useLoad((signal) => api.get<Gallery>("/api/templates", { signal }), []);
  const [search, setSearch] = useState("");
  const [group, setGroup] = useState<string | null>(null);
  const shown = useMemo(() => filterTemplates(gallery.data?.templates ?? [], search, group), [gallery.data, search, group]);

  if (gallery.loading) return <Spinner label="Loading templates…" />;
  if (gallery.error || !gallery.data) {
    return (
      <div class="stack">
        <ErrorMessage error={gallery.error} title="The templates could not be loaded." />
        <p>
          <Button onClick={gallery.reload}>Try again</Button> or{" "}
          <Button onClick={() => onPick("custom")}>write a config yourself</Button>
        </p>
      </div>
    );
  }
  const groups = gallery.data.groups.filter((g) => shown.some((t) => t.group === g));
  return (
    <div class="gallery">
      <div class="gallery-filters">
        <label class="gallery-search">
          <span class="visually-hidden">Search templates</span>
          <input type="search" placeholder="Search templates (e.g. image, NER, audio)" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        </label>
        <div class="chips" role="group" aria-label="Template group">
          <button type="button" class="chip" aria-pressed={group === null} onClick={() => setGroup(null)}>
            All
          </button>
          {gallery.data.groups.map((g) => (
            <button key={g} type="button" class="chip" aria-pressed={group === g} onClick={() => setGroup(group === g ? null : g)}>
              {g}
            </button>
          ))}
        </div>
      </div>

      {!search && !group && (
        <ul class="template-cards">
          <li>
            <button type="button" class="template-card custom" onClick={() => onPick("custom")}>
              <strong>Custom template</strong>
              <span class="muted">Start from a blank config and write the XML yourself.</span>
            </button>
          </li>
        </ul>
      )}
      {groups.length === 0 && <p class="muted">No template matches “{search}”.</p>}
      {groups.map((g) => (
        <section key={g} class="template-group" aria-label={g}>
          <h3>{g}</h3>
          <ul class="template-cards">
            {shown
              .filter((t) => t.group === g)
              .map((t) => (
                <li key={t.slug}>
                  <button type="button" class="template-card" onClick={() => onPick(t)}>
                    <strong>{t.title}</strong>
                    <span class="muted">{t.description}</span>
                    {unsupportedTags(t.config).length > 0 && <span class="template-badge">Not supported by the labeling editor yet</span>}
                  </button>
                </li>
              ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
