"""A tiny JSON API: GET / answers with a greeting, GET /health says ok."""
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = 18481


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            body = b"ok\n"
        else:
            body = json.dumps({"greeting": os.environ.get("GREETING", "hello")}).encode() + b"\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("api:", fmt % args, flush=True)


if __name__ == "__main__":
    print(f"api listening on 127.0.0.1:{PORT}", flush=True)
    ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
