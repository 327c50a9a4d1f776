"""Project lifecycle, scoped to the caller's organization.

A project of another organization is answered exactly like a missing one (404), so ids leak nothing.
Counters live on the project item and change with `add` in the same transaction as the task,
annotation or prediction that changes them.
"""

from __future__ import annotations

from skylabel import ids, keys
from skylabel.context import Actor, Context
from skylabel.errors import Invalid, NotFound, not_found
from skylabel.labeling_config import LabelConfig, parse_label_config
from skylabel.labeling_config.usage import check_compatible
from skylabel.ports import Condition, ConditionFailed
from skylabel.projects.models import COUNTERS, DEFAULTS, ProjectIn
from skylabel.timeutil import iso
from skylabel.users.service import UserService

MAX_PAGE_SIZE = 100


class ProjectService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.items

    def create(self, actor: Actor, body: ProjectIn) -> dict:
        fields = {**DEFAULTS, **{k: v for k, v in body.changes().items() if v is not None}}
        config = parse_label_config(fields["label_config"])
        project_id = ids.allocate_one(self.store, "project")
        now = iso(self.ctx.clock())
        pk, sk = keys.project(project_id)
        item = {
            "pk": pk,
            "sk": sk,
            "gsi1pk": keys.org_projects(actor.organization_id),
            "gsi1sk": keys.pad(project_id),
            **fields,
            "label_config": config.xml,
            "id": project_id,
            "organization": actor.organization_id,
            "created_by": actor.user_id,
            "created_at": now,
            "updated_at": now,
            "next_inner_id": 0,
            "version": 1,
            **{name: 0 for name in COUNTERS},
        }
        self.store.put(item, Condition.not_exists())
        return item

    def get_item(self, actor: Actor, project_id: int) -> dict:
        item = self.store.get(*keys.project(project_id))
        if item is None or item.get("organization") != actor.organization_id:
            raise not_found("Project")
        return item

    def update(self, actor: Actor, project_id: int, body: ProjectIn) -> dict:
        changes = body.changes()
        current = self.get_item(actor, project_id)
        if changes.get("label_config") is not None:
            changes["label_config"] = self.check_config(actor, project_id, changes["label_config"]).xml
        if "title" in changes and changes["title"] is None:
            raise Invalid("This field may not be null.", {"title": ["This field may not be null."]})
        changes = {k: v for k, v in changes.items() if v is not None or k in ("pinned_at", "auto_accept_threshold")}
        changes["updated_at"] = iso(self.ctx.clock())
        try:
            # Settings edits are last-writer-wins per field; the condition only guards against a deleted project.
            return self.store.update(*keys.project(project_id), set=changes,
                                     condition=Condition.equals("organization", current["organization"]))
        except ConditionFailed:
            raise not_found("Project") from None

    def check_config(self, actor: Actor, project_id: int, xml: str | None) -> LabelConfig:
        """Validate a new config for this project: statically, then against what its annotations use."""
        self.get_item(actor, project_id)
        if not (xml or "").strip():
            raise Invalid("Label config is not set or is empty", {"label_config": ["This field is required."]})
        config = parse_label_config(xml)
        summary = self.store.get(*keys.project_summary(project_id)) or {}
        check_compatible(config, {k: v for k, v in summary.items() if isinstance(v, int) and k[:2] in ("r:", "l:")})
        return config

    def list(self, actor: Actor, *, page: int, page_size: int, title: str | None = None,
             id_filter: list[int] | None = None) -> tuple[int, list[dict]]:
        """Newest first, Label Studio's DRF paging: 404 "Invalid page." past the end."""
        page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        partition = keys.org_projects(actor.organization_id)
        if title or id_filter:
            items = self.store.query(partition, index="gsi1", forward=False).items
            if title:
                items = [p for p in items if title.lower() in p.get("title", "").lower()]
            if id_filter:
                wanted = set(id_filter)
                items = [p for p in items if p["id"] in wanted]
            total = len(items)
            window = items[(page - 1) * page_size: page * page_size]
        else:
            total = self.store.count(partition, index="gsi1")
            window = self.store.query(partition, index="gsi1", forward=False, skip=(page - 1) * page_size,
                                      limit=page_size).items
        if page < 1 or (page > 1 and not window):
            raise NotFound("Invalid page.")
        return total, window

    def delete(self, actor: Actor, project_id: int) -> None:
        """Remove the project at once; its tasks and their labels are removed right after, in batches."""
        self.get_item(actor, project_id)
        self.store.delete(*keys.project(project_id))
        from skylabel.tasks.index import TaskIndex
        from skylabel.tasks.service import TaskService  # tasks depend on projects, not the reverse

        TaskService(self.ctx).delete_all_items(project_id)
        TaskIndex(self.store).drop_markers(project_id)
        self.store.delete(*keys.project_summary(project_id))
        from skylabel.ml.jobs import delete_project_ml  # ml depends on projects, not the reverse

        delete_project_ml(self.ctx, project_id)

    def represent(self, item: dict, *, users: UserService | None = None) -> dict:
        """The Label Studio Project object."""
        config = parse_label_config(item.get("label_config"))
        out = {k: item.get(k, v) for k, v in DEFAULTS.items()}
        counters = {name: item.get(name, 0) for name in COUNTERS}
        created_by = (users or UserService(self.ctx)).brief(item.get("created_by"))
        out.update(
            {
                "id": item["id"],
                "organization": item["organization"],
                "created_by": created_by,
                "created_at": item["created_at"],
                "updated_at": item.get("updated_at"),
                **counters,
                "useful_annotation_number": counters["total_annotations_number"],
                "queue_total": counters["task_number"],
                "queue_done": counters["finished_task_number"],
                "config_has_control_tags": bool(config.controls),
                "parsed_label_config": config.parsed,
                "control_weights": config.control_weights(),
                "config_suitable_for_bulk_annotation": False,
                "state": "created",
                "data_types": {o["value"]: o["type"] for o in config.objects.values()},
            }
        )
        return out
