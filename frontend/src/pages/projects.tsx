// Placeholder until this page is written.
import { Page } from "../ui";

export function ProjectsList() {
  return <Page title="ProjectsList">{"Coming soon."}</Page>;
}
