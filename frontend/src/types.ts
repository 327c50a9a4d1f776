// The shapes of Label Studio's API answers that the app reads (a subset: fields it does not use are omitted).

export interface User {
  id: number;
  email: string;
  first_name: string;
  last_name: string;
  username?: string;
  initials?: string;
}

export interface Project {
  id: number;
  title: string;
  description: string;
  label_config: string;
  expert_instruction: string;
  show_instruction: boolean;
  show_skip_button: boolean;
  enable_empty_annotation: boolean;
  maximum_annotations: number;
  sampling: string;
  color: string;
  created_at: string;
  task_number: number;
  num_tasks_with_annotations: number;
  total_annotations_number: number;
  total_predictions_number: number;
  skipped_annotations_number: number;
  finished_task_number: number;
  parsed_label_config: Record<string, { type: string; to_name: string[]; inputs: { type: string; value: string }[]; labels: string[] }>;
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export interface AnnotationResult {
  id?: string;
  from_name: string;
  to_name: string;
  type: string;
  value: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Annotation {
  id: number;
  task: number;
  result: AnnotationResult[];
  was_cancelled: boolean;
  completed_by: number | { id: number; email?: string };
  created_at: string;
  updated_at: string;
  lead_time?: number | null;
}

export interface Prediction {
  id: number;
  task: number;
  result: AnnotationResult[];
  score: number | null;
  model_version: string;
}

export interface Draft {
  id: number;
  task: number;
  annotation: number | null;
  result: AnnotationResult[];
  lead_time?: number | null;
  updated_at?: string;
}

export interface Task {
  id: number;
  data: Record<string, unknown>;
  project?: number;
  created_at?: string;
  updated_at?: string;
  is_labeled?: boolean;
  total_annotations?: number;
  cancelled_annotations?: number;
  total_predictions?: number;
  annotators?: (number | { id: number })[];
  annotations?: Annotation[];
  predictions?: Prediction[];
  drafts?: Draft[];
}

export interface Template {
  slug: string;
  title: string;
  group: string;
  description: string;
  tags: string[];
  config: string;
  sample: Record<string, unknown>;
}
