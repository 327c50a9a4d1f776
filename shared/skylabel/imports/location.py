"""Where a dropped file becomes tasks of a project, for the import page to show.

Locally it is a folder under the data dir (watched by infrastructure/local/drops.py), created on first ask so a
user can drop into it straight away; in AWS it is the `drop/<project-id>/` prefix of the files bucket, whose
ObjectCreated events feed the import function. Both import the same way, so the page only has to say where.
"""

from __future__ import annotations

import os
from pathlib import Path

from skylabel.context import Actor, Context
from skylabel.errors import NotFound
from skylabel.projects.service import ProjectService


def drop_location(ctx: Context, actor: Actor, project_id: int) -> dict:
    ProjectService(ctx).get_item(actor, project_id)
    settings = ctx.settings
    if settings.drop_folder:
        folder = Path(settings.drop_folder) / str(project_id)
        folder.mkdir(parents=True, exist_ok=True)
        return {"kind": "folder", "path": str(folder) + os.sep}
    if settings.bucket_name:
        return {"kind": "s3", "path": f"s3://{settings.bucket_name}/drop/{project_id}/"}
    raise NotFound("This server has no drop location configured: import files through the upload instead.")
