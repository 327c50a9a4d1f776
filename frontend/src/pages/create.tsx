// Placeholder until this page is written.
import { Page } from "../ui";

export function CreateProject() {
  return <Page title="CreateProject">{"Coming soon."}</Page>;
}
