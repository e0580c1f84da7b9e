"""A mail server on loopback for tests and the bench, in one of three states: answering (a minimal SMTP
server that takes every message), hanging (accepts connections and never says a word) or down (refuses them)."""

import socket
import threading


class MailServer:
    def __init__(self, mode="answering"):
        self.port = None
        self.listener = None
        self.accepted = []  # every connection taken, left open while hanging
        self.messages = 0
        self.set_mode(mode)

    def set_mode(self, mode):
        """Switch to "answering", "hanging" or "down"; connections already open keep their state."""
        assert mode in ("answering", "hanging", "down"), mode
        self.mode = mode
        if mode == "down":
            self._stop_listening()
        elif self.listener is None:
            self.listener = socket.create_server(("127.0.0.1", self.port or 0))
            self.port = self.listener.getsockname()[1]
            threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def close(self):
        self._stop_listening()
        for connection in self.accepted:
            connection.close()

    def _stop_listening(self):
        if self.listener is not None:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread waiting in accept(), and stops listening
            self.listener.close()
            self.listener = None

    def _accept(self, listener):
        while True:
            try:
                connection = listener.accept()[0]
            except OSError:
                return
            self.accepted.append(connection)
            if self.mode == "answering":
                threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection):
        with connection, connection.makefile("rb") as lines:
            connection.sendall(b"220 loopback ESMTP\r\n")
            for line in lines:
                command = line[:4].upper()
                if command == b"DATA":
                    connection.sendall(b"354 end with <CRLF>.<CRLF>\r\n")
                    for data in lines:
                        if data == b".\r\n":
                            break
                    self.messages += 1
                    connection.sendall(b"250 queued\r\n")
                elif command == b"QUIT":
                    connection.sendall(b"221 bye\r\n")
                    return
                else:
                    connection.sendall(b"250 ok\r\n")
