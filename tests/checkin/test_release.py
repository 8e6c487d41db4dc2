"""A scanner release is named by what it caches: any change to a cached file is a new service worker script, which
browsers install on the scanner's next start online."""

from __future__ import annotations

import json
import re
import shutil

from app.checkin.release import SHELL_FILES, scanner_release
from app.config import PROJECT_ROOT


def test_a_changed_scanner_file_is_a_new_release_and_the_same_files_the_same_one(tmp_path):
    same, changed = (shutil.copytree(PROJECT_ROOT / "static", tmp_path / name) for name in ("same", "changed"))
    (changed / "js" / "scanner.js").write_text((changed / "js" / "scanner.js").read_text() + "\n// a fix\n")
    original = scanner_release(PROJECT_ROOT / "static")
    assert scanner_release(same).name == original.name
    assert scanner_release(changed).name != original.name
    assert scanner_release(changed).service_worker != original.service_worker


async def test_the_served_service_worker_caches_the_shell_under_the_releases_name(browser):
    served = await browser.get("/scan/sw.js")
    assert served.status_code == 200 and served.headers["cache-control"] == "no-cache"
    filled = json.loads(re.search(r"const \{ release: RELEASE, shell: SHELL \} = (\{.*\});", served.text).group(1))
    assert filled["release"] == scanner_release(PROJECT_ROOT / "static").name
    assert filled["shell"][: len(SHELL_FILES)] == [f"/static/{name}" for name in SHELL_FILES]
    for url in filled["shell"]:
        assert (await browser.get(url)).status_code == 200
