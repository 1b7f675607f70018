"""A small server-sent events reader over a raw socket, for the agent tests:
it sends the request with the client's cookies (and Last-Event-ID), reads
the status line and headers, then parses events as they arrive."""
import socket
import time
from urllib.parse import urlparse


def cookie_header(client):
    return "; ".join(f"{c.name}={c.value}" for c in client.s.cookies)


class SSE:
    def __init__(self, base, path, client=None, last_event_id=None, source_ip=None):
        u = urlparse(base)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=10,
                                             source_address=(source_ip or (client.source_ip if client else "127.0.0.1"), 0))
        lines = [f"GET {path} HTTP/1.1", f"Host: {u.hostname}:{u.port}", "Accept: text/event-stream"]
        if client is not None and client.s.cookies:
            lines.append("Cookie: " + cookie_header(client))
        if last_event_id is not None:
            lines.append(f"Last-Event-ID: {last_event_id}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buf = b""
        self.events = []
        self.status = None
        self.headers = {}
        self.body_prefix = b""
        self._read_head()

    def _recv(self, timeout):
        self.sock.settimeout(max(0.05, timeout))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return True
        if not data:
            return False
        self.buf += data
        return True

    def _read_head(self):
        deadline = time.time() + 10
        while b"\r\n\r\n" not in self.buf:
            if time.time() > deadline or not self._recv(deadline - time.time()):
                raise AssertionError(f"no response head: {self.buf[:300]!r}")
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("utf-8", "replace").split("\r\n")
        self.status = int(lines[0].split()[1])
        for line in lines[1:]:
            k, _, v = line.partition(":")
            self.headers[k.strip().lower()] = v.strip()
        self.chunked = "chunked" in self.headers.get("transfer-encoding", "")
        self.raw = b""

    def _dechunk(self):
        if not self.chunked:
            self.raw += self.buf
            self.buf = b""
            return
        while True:
            i = self.buf.find(b"\r\n")
            if i < 0:
                return
            size = int(self.buf[:i].split(b";")[0] or b"0", 16)
            if len(self.buf) < i + 2 + size + 2:
                return
            self.raw += self.buf[i + 2:i + 2 + size]
            self.buf = self.buf[i + 2 + size + 2:]

    def _parse(self):
        self._dechunk()
        while b"\n\n" in self.raw:
            block, self.raw = self.raw.split(b"\n\n", 1)
            ev = {"event": "message", "data": [], "id": None}
            comment = True
            for line in block.decode("utf-8").split("\n"):
                if line.startswith(":"):
                    continue
                comment = False
                k, _, v = line.partition(":")
                v = v[1:] if v.startswith(" ") else v
                if k == "event":
                    ev["event"] = v
                elif k == "data":
                    ev["data"].append(v)
                elif k == "id":
                    ev["id"] = int(v)
            if comment or not ev["data"]:
                continue
            ev["data"] = "\n".join(ev["data"])
            self.events.append(ev)

    def body_error(self):
        """The JSON error of a refused stream (status >= 400)."""
        import json
        deadline = time.time() + 5
        while time.time() < deadline:
            self._dechunk()
            try:
                return json.loads(self.raw.decode())
            except ValueError:
                if not self._recv(0.2):
                    self._dechunk()
        return json.loads(self.raw.decode())

    def wait(self, pred, timeout=15, what="event"):
        """The first event (in arrival order) satisfying pred, waiting at most timeout seconds."""
        import json
        deadline = time.time() + timeout
        seen = 0
        while True:
            self._parse()
            for ev in self.events[seen:]:
                d = json.loads(ev["data"])
                if pred(ev["event"], d):
                    return ev["event"], d, ev["id"]
            seen = len(self.events)
            if time.time() > deadline:
                raise AssertionError(f"no {what} within {timeout}s; got {[(e['event'], e['data'][:80]) for e in self.events]}")
            if not self._recv(min(0.5, deadline - time.time())):
                self._parse()
                raise AssertionError(f"stream closed while waiting for {what}; got {[e['event'] for e in self.events]}")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
