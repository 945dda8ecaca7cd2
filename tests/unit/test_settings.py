"""Settings from the environment and their embedded defaults."""

from __future__ import annotations

from pathlib import Path

from control.settings import Settings


def test_defaults_are_the_embedded_single_node_setup(tmp_path: Path) -> None:
    settings = Settings.from_env({"PEERSHARE_DATA": str(tmp_path)})
    assert settings.database_url is None and settings.redis_url is None
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.public_url == "http://127.0.0.1:8080"
    assert settings.oauth == {}


def test_jwt_secret_is_generated_once_and_kept_in_the_data_folder(tmp_path: Path) -> None:
    first = Settings.from_env({"PEERSHARE_DATA": str(tmp_path)}).jwt_secret
    second = Settings.from_env({"PEERSHARE_DATA": str(tmp_path)}).jwt_secret
    assert first == second and len(first) >= 32
    assert (tmp_path / "jwt_secret").stat().st_mode & 0o077 == 0


def test_given_jwt_secret_wins_and_nothing_is_written(tmp_path: Path) -> None:
    settings = Settings.from_env({"PEERSHARE_DATA": str(tmp_path), "JWT_SECRET": "s" * 40})
    assert settings.jwt_secret == "s" * 40
    assert not (tmp_path / "jwt_secret").exists()


def test_oauth_provider_is_enabled_by_its_client_id_with_overridable_endpoints(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "PEERSHARE_DATA": str(tmp_path),
            "OAUTH_GITHUB_CLIENT_ID": "abc",
            "OAUTH_GITHUB_CLIENT_SECRET": "shh",
            "OAUTH_GITHUB_TOKEN_URL": "http://127.0.0.1:1/token",
        }
    )
    github = settings.oauth["github"]
    assert (github.client_id, github.client_secret, github.token_url) == ("abc", "shh", "http://127.0.0.1:1/token")
    assert github.authorize_url == "https://github.com/login/oauth/authorize"
    assert set(settings.oauth) == {"github"}


def test_host_and_port_come_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env({"PEERSHARE_DATA": str(tmp_path), "HOST": "0.0.0.0", "PORT": "9000"})
    assert (settings.host, settings.port, settings.public_url) == ("0.0.0.0", 9000, "http://0.0.0.0:9000")
