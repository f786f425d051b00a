#!/usr/bin/python3
"""The map's first-paint and complete times in headless Chromium, read from the marks /map sets
(data-first-paint-ms: start of the script to the first page of points drawn; data-complete-ms: navigation start to
every point drawn). Talks the DevTools protocol over a minimal WebSocket client (standard library only).

    /usr/bin/python3 bench/map/first_paint.py http://127.0.0.1:8080/map [runs]
"""
import base64, json, os, socket, struct, subprocess, sys, tempfile, time, urllib.request

def ws_connect(url):
    host, rest = url[len("ws://"):].split("/", 1)
    h, p = host.split(":")
    s = socket.create_connection((h, int(p)))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(f"GET /{rest} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    buf = b""
    while b"\r\n\r\n" not in buf: buf += s.recv(4096)
    return s

def ws_send(s, text):
    data = text.encode(); mask = os.urandom(4)
    head = bytes([0x81]) + (bytes([0x80 | len(data)]) if len(data) < 126 else bytes([0x80 | 126]) + struct.pack(">H", len(data)))
    s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

def recv_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk: raise EOFError
        out += chunk
    return out

def ws_recv(s):
    b0, b1 = recv_exact(s, 2)
    n = b1 & 0x7f
    if n == 126: n = struct.unpack(">H", recv_exact(s, 2))[0]
    elif n == 127: n = struct.unpack(">Q", recv_exact(s, 8))[0]
    return recv_exact(s, n).decode(errors="replace")

def main():
    url = sys.argv[1]; runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    profile = tempfile.mkdtemp()
    port = 9300 + os.getpid() % 500
    chrome = subprocess.Popen(["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                               f"--remote-debugging-port={port}", f"--user-data-dir={profile}", "about:blank"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json")); break
            except Exception: time.sleep(0.2)
        page = next(t for t in targets if t["type"] == "page")
        s = ws_connect(page["webSocketDebuggerUrl"])
        seq = [0]
        def call(method, **params):
            seq[0] += 1; ws_send(s, json.dumps({"id": seq[0], "method": method, "params": params}))
            while True:
                msg = json.loads(ws_recv(s))
                if msg.get("id") == seq[0]: return msg.get("result", {})
        results = []
        for run in range(runs):
            call("Network.enable"); call("Network.setCacheDisabled", cacheDisabled=True)
            call("Page.navigate", url=url)
            start = time.time()
            while time.time() - start < 300:
                r = call("Runtime.evaluate", returnByValue=True, expression=
                         "(() => { const c = document.getElementById('map'); return c && c.dataset.ready === 'true' ? "
                         "[c.dataset.firstPaintMs, c.dataset.completeMs, c.dataset.pointsLoaded] : null; })()")
                v = r.get("result", {}).get("value")
                if v: results.append(v); break
                time.sleep(0.05)
            print(f"run {run + 1}: first paint {results[-1][0]} ms, all {results[-1][2]} points drawn at {results[-1][1]} ms", flush=True)
    finally:
        chrome.kill(); chrome.wait()

main()
