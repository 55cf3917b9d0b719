"""`cmr-search serve`: loopback rules, and several worker processes on one socket."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import typer

from cli.serve import _listening_socket, is_loopback

ROOT = Path(__file__).resolve().parents[2]


def test_loopback_hosts() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("[::1]")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")
    # the issuer's rule (`cmr_search.loopback`): 127.0.0.2 is this machine; a zone is not
    assert is_loopback("127.0.0.2") and not is_loopback("[::1%lo]")


def test_connections_on_the_shared_socket_send_at_once() -> None:
    # Nagle's algorithm held every kept-alive response ~40 ms for a delayed ACK when the
    # workers' socket did not name TCP: asyncio turns it off only on sockets that do
    async def nodelay_of_an_accepted_connection() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        sock = _listening_socket("127.0.0.1", 0)
        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        port = sock.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(accepted, 10)
        finally:
            writer.close()
            server.close()

    assert asyncio.run(nodelay_of_an_accepted_connection()) != 0


def test_a_port_in_use_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(typer.Exit):
            _listening_socket("127.0.0.1", taken.getsockname()[1])
    err = capsys.readouterr().err
    assert "cannot listen on 127.0.0.1:" in err and "Traceback" not in err


def test_a_busy_port_is_found_before_the_app_is_built(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """One worker loaded the model for 15 s, said "serving on", then uvicorn's own error."""
    import web.app
    from cli.serve import serve_app
    from cmr_search.settings import Settings

    def built(*args: object, **kwargs: object) -> None:
        raise AssertionError("the app was built before the port was checked")

    monkeypatch.setattr(web.app, "create_app", built)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(typer.Exit):
            serve_app(Settings(data_dir=tmp_path), "127.0.0.1", taken.getsockname()[1])
    assert "cannot listen on 127.0.0.1:" in capsys.readouterr().err


@pytest.mark.parametrize("broken", ["no folder", "no weights"])
def test_a_bad_checkpoint_is_one_line_as_query_says_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], broken: str) -> None:
    """CMR_SEARCH_CHECKPOINT=/nonexistent/ckpt: `query` said "error: ...: not a folder",
    `serve` a 106-line traceback from the warm-up; a card without its weights the same."""
    import shutil

    from cli.serve import serve_app
    from cmr_search.settings import Settings
    from cmrclip.checkpoint import CARD, DEMO_CHECKPOINT

    checkpoint = tmp_path / "ckpt"
    if broken == "no weights":
        checkpoint.mkdir()
        shutil.copy(DEMO_CHECKPOINT / CARD, checkpoint / CARD)
    settings = Settings(data_dir=tmp_path / "data", checkpoint=checkpoint)
    with pytest.raises(typer.Exit) as exited:
        serve_app(settings, "127.0.0.1", _free_port())
    assert exited.value.exit_code == 1
    err = capsys.readouterr().err
    # the settings' folder missing: the setting named (`cli.common.checkpoint_line`)
    said = {"no folder": f"error: CMR_SEARCH_CHECKPOINT={checkpoint}: not a folder",
            "no weights": f"error: {checkpoint}/weights.safetensors: missing"}
    assert said[broken] in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_the_model_check_of_several_workers_finds_a_card_without_weights(
        tmp_path: Path) -> None:
    """`serve --workers 2` asks `model_problem` (the parent loads no model): it read the card
    alone, and a card without its weights file passed; each worker's warm-up then died on
    ".../weights.safetensors: missing", a traceback a worker, again as they respawned."""
    import shutil

    from cli.serve import model_problem
    from cmrclip.checkpoint import CARD, DEMO_CHECKPOINT

    checkpoint = tmp_path / "ckpt"
    checkpoint.mkdir()
    shutil.copy(DEMO_CHECKPOINT / CARD, checkpoint / CARD)
    assert model_problem(str(checkpoint)) == f"{checkpoint}/weights.safetensors: missing"
    assert model_problem(str(DEMO_CHECKPOINT)) is None
    assert model_problem(None) is None  # the demo checkpoint


def test_a_bad_checkpoint_stops_several_workers_in_one_line(tmp_path: Path) -> None:
    """With --workers, each worker loaded the model and died with its traceback, and the
    supervisor started it again; the parent (which must not load torch) asks a child."""
    missing = tmp_path / "ckpt"
    env = {**os.environ, "CMR_SEARCH_DATA_DIR": str(tmp_path / "data"),
           "CMR_SEARCH_CHECKPOINT": str(missing), "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
            [sys.executable, "-c", "from cli.main import main; main()", "serve", "--port",
             str(_free_port()), "--workers", "2"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True) as process:
        try:
            output = process.communicate(timeout=120)[0].decode()
        finally:
            if process.poll() is None:  # still serving: its workers with it
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    assert process.returncode == 1, output
    assert output.strip() == \
        f"error: CMR_SEARCH_CHECKPOINT={missing}: not a folder (the model checkpoint)", output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> set[int]:
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _running(pid: int) -> bool:
    """Alive and not a zombie (a container's init may reap late)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.slow
def test_two_workers_answer_on_one_port_and_stop_together(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "CMR_SEARCH_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-c", "from cli.main import main; main()", "serve", "--port",
         str(port), "--workers", "2"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        workers = _children(process.pid)
        assert len(workers) >= 2  # the two servers (and multiprocessing's resource tracker)
        # the parent serves nothing: it built a whole app, with the model libraries (0.7 GB)
        maps = Path(f"/proc/{process.pid}/maps")
        assert not maps.exists() or "libtorch" not in maps.read_text()
        with httpx.Client(timeout=30) as client:
            for _ in range(6):
                response = client.get(f"http://127.0.0.1:{port}/api/v1/search",
                                      params={"q": "dilated LV"})
                # no index in an empty data folder: one clear line, from either worker
                assert response.status_code == 503 and "index" in response.json()["detail"]
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=60)[0].decode()
    assert "with 2 processes" in output and "Traceback" not in output
    deadline = time.monotonic() + 30
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_running(pid) for pid in workers)


def test_an_identity_provider_the_app_refuses_is_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Only a DatabaseError was caught: an OidcError from building the app was a traceback."""
    import web.app
    from accounts.oidc import OidcError
    from cli.serve import serve_app
    from cmr_search.settings import Settings

    def built(*args: object, **kwargs: object) -> None:
        raise OidcError("OIDC issuer http://idp.example: must be https (http only on loopback)")

    monkeypatch.setattr(web.app, "create_app", built)
    with pytest.raises(typer.Exit):
        serve_app(Settings(data_dir=tmp_path), "127.0.0.1", 0)
    err = capsys.readouterr().err
    assert err.startswith("error: OIDC issuer http://idp.example: must be https") \
        and "Traceback" not in err
