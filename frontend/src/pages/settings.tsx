// Placeholder until this page is written.
import { Page } from "../ui";

export function ProjectSettings({ projectId }: { projectId: number }) {
  return <Page title="ProjectSettings">{String(projectId)}</Page>;
}
