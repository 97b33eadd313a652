"""A stand-in server process for ``start_server``, with scripted misbehaviour.

Usage: ``python standin.py MODE PORT NAME``. Modes:
- ``ok``: serves ``GET /v1/models`` listing NAME, after starting a grandchild that only sleeps
  (stopping must reach the whole process group);
- ``stubborn``: like ``ok`` but ignores SIGTERM (stopping must escalate to SIGKILL);
- ``lone``: like ``ok`` without the grandchild (nothing outlives the server itself);
- ``crash``: prints a reason and exits 3 before answering;
- ``silent``: never answers.
Any mode exits 4 if ``API_KEY`` reached it: the server must not inherit the user's secrets.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer


def main() -> None:
    mode, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if "API_KEY" in os.environ:
        print("API_KEY leaked into the server", flush=True)
        sys.exit(4)
    if mode == "crash":
        print("boom: cannot load the model", flush=True)
        sys.exit(3)
    if mode == "silent":
        time.sleep(3600)
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if mode != "lone":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
        print(f"grandchild {child.pid}", flush=True)
    body = json.dumps({"object": "list", "data": [{"id": name, "object": "model"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/v1/models" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

    HTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
