"""What an installed door scanner keeps on the device (its shell) and which release it is: a hash of those files,
filled into the service worker (static/js/scanner-sw.js) so that a new release is a new script, which the browser
installs on the scanner's next start online."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# Under the static directory, served at /static/.
SHELL_FILES = (
    "css/scanner.css",
    "js/scanner.js",
    "vendor/jsqr/jsQR-1.4.0.js",
    "icons/scanner-192.png",
    "icons/scanner-512.png",
)
SHELL_ROUTES = ("/scan/manifest.webmanifest",)  # SCANNER_MANIFEST, served by app/checkin/pages.py
SERVICE_WORKER = "js/scanner-sw.js"
SCANNER_MANIFEST = {
    "name": "Usher door scanner",
    "short_name": "Usher scan",
    "start_url": "/scan",
    "scope": "/scan",
    "display": "standalone",
    "orientation": "portrait",
    "background_color": "#111827",
    "theme_color": "#111827",
    "icons": [
        {"src": "/static/icons/scanner-192.png", "sizes": "192x192", "type": "image/png"},
        {
            "src": "/static/icons/scanner-512.png",
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "any maskable",
        },
    ],
}
# The literal in the service worker that the server replaces (the script also runs as it is: nothing cached).
UNRELEASED = '{ release: "unreleased", shell: [] }'


@dataclass(frozen=True)
class ScannerRelease:
    name: str  # a hash of the service worker and the shell files
    service_worker: str  # the script, with the release and the shell's URLs filled in


@cache
def scanner_release(static_dir: Path) -> ScannerRelease:
    """Read once per process: a release is a restart."""
    digest = hashlib.sha256()
    for name in (SERVICE_WORKER, *SHELL_FILES):
        digest.update(name.encode() + b"\0" + (static_dir / name).read_bytes())
    digest.update(json.dumps(SCANNER_MANIFEST).encode())
    name = digest.hexdigest()[:16]
    script = (static_dir / SERVICE_WORKER).read_text()
    if UNRELEASED not in script:
        raise RuntimeError(f"{SERVICE_WORKER} has lost its release placeholder {UNRELEASED}")
    shell = [f"/static/{file}" for file in SHELL_FILES] + list(SHELL_ROUTES)
    filled = json.dumps({"release": name, "shell": shell})
    return ScannerRelease(name, script.replace(UNRELEASED, filled))
