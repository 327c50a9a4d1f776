// The projects list (/projects): the organization's projects as cards, newest first, with how far the
// labeling has got, and the way to create one. Page number and title search live in the URL
// (?page=2&search=cats) so reload, back and shared links keep the same view.
import { useEffect, useState } from "preact/hooks";
import { ApiError, api } from "../api";
import { navigate, useLocation } from "../router";
import type { Page as ApiPage, Project } from "../types";
import { Empty, ErrorMessage, Page, ProgressBar, Spinner, formatDate, plural, useLoad } from "../ui";
import "../styles/projects.css";

export const PAGE_SIZE = 24;

/** The list URL for a page and search, leaving out defaults so the plain list stays `/projects`. */
export function listUrl(page: number, search: string): string {
  const params = new URLSearchParams();
  if (search) params.set("search", search);
  if (page > 1) params.set("page", String(page));
  const text = params.toString();
  return text ? `/projects?${text}` : "/projects";
}

export function ProjectsList() {
  const { query } = useLocation();
  const page = Math.max(1, Number(query.get("page")) || 1);
  const search = query.get("search") ?? "";
  const [draft, setDraft] = useState(search);
  useEffect(() => setDraft(search), [search]);

  // Typing filters after a short pause, replacing the history entry so Back leaves the page, not each letter.
  useEffect(() => {
    if (draft.trim() === search) return;
    const timer = window.setTimeout(() => navigate(listUrl(1, draft.trim()), { replace: true }), 300);
    return () => window.clearTimeout(timer);
  }, [draft]);

  const projects = useLoad(
    (signal) => api.get<ApiPage<Project>>("/api/projects", { query: { page, page_size: PAGE_SIZE, title: search || undefined }, signal }),
    [page, search],
  );
  const pages = projects.data ? Math.max(1, Math.ceil(projects.data.count / PAGE_SIZE)) : 1;
  const pastTheEnd = projects.error instanceof ApiError && projects.error.status === 404 && page > 1;
  const nothingYet = projects.data?.count === 0 && !search;

  return (
    <Page
      title="Projects"
      actions={
        <a class="btn btn-primary" href="/projects/new">
          Create project
        </a>
      }
    >
      {!nothingYet && (
        <div class="projects-toolbar">
          <label class="projects-search">
            <span class="visually-hidden">Search projects by title</span>
            <input type="search" placeholder="Search projects by title" value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
          </label>
          {projects.data && (
            <span class="muted" aria-live="polite">
              {plural(projects.data.count, "project")}
            </span>
          )}
        </div>
      )}

      {projects.loading && !projects.data && <Spinner label="Loading projects…" />}
      {pastTheEnd ? (
        <Empty title="There is no such page">
          <p>
            <a href={listUrl(1, search)}>Back to the first page</a>
          </p>
        </Empty>
      ) : (
        projects.error && (
          <div class="stack">
            <ErrorMessage error={projects.error} title="The projects could not be loaded." />
            <p>
              <button type="button" class="btn" onClick={projects.reload}>
                Try again
              </button>
            </p>
          </div>
        )
      )}

      {nothingYet && (
        <Empty title="Create your first project">
          <p class="muted">
            A project holds the data to label, the labeling setup (what annotators mark and how) and the annotations.
            Pick a ready template, import your data, label, then export.
          </p>
          <p>
            <a class="btn btn-primary" href="/projects/new">
              Create project
            </a>
          </p>
        </Empty>
      )}
      {projects.data && projects.data.count === 0 && search && (
        <Empty title={`No project title contains “${search}”`}>
          <p>
            <a href="/projects">Show all projects</a>
          </p>
        </Empty>
      )}

      {projects.data && projects.data.results.length > 0 && !projects.error && (
        <ul class={`project-cards${projects.loading ? " stale" : ""}`}>
          {projects.data.results.map((project) => (
            <li key={project.id}>
              <ProjectCard project={project} />
            </li>
          ))}
        </ul>
      )}

      {projects.data && pages > 1 && !projects.error && (
        <nav class="pager" aria-label="Pages">
          {page > 1 ? <a href={listUrl(page - 1, search)} class="btn" rel="prev">← Previous</a> : <span />}
          <span class="muted">
            Page {page} of {pages}
          </span>
          {page < pages ? <a href={listUrl(page + 1, search)} class="btn" rel="next">Next →</a> : <span />}
        </nav>
      )}
    </Page>
  );
}

function ProjectCard({ project }: { project: Project }) {
  const tasks = project.task_number ?? 0;
  const done = project.num_tasks_with_annotations ?? 0;
  const color = project.color && !/^#f{3}(f{3})?$/i.test(project.color) ? project.color : undefined;
  return (
    <a class="project-card" href={`/projects/${project.id}/data`} style={color ? { borderTopColor: color } : undefined}>
      <h2 class="project-card-title">{project.title || `Project #${project.id}`}</h2>
      {project.description ? <p class="project-card-description">{project.description}</p> : <p class="project-card-description muted">No description</p>}
      <dl class="project-card-counts">
        <Count value={tasks} label="tasks" />
        <Count value={done} label="annotated" />
        <Count value={project.total_annotations_number ?? 0} label="annotations" />
        <Count value={project.total_predictions_number ?? 0} label="predictions" />
      </dl>
      <ProgressBar value={done} max={tasks} label={`${project.title}: ${done} of ${tasks} tasks annotated`} />
      <p class="project-card-meta muted">
        {tasks === 0 ? "No tasks yet" : `${done.toLocaleString()} of ${plural(tasks, "task")} annotated`}
        <span aria-hidden="true"> · </span>
        <time dateTime={project.created_at} title={formatDate(project.created_at)}>
          Created {shortDate(project.created_at)}
        </time>
      </p>
    </a>
  );
}

function Count({ value, label }: { value: number; label: string }) {
  // dt must come first in the markup; CSS shows the number first ("3 annotations"), as it reads best.
  return (
    <div>
      <dt>{label}</dt>
      <dd>{value.toLocaleString()}</dd>
    </div>
  );
}

/** "27 Nov 2026": the day is enough on a card; the full time is in the tooltip. */
export function shortDate(value: string | undefined | null): string {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
}
