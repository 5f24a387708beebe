"""A plugin host that refuses harm: each failure is one line naming the plugin, and the rest keeps working.

These run the real ``walkrun`` entry point in a subprocess with a plugins dir
(installed plugins switched off), because a plugin command changes the
process's command group.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TODAY = "2026-03-01"
INIT = ("init", "--athlete", "ann", "--condition", "low-risk-bsi", "--injury-date", "2026-01-05")


def _walkrun(home: Path, plugins: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("WALKRUN_") or k in ("WALKRUN_SAMPLES",)}
    full_env.update({"WALKRUN_LOAD_PLUGINS": "", "WALKRUN_PLUGINS_DIR": str(plugins), "COLUMNS": "200"}, **env)
    return subprocess.run(
        [sys.executable, "-m", "walkrun", "--home", str(home), "--today", TODAY, *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
        check=False,
    )


def _plugin(folder: Path, name: str, source: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.py"
    path.write_text("import click\nimport walkrun\n" + textwrap.dedent(source))
    return path


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def plugins(tmp_path: Path) -> Path:
    folder = tmp_path / "plugins"
    folder.mkdir()
    return folder


STATUS_OVERRIDE = """
@walkrun.hookimpl
def register_commands(cli):
    @cli.command()
    def status():
        click.echo("HIJACKED")

    @cli.command()
    def hello():
        click.echo("hello from the plugin")
"""


def test_a_plugin_command_cannot_replace_a_builtin_one(home: Path, plugins: Path) -> None:
    _plugin(plugins, "hijack", STATUS_OVERRIDE)
    assert _walkrun(home, plugins, *INIT).returncode == 0
    listing = _walkrun(home, plugins, "plugins")
    refusal = [line for line in listing.stderr.splitlines() if "'status'" in line]
    assert refusal == [
        "plugin hijack.py: command 'status' is built in; not replaced (set WALKRUN_ALLOW_OVERRIDE=status to allow it)"
    ]
    hello = _walkrun(home, plugins, "hello")
    assert hello.returncode == 0 and hello.stdout.strip() == "hello from the plugin"
    assert "Traceback" not in hello.stderr
    status = _walkrun(home, plugins, "status")
    assert status.returncode == 0 and "HIJACKED" not in status.stdout and "ann" in status.stdout


def test_an_override_the_user_allows_is_said_once(home: Path, plugins: Path) -> None:
    _plugin(plugins, "hijack", STATUS_OVERRIDE)
    assert _walkrun(home, plugins, *INIT).returncode == 0
    status = _walkrun(home, plugins, "status", WALKRUN_ALLOW_OVERRIDE="status")
    assert status.returncode == 0 and status.stdout.strip() == "HIJACKED"
    said = [line for line in status.stderr.splitlines() if "status" in line]
    assert said == ["plugin hijack.py replaces the built-in command 'status' (WALKRUN_ALLOW_OVERRIDE=status)"]


def test_two_plugins_with_one_command_name(home: Path, plugins: Path) -> None:
    for name in ("first", "second"):
        _plugin(
            plugins,
            name,
            f"""
            @walkrun.hookimpl
            def register_commands(cli):
                @cli.command()
                def greet():
                    click.echo("greet from {name}")
            """,
        )
    result = _walkrun(home, plugins, "greet")
    assert result.returncode == 0 and result.stdout.strip() == "greet from first"
    assert _lines(result.stderr) == ["plugin second.py: command 'greet' is already added by plugin first.py; not added"]


def test_a_misspelt_hook_is_one_line_and_the_plugin_is_not_loaded(home: Path, plugins: Path) -> None:
    _plugin(
        plugins,
        "typo",
        """
        @walkrun.hookimpl
        def register_reader(register):
            raise AssertionError("never called")

        @walkrun.hookimpl
        def register_commands(cli):
            @cli.command()
            def typo_cmd():
                click.echo("should not exist")
        """,
    )
    result = _walkrun(home, plugins, "plugins", "--json")
    assert result.returncode == 0
    assert _lines(result.stderr) == [
        "plugin skipped: typo.py: unknown hook 'register_reader' (did you mean 'register_readers'?); plugin not loaded"
    ]
    typo = next(p for p in json.loads(result.stdout)["plugins"] if p["name"] == "typo.py")
    assert typo["commands"] == [] and "register_reader" in typo["hooks"]
    assert _walkrun(home, plugins, "typo-cmd").returncode != 0
    assert _walkrun(home, plugins, *INIT).returncode == 0


def test_a_raising_or_misbehaving_writer_gives_one_line_from_export(home: Path, plugins: Path) -> None:
    _plugin(
        plugins,
        "badwriters",
        """
        class Boom(walkrun.Writer):
            name = "boom"

            def write(self, plan, context, out_dir):
                raise ValueError("disk on fire")

        class Stringy(walkrun.Writer):
            name = "stringy"

            def write(self, plan, context, out_dir):
                return str(out_dir / "plan.txt")

        @walkrun.hookimpl
        def register_writers(register):
            register(Boom)
            register(Stringy)
        """,
    )
    assert _walkrun(home, plugins, *INIT).returncode == 0
    out = home / "out"
    boom = _walkrun(home, plugins, "export", "--format", "boom", "--out", str(out))
    assert boom.returncode != 0 and "Traceback" not in boom.stderr
    (line,) = _lines(boom.stderr)
    assert line.startswith("walkrun: error: plugin badwriters.py: writer 'boom' failed: ValueError: disk on fire")
    stringy = _walkrun(home, plugins, "export", "--format", "stringy", "--out", str(out))
    (line,) = _lines(stringy.stderr)
    assert "writer 'stringy' returned str; write() must return a list of Path or a WriteResult" in line
    assert "n, o" not in stringy.stdout
    fine = _walkrun(home, plugins, "export", "--format", "json", "--out", str(out))
    assert fine.returncode == 0, fine.stderr


def test_a_raising_plugin_command_gives_one_line(home: Path, plugins: Path) -> None:
    _plugin(
        plugins,
        "crashy",
        """
        @walkrun.hookimpl
        def register_commands(cli):
            @cli.command()
            def crash():
                {}["missing"]
        """,
    )
    result = _walkrun(home, plugins, "crash")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    (line,) = _lines(result.stderr)
    assert line.startswith("walkrun: error: plugin crashy.py: command 'crash' failed: KeyError: 'missing'")


def test_a_raising_registration_hook_is_one_line_and_other_hooks_still_run(home: Path, plugins: Path) -> None:
    _plugin(
        plugins,
        "halfbroken",
        """
        @walkrun.hookimpl
        def register_protocols(register):
            raise RuntimeError("protocol table missing")
        """,
    )
    _plugin(
        plugins,
        "returner",
        """
        class Md(walkrun.Writer):
            name = "md2"

            def write(self, plan, context, out_dir):
                return []

        @walkrun.hookimpl
        def register_writers(register):
            return [Md]
        """,
    )
    result = _walkrun(home, plugins, "plugins")
    assert result.returncode == 0 and "Traceback" not in result.stderr
    raised, returned = sorted(_lines(result.stderr))
    assert raised.startswith(
        "plugin skipped: halfbroken.py: register_protocols raised RuntimeError: protocol table missing ("
    )
    assert returned == (
        "plugin skipped: returner.py: register_writers returned a list; it must call register(...) and return None"
    )
    assert _walkrun(home, plugins, *INIT).returncode == 0


FAST_DEFAULT = """
from walkrun.domain.protocol import builtin_protocol_dir, load_protocol_file

@walkrun.hookimpl
def register_protocols(register):
    base = load_protocol_file(builtin_protocol_dir() / "low-risk-bsi.toml")
    register(base.model_copy(update={"id": "aaa-fast", "name": "Fast (plugin)"}))
"""


def test_a_plugin_default_protocol_does_not_displace_the_builtin_one(home: Path, plugins: Path) -> None:
    _plugin(plugins, "fastproto", FAST_DEFAULT)
    assert _walkrun(home, plugins, *INIT).returncode == 0
    kept = _walkrun(home, plugins, "plan", "--json")
    assert kept.returncode == 0, kept.stderr
    assert json.loads(kept.stdout)["protocol"] == "low-risk-bsi"
    assert _lines(kept.stderr) == [
        "plugin fastproto.py: protocol 'aaa-fast' asks to be the default for 'low-risk-bsi'; the built-in "
        "'low-risk-bsi' stays the default (choose it with --protocol aaa-fast, or set "
        "WALKRUN_ALLOW_OVERRIDE=low-risk-bsi)"
    ]
    allowed = _walkrun(home, plugins, "plan", "--json", WALKRUN_ALLOW_OVERRIDE="low-risk-bsi")
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout)["protocol"] == "aaa-fast"
    assert _lines(allowed.stderr) == [
        "plugin fastproto.py: protocol 'aaa-fast' is the default for 'low-risk-bsi' instead of the built-in "
        "'low-risk-bsi' (WALKRUN_ALLOW_OVERRIDE=low-risk-bsi)"
    ]


def test_a_raising_sniff_is_the_files_error_not_not_this_format(home: Path, plugins: Path, tmp_path: Path) -> None:
    _plugin(
        plugins,
        "sniffy",
        """
        class Sniffy(walkrun.Reader):
            name = "aaa-sniffy"

            @classmethod
            def sniff(cls, head):
                raise UnicodeDecodeError("utf-8", head, 0, 1, "bad start byte")

            def read(self, data, source):
                return []

        @walkrun.hookimpl
        def register_readers(register):
            register(Sniffy)
        """,
    )
    assert _walkrun(home, plugins, *INIT).returncode == 0
    odd = tmp_path / "watch.dat"
    odd.write_bytes(b"\xff\xfe not a format anyone knows")
    result = _walkrun(home, plugins, "import", str(odd))
    assert "Traceback" not in result.stderr
    assert "reader 'aaa-sniffy' (walkrun_dir_plugin_sniffy) failed in sniff: UnicodeDecodeError" in result.stdout + (
        result.stderr
    )
