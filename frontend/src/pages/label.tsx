// Placeholder until this page is written.
import { Page } from "../ui";

export function Labeling({ projectId }: { projectId: number }) {
  return <Page title="Labeling">{String(projectId)}</Page>;
}
