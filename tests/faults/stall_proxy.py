"""A TCP proxy on 127.0.0.1 that can stop forwarding: a database host that stops answering
without refusing, as a frozen server or a network path that holds packets looks to a client.

Stalled, it neither reads from nor writes to any connection and accepts no new one, but the
kernel still completes new TCP handshakes into the listen backlog, as for a SIGSTOPped server.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading


class StallingProxy:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.listener.getsockname()[1]
        self.flowing = threading.Event()
        self.flowing.set()
        self.closed = threading.Event()
        self.peers: dict[socket.socket, socket.socket] = {}
        self.thread = threading.Thread(target=self._run, name="stalling-proxy", daemon=True)
        self.thread.start()

    def stall(self) -> None:
        self.flowing.clear()

    def resume(self) -> None:
        self.flowing.set()

    def close(self) -> None:
        self.closed.set()
        self.flowing.set()
        self.thread.join(5)
        for sock in [self.listener, *self.peers]:
            with contextlib.suppress(OSError):
                sock.close()

    def _run(self) -> None:
        while not self.closed.is_set():
            if not self.flowing.wait(0.05):
                continue
            readable, _, _ = select.select([self.listener, *self.peers], [], [], 0.05)
            for sock in readable:
                if not self.flowing.is_set():
                    break
                if sock is self.listener:
                    self._accept()
                else:
                    self._forward(sock)

    def _accept(self) -> None:
        client, _ = self.listener.accept()
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        self.peers[client], self.peers[upstream] = upstream, client

    def _forward(self, sock: socket.socket) -> None:
        peer = self.peers.get(sock)
        if peer is None:
            return
        try:
            data = sock.recv(65536)
            if data:
                peer.sendall(data)
                return
        except OSError:
            pass
        for end in (sock, peer):
            self.peers.pop(end, None)
            with contextlib.suppress(OSError):
                end.close()
