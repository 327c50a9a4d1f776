"""`GET /api/projects/{id}/drop-location`: where the import page tells people to drop files, on both worlds."""

from __future__ import annotations

import os
from pathlib import Path

from tests.integration.conftest import Api


def test_drop_location_names_the_folder_or_the_bucket_prefix(api, world, project, tmp_path):
    pid = project["id"]
    if world.settings.runtime == "local":
        # Locally: the data dir's drop folder, the one `skylabel start` watches
        status, body = api.call("GET", f"/api/projects/{pid}/drop-location")
        assert (status, body) == (200, {"kind": "folder", "path": f"{tmp_path / 'drop' / str(pid)}{os.sep}"})
        assert Path(body["path"]).parent == Path(world.settings.drop_folder)
        assert Path(body["path"]).is_dir()  # made on first ask, so the user can drop into it at once
    else:
        # In AWS: the files bucket's drop/ prefix, whose notifications feed the import function
        world.settings = world.settings.model_copy(update={"bucket_name": "skylabel-test-files"})
        status, body = api.call("GET", f"/api/projects/{pid}/drop-location")
        assert (status, body) == (200, {"kind": "s3", "path": f"s3://skylabel-test-files/drop/{pid}/"})


def test_drop_location_is_only_for_the_projects_organization(api, project):
    status, stranger = api.call("POST", "/user/signup", token=None,
                                body={"email": "stranger@example.com", "password": "password123"})
    assert status == 201
    status, body = Api(token=stranger["token"]).call("GET", f"/api/projects/{project['id']}/drop-location")
    assert status == 404 and body["detail"] == "No Project matches the given query."
    assert api.call("GET", "/api/projects/999999/drop-location")[0] == 404
    assert api.call("GET", f"/api/projects/{project['id']}/drop-location", token=None)[0] == 401
