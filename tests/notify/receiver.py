"""A webhook receiver on 127.0.0.1 (http.server in a thread) that records every POST."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    client_port: int = 0

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """`status` is what it answers (after `delay` seconds); `hold` makes the first request wait until released
    (to kill a worker in the middle of a delivery). `answered` are the requests that got
    a response; `received` every request whose body arrived. `keep_alive` answers with
    HTTP/1.1 persistent connections (`client_port` then tells connections apart)."""

    status: int = 200
    hold_first: bool = False
    delay: float = 0.0
    keep_alive: bool = False
    received: list[Received] = field(default_factory=list)
    answered: list[Received] = field(default_factory=list)
    first_arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""


def start_receiver(**options) -> tuple[Receiver, ThreadingHTTPServer]:
    state = Receiver(**options)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1" if state.keep_alive else "HTTP/1.0"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            item = Received(
                headers={k.lower(): v for k, v in self.headers.items()}, body=body, client_port=self.client_address[1]
            )
            with state.lock:
                state.received.append(item)
                first = len(state.received) == 1
            if first and state.hold_first:
                state.first_arrived.set()
                state.release.wait(60)
                return  # never answer: the sender died waiting
            if state.delay:
                time.sleep(state.delay)
            try:
                self.send_response(state.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                return
            with state.lock:
                state.answered.append(item)

        def log_message(self, format, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state, server
