// The app's frame: a top bar, the project tabs when a project is open, and the page the path names.
// Pages are plain components; a signed-out visitor is sent to sign-in, remembering where they were going.
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { setUnauthorizedHandler } from "./api";
import { SignIn, SignUp } from "./pages/auth";
import { CreateProject } from "./pages/create";
import { DataManager } from "./pages/data";
import { ExportPage } from "./pages/export";
import { ImportPage } from "./pages/import";
import { Labeling } from "./pages/label";
import { ModelsPage } from "./pages/models";
import { ProjectsList } from "./pages/projects";
import { ProjectSettings } from "./pages/settings";
import { match, navigate, onLinkClick, useLocation } from "./router";
import { forgetSession, loadSession, signOut, useSession } from "./session";
import { Spinner } from "./ui";

setUnauthorizedHandler(forgetSession);

const PUBLIC = ["/signin", "/signup"];

const PROJECT_TABS: [string, string][] = [
  ["data", "Data"],
  ["label", "Label"],
  ["import", "Import"],
  ["export", "Export"],
  ["models", "Models"],
  ["settings", "Settings"],
];

function projectPage(tab: string, id: number) {
  switch (tab) {
    case "data":
      return <DataManager projectId={id} />;
    case "label":
      return <Labeling projectId={id} />;
    case "import":
      return <ImportPage projectId={id} />;
    case "export":
      return <ExportPage projectId={id} />;
    case "models":
      return <ModelsPage projectId={id} />;
    case "settings":
      return <ProjectSettings projectId={id} />;
    default:
      return null;
  }
}

function NotFound() {
  return (
    <section class="page">
      <h1>Page not found</h1>
      <p>
        <a href="/projects">Go to your projects</a>
      </p>
    </section>
  );
}

function Frame({ children, projectId, tab }: { children: ComponentChildren; projectId?: number; tab?: string }) {
  const session = useSession();
  const user = session.status === "signed-in" ? session.user : null;
  return (
    <div class="frame">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="/projects">
          Skylabel
        </a>
        {projectId !== undefined && (
          <nav class="tabs" aria-label="Project">
            <a href="/projects">Projects</a>
            <span class="crumb-sep" aria-hidden="true">
              /
            </span>
            {PROJECT_TABS.map(([key, label]) => (
              <a key={key} href={`/projects/${projectId}/${key}`} aria-current={tab === key ? "page" : undefined}>
                {label}
              </a>
            ))}
          </nav>
        )}
        <div class="spacer" />
        {user && (
          <div class="account">
            <span class="account-name" title={user.email}>
              {user.email}
            </span>
            <button type="button" class="btn btn-plain" onClick={() => void signOut().then(() => navigate("/signin"))}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

export function App() {
  const { path, query } = useLocation();
  const session = useSession();
  useEffect(() => {
    void loadSession();
    document.addEventListener("click", onLinkClick);
    return () => document.removeEventListener("click", onLinkClick);
  }, []);
  useEffect(() => {
    if (session.status === "anonymous" && !PUBLIC.includes(path)) {
      const next = path === "/" || path === "/signin" ? "" : `?next=${encodeURIComponent(path + location.search)}`;
      navigate(`/signin${next}`, { replace: true });
    }
    if (session.status === "signed-in" && (PUBLIC.includes(path) || path === "/")) {
      const next = query.get("next");
      navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/projects", { replace: true });
    }
  }, [session.status, path]);

  if (session.status === "loading") return <Spinner />;
  if (path === "/signin") return <SignIn />;
  if (path === "/signup") return <SignUp />;
  if (session.status !== "signed-in") return <Spinner />;

  if (path === "/projects") return <Frame><ProjectsList /></Frame>;
  if (path === "/projects/new") return <Frame><CreateProject /></Frame>;
  const project = match("/projects/:id", path) ?? match("/projects/:id/:tab", path);
  if (project && /^\d+$/.test(project.id!)) {
    const id = Number(project.id);
    const tab = project.tab ?? "data";
    const page = projectPage(tab, id);
    if (page) return <Frame projectId={id} tab={tab}>{page}</Frame>;
  }
  return <Frame><NotFound /></Frame>;
}
