"""Large bodies kept whole on disk: the spool file, its failures, and the engine's
downloads of more than fits in memory, saved whole, memory bounded, files removed."""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Callable
from pathlib import Path

from app.net.events import Kind
from app.net.http.client.result import RequestSpec
from app.net.http.client.spool import SPOOL_OVER, BodySpool, SpoolPolicy, remove_quietly
from tests.net.http.client.peers import ClientLoop, ScriptedServer, answer, read_head
from tests.net.reactor_harness import poll_until
from tests.process_memory import rss_mb

PIECE = os.urandom(1024 * 1024)  # random: nothing on the way may compress or share it
BIG_PIECES = 200  # a 200 MB download


def test_a_spool_holds_what_was_written_and_discard_removes_it(tmp_path: Path) -> None:
    spool = BodySpool(str(tmp_path))
    spool.write(b"abc")
    spool.write(b"def")
    path = spool.close()
    assert Path(path).read_bytes() == b"abcdef" and spool.size == 6 and not spool.failed
    assert Path(path).parent == tmp_path and Path(path).name.startswith("socket-tester-body-")
    spool.discard()
    assert not Path(path).exists()


def test_a_spool_that_cannot_be_written_says_why_and_leaves_no_file(tmp_path: Path) -> None:
    spool = BodySpool(str(tmp_path / "gone"))
    spool.write(b"abc")
    assert spool.failed and "No such file or directory" in spool.error
    assert spool.close() == "" and list(tmp_path.iterdir()) == []
    remove_quietly("")  # nothing to remove: no error
    remove_quietly(str(tmp_path / "missing.bin"))


def big_download(conn: socket.socket, server: ScriptedServer) -> None:
    while True:
        head = read_head(conn)
        if not head:
            return
        server.record(head)
        if b" /big " in head:
            size = BIG_PIECES * len(PIECE)
            conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode())
            for _ in range(BIG_PIECES):
                conn.sendall(PIECE)
        else:
            conn.sendall(answer(b"small"))


def whole_digest() -> str:
    digest = hashlib.sha256()
    for _ in range(BIG_PIECES):
        digest.update(PIECE)
    return digest.hexdigest()


def file_digest(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def test_a_200_mb_download_is_kept_whole_on_disk_with_bounded_memory(
    client: ClientLoop, serve: Callable[..., ScriptedServer]
) -> None:
    server = serve(big_download)
    start_rss = rss_mb()
    peak = [start_rss]

    def done() -> bool:
        peak[0] = max(peak[0], rss_mb())  # sampled while the body flows
        return len(client.results) > before

    before = client.start(RequestSpec("GET", server.url + "/big"))
    poll_until(done, timeout=120)
    result = client.results[before]
    size = BIG_PIECES * len(PIECE)
    assert result.ok and result.body_size == size == result.wire_size
    assert len(result.body) == SPOOL_OVER and result.body_truncated
    assert result.body == (PIECE * 8)[:SPOOL_OVER]
    assert os.path.getsize(result.body_file) == size
    assert file_digest(result.body_file) == whole_digest()
    # What stays in memory: the first 8 MB, the received row's 16 MB, buffers; not 200 MB.
    assert peak[0] - start_rss < 90, f"RSS grew by {peak[0] - start_rss:.0f} MB"
    (row,) = client.events(Kind.RECEIVED)
    assert row.size > size and len(row.data) < size // 10
    # The next response replaces this one: its file goes.
    small = client.get(server.url + "/small")
    assert small.ok and small.body == b"small" and small.body_file == ""
    assert not os.path.exists(result.body_file)


def test_the_last_spooled_body_is_removed_when_the_engine_closes(
    serve: Callable[..., ScriptedServer], tmp_path: Path
) -> None:
    server = serve(big_download)
    loop = ClientLoop(SpoolPolicy(str(tmp_path), over=1024 * 1024))
    try:
        result = loop.get(server.url + "/big")
        assert result.ok and Path(result.body_file).parent == tmp_path
        assert os.path.getsize(result.body_file) == result.body_size
    finally:
        loop.close()
    assert list(tmp_path.iterdir()) == []


def test_a_body_that_cannot_be_spooled_is_one_line_and_not_kept_whole(
    serve: Callable[..., ScriptedServer], tmp_path: Path
) -> None:
    server = serve(big_download)
    loop = ClientLoop(SpoolPolicy(str(tmp_path / "gone"), over=1024 * 1024))
    try:
        result = loop.get(server.url + "/big")
        assert result.ok and result.body_file == "" and result.body_truncated
        assert len(result.body) == 1024 * 1024
        (line,) = [m for m in loop.messages(Kind.INFO) if "kept whole" in m]
        assert line.startswith("The body could not be kept whole on disk (No such file")
        assert line.endswith("only the first 1.0 MB can be saved")
    finally:
        loop.close()
