// Placeholder until this page is written.
import { Page } from "../ui";

export function ImportPage({ projectId }: { projectId: number }) {
  return <Page title="ImportPage">{String(projectId)}</Page>;
}
