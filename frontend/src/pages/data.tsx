// Placeholder until this page is written.
import { Page } from "../ui";

export function DataManager({ projectId }: { projectId: number }) {
  return <Page title="DataManager">{String(projectId)}</Page>;
}
