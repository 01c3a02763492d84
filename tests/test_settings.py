"""Settings: defaults, bad values, .env against the real environment, and the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import DEFAULT_CONTENT_DIR, MissingToken, Settings, SettingsError

REPO = Path(__file__).resolve().parent.parent


def test_defaults_when_nothing_is_set(tmp_path: Path) -> None:
    settings = Settings.from_env({}, env_file=tmp_path / "missing.env")
    assert settings.token is None
    assert settings.database_path == Path("data/bot.sqlite3")
    assert settings.content_dir == DEFAULT_CONTENT_DIR
    assert settings.content_dir.is_absolute()
    assert settings.content_dir == REPO / "content"
    assert settings.dev_guild_id is None
    assert settings.log_level == "INFO"
    assert settings.api_base is None and settings.gateway_url is None


def test_missing_token_names_the_variable_and_the_example(tmp_path: Path) -> None:
    settings = Settings.from_env({}, env_file=None)
    with pytest.raises(MissingToken, match=r"DISCORD_TOKEN.*\.env\.example"):
        settings.require_token()


@pytest.mark.parametrize(
    ("name", "value", "pattern"),
    [
        ("DEV_GUILD_ID", "my-server", r"DEV_GUILD_ID.*'my-server'"),
        ("DEV_GUILD_ID", "-5", r"DEV_GUILD_ID.*'-5'"),
        ("LOG_LEVEL", "LOUD", r"LOG_LEVEL.*'LOUD'"),
        ("DISCORD_API_BASE", "127.0.0.1:80", r"DISCORD_API_BASE.*'127.0.0.1:80'"),
        ("DISCORD_GATEWAY_URL", "http://x", r"DISCORD_GATEWAY_URL.*'http://x'"),
    ],
)
def test_bad_values_name_variable_and_value(name: str, value: str, pattern: str) -> None:
    with pytest.raises(SettingsError, match=pattern):
        Settings.from_env({name: value}, env_file=None)


def test_values_are_parsed(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "DISCORD_TOKEN": "abc",
            "DATABASE_PATH": str(tmp_path / "x.db"),
            "CONTENT_DIR": str(tmp_path),
            "DEV_GUILD_ID": "123456789012345678",
            "LOG_LEVEL": "debug",
            "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10/",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/gateway",
        },
        env_file=None,
    )
    assert settings.require_token() == "abc"
    assert settings.database_path == tmp_path / "x.db"
    assert settings.dev_guild_id == 123456789012345678
    assert settings.log_level == "DEBUG"
    assert settings.api_base == "http://127.0.0.1:9/api/v10"


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=from-file\nLOG_LEVEL=WARNING\nDEV_GUILD_ID=42\n")
    settings = Settings.from_env({"LOG_LEVEL": "ERROR"}, env_file=env_file)
    assert settings.token == "from-file"
    assert settings.log_level == "ERROR"
    assert settings.dev_guild_id == 42


def test_token_is_not_in_repr() -> None:
    settings = Settings(token="super-secret-token")
    assert "super-secret-token" not in repr(settings)
    assert "super-secret-token" not in "\n".join(settings.describe())


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DEV_GUILD"))}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bot", *args],
        env={**base, "PYTHONPATH": str(REPO), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_run_without_token_exits_2_with_one_sentence(tmp_path: Path) -> None:
    result = run_cli(env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert "DISCORD_TOKEN" in result.stderr and ".env.example" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_setting_exits_2_naming_it(tmp_path: Path) -> None:
    result = run_cli(env={"DISCORD_TOKEN": "x", "DEV_GUILD_ID": "abc"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "DEV_GUILD_ID" in result.stderr and "'abc'" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_run_and_check(tmp_path: Path) -> None:
    result = run_cli("--help", env={}, cwd=tmp_path)
    assert result.returncode == 0
    assert "run" in result.stdout and "check" in result.stdout


def test_check_needs_no_token_and_validates_content(tmp_path: Path) -> None:
    result = run_cli("check", env={}, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "DISCORD_TOKEN: not set" in result.stdout
    assert "wedging-strategy" in result.stdout


def test_check_fails_on_empty_content_dir(tmp_path: Path) -> None:
    result = run_cli("check", env={"CONTENT_DIR": str(tmp_path)}, cwd=tmp_path)
    assert result.returncode == 1


# --- the shared database and shards ----------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "pattern"),
    [
        ({"DATABASE_URL": "mysql://bot:s3cret@db/x"}, r"DATABASE_URL must start with postgresql"),
        ({"DATABASE_URL": "postgresql://bot:s3cret@db:port/x"}, r"DATABASE_URL .* not a valid"),
        ({"DATABASE_URL": "postgresql://bot:s3cret@db:5432/"}, r"DATABASE_URL .* a database"),
        ({"SHARD_IDS": "0"}, r"SHARD_IDS is '0' but SHARD_COUNT is not set"),
        ({"SHARD_COUNT": "0"}, r"SHARD_COUNT must be a whole number of at least 1"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,2"}, r"SHARD_IDS names shard 2.*0 to 1"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "3-1"}, r"runs backwards"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "x"}, r"SHARD_IDS must hold whole numbers"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "1"}, r"only some of the 2 shards.*SQLite"),
    ],
)
def test_bad_database_and_shard_settings_say_what_is_wrong(
    environ: dict[str, str], pattern: str
) -> None:
    with pytest.raises(SettingsError, match=pattern) as raised:
        Settings.from_env(environ, env_file=None)
    assert "s3cret" not in str(raised.value)


def test_shards_and_the_database_url_are_read() -> None:
    url = "postgresql://bot:s3cret@db.example:5432/roundtable"
    settings = Settings.from_env(
        {"DATABASE_URL": url, "SHARD_COUNT": "4", "SHARD_IDS": "0-1,3"}, env_file=None
    )
    assert settings.database == url
    assert (settings.shard_count, settings.shard_ids) == (4, (0, 1, 3))
    described = "\n".join(settings.describe())
    assert "PostgreSQL" in described and "s3cret" not in described and "bot:***@" in described
    assert "SHARD_IDS 0, 1, 3 of SHARD_COUNT 4" in described
    assert "s3cret" not in repr(settings)
    alone = Settings.from_env({"SHARD_COUNT": "2", "SHARD_IDS": "0-1"}, env_file=None)
    assert alone.shard_ids == (0, 1)  # SQLite may serve every shard in one process
    assert Settings.from_env({}, env_file=None).database == Path("data/bot.sqlite3")


def test_a_malformed_database_url_exits_2_without_the_password(tmp_path: Path) -> None:
    result = run_cli(
        env={"DISCORD_TOKEN": "x", "DATABASE_URL": "postgresql://bot:s3cret@db:port/x"},
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr and "s3cret" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_check_names_the_database_and_fails_on_an_unreachable_one(tmp_path: Path) -> None:
    sqlite = run_cli("check", env={"DATABASE_PATH": str(tmp_path / "x.sqlite3")}, cwd=tmp_path)
    assert sqlite.returncode == 0
    assert "Database: SQLite at" in sqlite.stdout and "schema version 0" in sqlite.stdout
    unreachable = run_cli(
        "check", env={"DATABASE_URL": "postgresql://bot:s3cret@127.0.0.1:9/rt"}, cwd=tmp_path
    )
    assert unreachable.returncode == 1
    assert "Database: DATABASE_URL: the PostgreSQL server at 127.0.0.1:9/rt cannot" in (
        unreachable.stdout
    )
    assert "s3cret" not in unreachable.stdout + unreachable.stderr
    running = run_cli("run", env={"DISCORD_TOKEN": "x",
                               "DATABASE_URL": "postgresql://bot:s3cret@127.0.0.1:9/rt"},
                      cwd=tmp_path)  # fmt: skip
    assert running.returncode == 1
    assert running.stderr.startswith("DATABASE_URL: the PostgreSQL server")
    assert "s3cret" not in running.stdout + running.stderr
