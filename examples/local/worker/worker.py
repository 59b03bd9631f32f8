"""A worker: asks the api every second and writes down when it last got an answer."""
import os
import time
import urllib.request

API = os.environ.get("API_URL", "http://127.0.0.1:18481/")

while True:
    try:
        with urllib.request.urlopen(API, timeout=2) as response:
            answer = response.read().decode().strip()
        with open("last-beat.txt.tmp", "w") as f:
            f.write(f"{time.time():.0f} {answer}\n")
        os.replace("last-beat.txt.tmp", "last-beat.txt")
        print("worker: api answered", answer, flush=True)
    except OSError as error:
        print("worker: api did not answer:", error, flush=True)
    time.sleep(1)
