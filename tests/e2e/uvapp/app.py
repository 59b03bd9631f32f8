"""Serves GET / with the service name, on the port in $PORT (all addresses)."""

import http.server
import os
import sys

PORT = int(os.environ["PORT"])
NAME = os.environ.get("NAME", "uvapp")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"hello from {NAME} ({sys.prefix})\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


print(f"{NAME} listening on {PORT}", flush=True)
http.server.ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
