// Placeholder until this page is written.
import { Page } from "../ui";

export function ExportPage({ projectId }: { projectId: number }) {
  return <Page title="ExportPage">{String(projectId)}</Page>;
}
