"""`rag serve` password handling (probe L7): sources, empty passwords, warnings, throttled guesses."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from types import SimpleNamespace

import pytest

from rag import ConfigError
from rag.cli.main import build_parser, serve_password
from tests.conftest import REPO
from ui.app import exposure_warnings
from ui.auth import PasswordGate, TooManyAttempts, WrongPassword


def serve_args(*extra: str):
    return build_parser().parse_args(["serve", *extra])


def test_the_password_comes_from_a_file_the_option_or_the_environment(tmp_path, capsys):
    secret = tmp_path / "pw"
    secret.write_text("from file\nignored second line\n", encoding="utf-8")
    assert serve_password(serve_args("--password-file", str(secret)), {}) == "from file"
    assert serve_password(serve_args(), {"RAG_PASSWORD": "from env"}) == "from env"
    assert serve_password(serve_args(), {}) is None
    assert serve_password(serve_args("--password", "typed"), {"RAG_PASSWORD": "env"}) == "typed"
    assert "visible to other users" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "env"),
    [(("--password", ""), {}), ((), {"RAG_PASSWORD": ""}), (("--password-file", "EMPTY"), {})],
)
def test_an_empty_password_is_refused(tmp_path, args, env):
    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="utf-8")
    args = tuple(str(empty) if a == "EMPTY" else a for a in args)
    with pytest.raises(ConfigError, match="must not be empty"):
        serve_password(serve_args(*args), env)


def test_rag_serve_with_an_empty_password_stops_with_one_line(tmp_path):
    """Before: the server started, and rebuilding worked with an empty password."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-m", "rag", "--index", str(tmp_path / "none"), "serve", "--password", "", "--no-rebuild"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert out.returncode == 1
    assert "must not be empty" in out.stderr and "Traceback" not in out.stderr


def test_exposure_warnings():
    assert exposure_warnings("127.0.0.1", False, None) == []
    assert any("--share" in w for w in exposure_warnings("127.0.0.1", True, None))
    assert any("0.0.0.0" in w for w in exposure_warnings("0.0.0.0", False, None))
    assert exposure_warnings("0.0.0.0", True, "secret") == []


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_wrong_guesses_are_refused_for_a_growing_delay_per_client():
    clock = Clock()
    gate = PasswordGate("right", clock)
    for _ in range(PasswordGate.FREE_ATTEMPTS):
        with pytest.raises(WrongPassword):
            gate.check("wrong", "10.0.0.1")
    with pytest.raises(TooManyAttempts) as caught:
        gate.check("right", "10.0.0.1")  # refused without comparing, even when right
    assert caught.value.retry_after == 1
    gate.check("right", "10.0.0.2")  # another client is not affected
    clock.now += 1.01
    with pytest.raises(WrongPassword):
        gate.check("wrong again", "10.0.0.1")
    with pytest.raises(TooManyAttempts) as caught:
        gate.check("right", "10.0.0.1")
    assert caught.value.retry_after == 2  # doubled
    clock.now += 2.01
    gate.check("right", "10.0.0.1")  # a right password clears the count
    with pytest.raises(WrongPassword):
        gate.check("wrong", "10.0.0.1")


def test_guessing_from_many_addresses_is_slowed_down_too():
    """Probe N4: 300 guesses from forged addresses were never throttled; all clients share a failure budget."""
    clock = Clock()
    gate = PasswordGate("right", clock)
    for n in range(PasswordGate.GLOBAL_FREE_ATTEMPTS):
        with pytest.raises(WrongPassword):
            gate.check("wrong", f"10.1.{n // 250}.{n % 250}")  # one guess per address: none is blocked alone
    with pytest.raises(TooManyAttempts) as caught:
        gate.check("right", "10.9.9.9")  # a new address, even with the right password, waits
    assert caught.value.retry_after == 1
    clock.now += 1.01
    with pytest.raises(WrongPassword):
        gate.check("wrong", "10.9.9.9")
    with pytest.raises(TooManyAttempts) as caught:
        gate.check("right", "10.9.9.8")
    assert caught.value.retry_after == 2  # doubled for everyone
    clock.now += PasswordGate.GLOBAL_WINDOW + 1  # the budget ages out
    gate.check("right", "10.9.9.8")


def test_concurrent_guesses_cannot_slip_past_the_block():
    gate = PasswordGate("right")
    outcomes: list[str] = []

    def guess(n: int) -> None:
        try:
            gate.check(f"wrong {n}", "10.0.0.1")
        except (WrongPassword, TooManyAttempts) as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes.count("WrongPassword") == PasswordGate.FREE_ATTEMPTS, outcomes


def test_the_server_takes_the_client_address_from_the_socket_not_x_forwarded_for():
    """Probe N4: uvicorn trusted X-Forwarded-For from 127.0.0.1, so a local client could pick any address."""
    from ui.guard import HostNames, _Uvicorn

    class FakeUvicorn:
        def Config(self, **kwargs):  # noqa: N802
            return SimpleNamespace(**kwargs)

    config = _Uvicorn(FakeUvicorn(), HostNames("127.0.0.1")).Config(app=None, port=1, host="127.0.0.1")
    assert config.proxy_headers is False


@pytest.mark.parametrize("given", [None, 1234, ["right"], {"p": "right"}, "right ", "righ", "\ud800"])
def test_only_the_exact_string_opens(given):
    gate = PasswordGate("right")
    with pytest.raises(WrongPassword):
        gate.check(given, "c")


def test_no_password_means_open_and_an_empty_one_is_an_error():
    PasswordGate(None).check(None, "c")
    with pytest.raises(ValueError):
        PasswordGate("")


def test_the_host_names_a_server_answers_to():
    """Probe N5: only the bound names; --host 0.0.0.0 and --share keep working."""
    from ui.guard import HostNames, same_origin

    local = HostNames.for_server("127.0.0.1", {})
    assert all(local.accepts(h) for h in ("127.0.0.1:7860", "localhost", "[::1]:7860", "LocalHost."))
    assert not any(local.accepts(h) for h in ("rebind.evil.example:7860", "10.0.0.5", "127.0.0.1.evil.example"))
    lan = HostNames.for_server("192.168.1.20", {})
    assert lan.accepts("192.168.1.20:7860") and not lan.accepts("192.168.1.21")
    every = HostNames.for_server("0.0.0.0", {"RAG_ALLOWED_HOSTS": "answers.example.org, proxy.lan"})
    assert every.accepts("10.0.0.5:7860") and every.accepts("[fe80::1]:7860")  # an address cannot be rebound
    assert every.accepts("answers.example.org") and every.accepts("proxy.lan:443")
    assert not every.accepts("evil.example")
    local.allow("https://0123abcd.gradio.live")  # the --share link, once Gradio has made it
    assert local.accepts("0123abcd.gradio.live") and not local.accepts("other.gradio.live")
    assert same_origin("https://0123abcd.gradio.live", "0123abcd.gradio.live")  # https outside, http here
    assert same_origin("http://127.0.0.1:7860", "127.0.0.1:7860")
    assert not same_origin("http://localhost:3000", "localhost:7860") and not same_origin("null", "localhost:7860")


def test_clients_behind_a_proxy_are_told_apart_by_page_session():
    from ui.clients import Clients

    direct = Clients()
    assert direct.key("127.0.0.1", "a") == direct.key("127.0.0.1", "b") == "127.0.0.1"  # sessions are free to make up
    tunnel = Clients(tunnel=True)  # --share: frpc connects from this machine
    assert tunnel.key("127.0.0.1", "a") != tunnel.key("127.0.0.1", "b")
    assert tunnel.key("::1", "a") != tunnel.key("::1", "b") and tunnel.proxied("::ffff:127.0.0.1")
    assert tunnel.key("192.0.2.7", "a") == tunnel.key("192.0.2.7", "b") == "192.0.2.7"  # a direct peer still
    assert tunnel.key("127.0.0.1", None) == tunnel.key("127.0.0.1", "") == "127.0.0.1"  # no session: the address
    listed = Clients.for_server({"RAG_PROXY_ADDRESSES": " 10.0.0.2, [fd00::1],not-an-address"})
    assert listed.proxied("10.0.0.2") and listed.proxied("fd00::1") and not listed.proxied("127.0.0.1")
