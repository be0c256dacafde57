"""The attacks of issue 12 as bytes built once, sent over a plain socket.

The client does next to no work per request (no JSON encoding, no HTTP library, a zero WebSocket mask), so on a
two-core machine a round measures the server rather than the attacker. Used by `attacks.py` (a normal query's
latency while an attack runs) and `refusal_cost.py` (the server's CPU per refused request).
"""

from __future__ import annotations

import json
import os
import socket
import struct
import time
from dataclasses import dataclass
from pathlib import Path

SUBSCRIPTION = 'subscription { rollupJobUpdated(id: "1") { id state } }'
ENTITIES = ('query($r: [_Any!]!) { _entities(representations: $r) { ... on User { '
            'outcomeResults(courseId: "1", first: 100) { edges { node { id score } } } } } }')
GRADEBOOK = """query Gradebook {
  course(id: "1") {
    name
    outcomes { id title calculationMethod path { parts { name } } }
    outcomeRollups(sortBy: OUTCOME, sortOutcomeId: "201", sortOrder: DESC, first: 5) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { user { name } sections { name } scores { outcome { id } score count title } } }
    }
    outcomeRollupAggregate(stat: MEDIAN) { scores { outcome { title } score count } }
  }
}"""


def fan_out(levels: int = 11) -> str:
    """Finding 1: each fragment spreads the next four times (4**10 fields when expanded, 550 bytes)."""
    frags = [f"fragment F{levels - 1} on Course {{ id name }}"]
    frags += [f"fragment F{i} on Course {{ ...F{i + 1} ...F{i + 1} ...F{i + 1} ...F{i + 1} }}"
              for i in range(levels - 2, -1, -1)]
    return "{ course(id: 1) { ...F0 } } " + " ".join(frags)


def http_post(body: dict, token: str = "", headers: dict | None = None) -> bytes:
    """A whole keep-alive POST /graphql request."""
    content = json.dumps(body).encode()
    head = {"Host": "127.0.0.1", "Content-Type": "application/json", "Content-Length": str(len(content)),
            **({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
    return ("POST /graphql HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items()) + "\r\n").encode() \
        + content


def ws_frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """A client frame, masked with the zero key (legal, and the payload needs no XOR)."""
    n = len(payload)
    length = bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack("!H", n) if n < 65536 \
        else bytes([0x80 | 127]) + struct.pack("!Q", n)
    return bytes([0x80 | opcode]) + length + b"\0\0\0\0" + payload


def ws_json(message: dict) -> bytes:
    return ws_frame(json.dumps(message).encode())


WS_HANDSHAKE = (b"GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                b"Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n")


class Closed(Exception):
    pass


class Connection:
    """One keep-alive connection to the server, reconnected after the server closes it."""

    def __init__(self, port: int):
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def open(self) -> socket.socket:
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
            self.buffer = b""
        return self.sock

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None

    def _read(self) -> None:
        data = self.sock.recv(1 << 20)
        if not data:
            raise Closed
        self.buffer += data

    def _take(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self._read()
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def _head(self) -> bytes:
        while b"\r\n\r\n" not in self.buffer:
            self._read()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        return head

    def http(self, request: bytes) -> tuple[int, bytes]:
        """Sends a request, returns (status, body); status 0 when the server closed without answering."""
        sock = self.open()
        try:
            sock.sendall(request)
        except OSError:  # refused before it read everything: the answer may still be there to read
            pass
        try:
            head = self._head()
            status = int(head.split(b" ", 2)[1])
            fields = {k.strip().lower(): v.strip() for k, _, v in
                      (line.partition(b":") for line in head.split(b"\r\n")[1:])}
            body = self._take(int(fields.get(b"content-length", b"0")))
            if fields.get(b"connection", b"").lower() == b"close":
                self.close()
            return status, body
        except (Closed, OSError):
            self.close()
            return 0, b""

    # --- WebSocket (graphql-transport-ws) ----------------------------------------------------------------------

    def ws_open(self, token: str) -> None:
        self.close()
        sock = self.open()
        sock.sendall(WS_HANDSHAKE)
        status = int(self._head().split(b" ", 2)[1])
        if status != 101:
            raise Closed(f"handshake answered {status}")
        sock.sendall(ws_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert self.ws_receive()[1]["type"] == "connection_ack"

    def ws_receive(self) -> tuple[int, dict | int]:
        """(opcode, the JSON message) for a text frame, (8, close code) for a close frame."""
        first, second = self._take(2)
        n = second & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._take(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._take(8))[0]
        payload = self._take(n)
        opcode = first & 0x0F
        if opcode == 0x8:
            return 8, struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
        return opcode, json.loads(payload) if opcode == 0x1 else {}


def _limit(body: bytes) -> str:
    try:
        extensions = json.loads(body)["errors"][0]["extensions"]
        return extensions.get("limit") or extensions["code"]
    except (ValueError, KeyError, IndexError, TypeError):
        return "not refused"


@dataclass
class Attack:
    """One attack: `send(connection)` makes one attempt and says what the server answered."""
    name: str
    kind: str  # "http", "ws-message" or "ws-operations"
    request: bytes = b""
    token: str = ""
    refused: bool = True  # False for the controls, which the server serves

    def send(self, conn: Connection) -> str:
        if self.kind == "http":
            status, body = conn.http(self.request)
            return f"{status} {_limit(body)}" if status else "closed before answering"
        try:
            conn.ws_open(self.token)
            if self.kind == "ws-message":
                return self._ws_message(conn)
            return self._ws_operations(conn)
        except (Closed, OSError) as e:
            return f"closed ({type(e).__name__})"
        finally:
            conn.close()

    def _ws_message(self, conn: Connection) -> str:
        try:
            conn.sock.sendall(self.request)
        except OSError:
            pass
        try:
            while True:
                opcode, message = conn.ws_receive()
                if opcode == 8:
                    return f"closed {message}"
                if isinstance(message, dict) and message.get("id") == "big":
                    return "executed: not refused"
        except (Closed, OSError):
            return "closed (no close frame)"

    def _ws_operations(self, conn: Connection, count: int = 200) -> str:
        conn.sock.sendall(self.request)
        refused = 0
        for _ in range(count):
            opcode, message = conn.ws_receive()
            if opcode == 8:
                return f"closed {message} after {refused} refused"
            refused += message.get("type") == "error" and message["payload"][0]["extensions"].get("limit") \
                == "socketOperations"
        return f"{refused} of {count} refused (socketOperations)" if refused else "not refused"


def catalogue(token: str, header_mb: float = 1.0, message_mb: float = 3.7) -> list[Attack]:
    """The attacks of issue 12's findings 1, 2, 3, 10 and 11, and two controls the server serves."""
    many = b"".join(ws_json({"id": str(i), "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
                    for i in range(200))
    big = ws_json({"id": "big", "type": "subscribe", "payload": {
        "query": "{ __typename }", "variables": {"x": "y" * int(message_mb * 1_000_000)}}})
    return [
        Attack("(control) { __typename }", "http", http_post({"query": "{ __typename }"}), refused=False),
        Attack("(control) the gradebook query", "http", http_post({"query": GRADEBOOK}, token), refused=False),
        Attack("fragment fan-out (11 x 4 spreads)", "http", http_post({"query": fan_out()})),
        Attack("300,000 tokens (900 KB)", "http", http_post({"query": "{ " + " ".join(["a"] * 300_000) + " }"})),
        Attack("900 KB string literal", "http", http_post({"query": '{ a(s: "' + "x" * 900_000 + '") }'})),
        Attack("_entities: 6,000 x a page of 100", "http", http_post(
            {"query": ENTITIES, "variables": {"r": [{"__typename": "User", "id": "101"}] * 6_000}}, token)),
        Attack(f"Authorization header of {header_mb:g} MB", "http", http_post(
            {"query": "{ viewer { name } }"}, headers={"Authorization": "Bearer " + "x" * int(header_mb * 1e6)})),
        Attack("subscription over HTTP", "http", http_post({"query": SUBSCRIPTION}, token)),
        Attack(f"WebSocket message of {message_mb:g} MB", "ws-message", big, token),
        Attack("200 operations on one WebSocket", "ws-operations", many, token),
    ]


def family(pid: int) -> list[int]:
    """The process and its descendants (`serve --workers N`: the supervisor, its HTTP processes, the job worker)."""
    pids, i = [pid], 0
    while i < len(pids):
        for children in Path(f"/proc/{pids[i]}/task").glob("*/children"):
            try:
                pids += [int(c) for c in children.read_text().split()]
            except OSError:  # ended meanwhile
                pass
        i += 1
    return pids


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU the process and its descendants have used, ended threads included (Linux /proc; clock
    ticks of 10 ms)."""
    total = 0
    for member in family(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(pid: int) -> float:
    """CPU time the process's running threads have used, to the nanosecond (Linux /proc/PID/task/*/schedstat):
    what the server spent over a short span, whatever else the machine is doing."""
    total = 0
    for task in (t for member in family(pid) for t in Path(f"/proc/{member}/task").glob("*")):
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, IndexError, ValueError):  # a thread that ended meanwhile
            pass
    return total / 1e9


def loop(attack: Attack, port: int, stop, seconds: float | None = None) -> tuple[dict[str, int], float]:
    """Sends the attack back to back until `stop` is set (or `seconds` passed); (answers counted, own CPU s)."""
    answers: dict[str, int] = {}
    conn = Connection(port)
    cpu = time.process_time()
    deadline = time.monotonic() + seconds if seconds is not None else None
    while not (stop is not None and stop.is_set()) and (deadline is None or time.monotonic() < deadline):
        answer = attack.send(conn)
        answers[answer] = answers.get(answer, 0) + 1
    conn.close()
    return answers, time.process_time() - cpu
