"""The deployment files, checked where they cannot be run here (no Docker daemon, no
systemd as PID 1): they parse, and they say what the README and the code say."""

from __future__ import annotations

import configparser
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from prometheus_client import generate_latest

from bot.core.metrics import Metrics

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SETTINGS = (Path(__file__).resolve().parents[2] / "bot" / "core" / "settings.py").read_text()


def instructions(name: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (DEPLOY / name).read_text())
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1])
            for line in text.splitlines() if line.strip() and not line.startswith("#")]


def env_example() -> dict[str, str]:
    lines = (DEPLOY / "kopir.env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_dockerfile_runs_kopir_as_a_user_with_a_healthcheck():
    steps = instructions("Dockerfile")
    kinds = [kind for kind, _ in steps]

    assert steps[0] == ("FROM", "python:3.11-slim")
    assert ("USER", "10001:10001") in steps and kinds.index("USER") < kinds.index("CMD")
    assert any("useradd --create-home --uid 10001 kopir" in args
               for kind, args in steps if kind == "RUN")
    assert ("COPY", "locales ./locales") in steps
    assert [args for kind, args in steps if kind == "HEALTHCHECK"][0].endswith(
        'CMD ["kopir", "health"]')
    assert steps[-1] == ("CMD", '["kopir", "run"]')


def test_compose_puts_two_kopir_processes_behind_caddy_on_postgresql():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    webhook_path = urlsplit(env_example()["KOPIR_WEBHOOK_URL"]).path

    assert sorted(services) == ["caddy", "kopir-1", "kopir-2", "postgres"]
    assert services["kopir-1"] == services["kopir-2"]
    kopir = services["kopir-1"]
    assert kopir["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert kopir["environment"]["KOPIR_DATABASE_URL"].startswith("postgresql://kopir:")
    assert (kopir["build"]["dockerfile"], kopir["environment"]["KOPIR_WEBHOOK_PORT"]) == (
        "deploy/Dockerfile", "8443")
    assert services["caddy"]["ports"] == ["443:443", "80:80"]
    assert services["caddy"]["depends_on"] == ["kopir-1", "kopir-2"]
    assert "reverse_proxy kopir-1:8443 kopir-2:8443 {" in caddyfile
    assert "health_uri /healthz" in caddyfile
    assert webhook_path.startswith("/telegram/")


def test_env_example_names_only_settings_kopir_reads():
    names = set(env_example())

    assert {name for name in names if f'"{name}"' not in SETTINGS} == set()
    assert {"TELEGRAM_BOT_TOKEN", "KOPIR_WEBHOOK_URL", "KOPIR_WEBHOOK_SECRET"} <= names


def test_systemd_unit_runs_kopir_and_restarts_it():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # keys keep their case (User, ExecStart)
    unit.read(DEPLOY / "kopir.service")
    service = unit["Service"]

    assert (service["User"], service["ExecStart"], service["Restart"]) == (
        "kopir", "/opt/kopir/.venv/bin/kopir run", "on-failure")
    assert service["EnvironmentFile"] == "/etc/kopir/kopir.env"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_grafana_dashboard_queries_only_metrics_kopir_exposes():
    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text())
    def family(name: str) -> str:
        return re.sub(r"_(total|bucket|count|sum)$", "", name)

    queried = {family(name) for panel in dashboard["panels"] for target in panel["targets"]
               for name in re.findall(r"kopir_[a-z_]+", target["expr"])}
    exposed = {family(name) for name in re.findall(
        r"^# TYPE (kopir_[a-z_]+) ", generate_latest(Metrics().registry).decode(), re.MULTILINE)}

    assert queried - exposed == set()
    assert len(queried) == 10
