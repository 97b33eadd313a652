"""A local stand-in for the parts of the Hugging Face Hub API a verigen push uses.

A real HTTP server (``huggingface_hub`` talks to it over sockets, unpatched) that keeps repos
in memory: create repo, file listing, file download (HEAD + GET), YAML validation, pre-upload
(every file "regular", so contents arrive base64 in the commit) and NDJSON commits with adds
and deletes. It is the Hub's protocol as of huggingface_hub 1.x, not its behaviour in full
(no LFS/xet, no auth check beyond requiring a token, no revisions but ``main``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

_RESOLVE = re.compile(r"^/datasets/(?P<repo>[^/]+/[^/]+)/resolve/main/(?P<file>.+)$")
_API = re.compile(r"^/api/datasets/(?P<repo>[^/]+/[^/]+)/(?P<verb>tree|preupload|commit)/main")


class HubStandIn:
    def __init__(self) -> None:
        self.repos: dict[str, dict[str, bytes]] = {}
        self.commits: list[dict[str, Any]] = []
        self.tokens: list[str] = []
        handler = type("Handler", (_Handler,), {"hub": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> HubStandIn:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    hub: HubStandIn

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests assert on state, not on the log."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.hub.tokens.append(self.headers.get("Authorization", ""))
        path = self.path.split("?")[0]
        if path == "/api/repos/create":
            data = json.loads(body)
            repo = f"{data['organization']}/{data['name']}"
            self.hub.repos.setdefault(repo, {})
            return self._json({"url": f"{self.hub.url}/datasets/{repo}", "name": repo})
        if path == "/api/validate-yaml":
            return self._json({})
        match = _API.match(path)
        if match and match["verb"] == "preupload":
            files = json.loads(body)["files"]
            modes = [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                     for f in files]  # fmt: skip
            return self._json({"files": modes})
        if match and match["verb"] == "commit":
            return self._commit(match["repo"], body)
        return self._missing()

    def do_GET(self) -> None:
        self._get(with_body=True)

    def do_HEAD(self) -> None:
        self._get(with_body=False)

    def _get(self, with_body: bool) -> None:
        path = self.path.split("?")[0]
        match = _API.match(path)
        if match and match["verb"] == "tree":
            files = self.hub.repos.get(match["repo"], {})
            listing = [{"type": "file", "path": name, "size": len(data), "oid": _oid(data)}
                       for name, data in sorted(files.items())]  # fmt: skip
            return self._json(listing)
        match = _RESOLVE.match(path)
        data = self.hub.repos.get(match["repo"], {}).get(match["file"]) if match else None
        if data is None:
            return self._missing()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", f'"{_oid(data)}"')
        self.send_header("X-Repo-Commit", "0" * 40)
        self.end_headers()
        if with_body:
            self.wfile.write(data)

    def _commit(self, repo: str, body: bytes) -> None:
        files = self.hub.repos.setdefault(repo, {})
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        for line in lines:
            value = line["value"]
            if line["key"] == "file":
                files[value["path"]] = base64.b64decode(value["content"])
            elif line["key"] == "deletedFile":
                files.pop(value["path"], None)
        self.hub.commits.append({"repo": repo, "lines": lines})
        oid = hashlib.sha1(body).hexdigest()
        self._json({"commitUrl": f"{self.hub.url}/datasets/{repo}/commit/{oid}", "commitOid": oid})

    def _json(self, value: Any) -> None:
        data = json.dumps(value).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _missing(self) -> None:
        self.send_response(404)
        self.send_header("X-Error-Code", "EntryNotFound")
        self.send_header("Content-Length", "0")
        self.end_headers()


def _oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
