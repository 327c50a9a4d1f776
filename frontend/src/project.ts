// The project a page is about, shared by the project's tabs (data, label, import, export, settings).
import { api } from "./api";
import type { Project } from "./types";
import { useLoad, type Loaded } from "./ui";

export function useProject(id: number): Loaded<Project> {
  return useLoad((signal) => api.get<Project>(`/api/projects/${id}`, { signal }), [id]);
}

/** The data keys the labeling config reads (`$text` → "text"), in config order. */
export function dataKeys(project: Pick<Project, "parsed_label_config">): string[] {
  const keys: string[] = [];
  for (const control of Object.values(project.parsed_label_config ?? {})) {
    for (const input of control.inputs ?? []) {
      if (input.value && !keys.includes(input.value)) keys.push(input.value);
    }
  }
  return keys;
}
