"""The `mosty` commands: init, adduser, serve and demo, run through call_command on a real database."""

from __future__ import annotations

import base64
import io
import os
import sys
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from mosty.accounts.models import Membership, Organisation, RecoveryCode, User
from mosty.cli import main as cli_main
from mosty.core.crypto.keyring import acting_as
from mosty.core.models import AuditEvent

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "a long enough passphrase for tests"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts() -> tuple[int, ...]:
    return (
        Organisation.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        TOTPDevice.objects.count(),
        RecoveryCode.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def password_file(tmp_path):
    path = tmp_path / "password"
    path.write_text(GOOD_PASSWORD + "\n", encoding="utf-8")
    return str(path)


def otpauth_uri(output: str) -> str:
    return next(word for line in output.splitlines() for word in line.split() if word.startswith("otpauth://"))


def assert_otpauth_uri_works(uri: str, user: User) -> None:
    """The URI is what an authenticator app expects, and the codes it would show are accepted."""
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == f"/Mosty:{user.username}"
    query = {k: v[0] for k, v in parse_qs(parts.query, strict_parsing=True).items()}
    assert query["issuer"] == "Mosty"
    assert (query["algorithm"], query["digits"], query["period"]) == ("SHA1", "6", "30")
    secret = query["secret"]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    assert key == device.bin_key
    code = TOTP(key, step=30, digits=6).token()
    assert device.verify_token(f"{code:06d}")


# init ------------------------------------------------------------------------------------------------------


def init_args(password_file: str, **overrides: str) -> list[str]:
    values = {
        "--organisation-name": "Centrum Vltava pro občanskou společnost",
        "--organisation-slug": "vltava",
        "--country": "cz",
        "--username": "tereza",
        "--display-name": "Tereza Dvořáková",
        "--password-file": password_file,
    } | overrides
    return ["init", "--no-input", *[item for pair in values.items() for item in pair]]


def test_init_creates_the_first_organisation_and_its_admin(password_file):
    output = run(*init_args(password_file))

    organisation = Organisation.objects.get()
    user = User.objects.get()
    assert (organisation.slug, organisation.country, organisation.kind) == ("vltava", "CZ", "intermediary")
    assert user.is_platform_admin
    with acting_as(None):  # staff display names are encrypted in the installation scope
        assert user.display_name == "Tereza Dvořáková"
    assert user.check_password(GOOD_PASSWORD)
    assert Membership.objects.get().role == "org_admin"
    assert_otpauth_uri_works(otpauth_uri(output), user)
    codes = [line.strip() for line in output.splitlines() if line.startswith("    ") and line.count("-") == 2]
    assert len(codes) == 10
    assert RecoveryCode.objects.filter(used_at__isnull=True).count() == 10
    assert GOOD_PASSWORD not in output, "a password the operator chose is not echoed"


def test_init_refuses_a_second_time(password_file):
    run(*init_args(password_file))
    before = counts()
    with pytest.raises(CommandError, match="already set up"):
        run(*init_args(password_file, **{"--organisation-slug": "other", "--username": "other"}))
    assert counts() == before


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--country", "Czechia", "country"),
        ("--organisation-slug", "not a slug!", "slug"),
        ("--username", "Tereza Dvořáková", "username"),
    ],
)
def test_init_bad_input_changes_nothing(password_file, flag, value, message):
    before = counts()
    with pytest.raises(CommandError, match=f"nothing was changed: .*{message}"):
        run(*init_args(password_file, **{flag: value}))
    assert counts() == before


def test_init_weak_password_rolls_back_the_organisation(tmp_path):
    """The organisation is created before the user; a refused password must undo it."""
    weak = tmp_path / "weak"
    weak.write_text("password\n")
    before = counts()
    with pytest.raises(CommandError, match=r"nothing was changed: .*password"):
        run(*init_args(str(weak)))
    assert counts() == before


def test_init_needs_a_password_source_when_not_interactive(password_file):
    args = init_args(password_file)
    args.remove("--password-file")
    args.remove(password_file)
    with pytest.raises(CommandError, match="no password"):
        run(*args)
    assert counts()[:2] == (0, 0)


def test_init_needs_required_values_when_not_interactive(password_file):
    with pytest.raises(CommandError, match="--username is required"):
        run(*[a for a in init_args(password_file) if a not in {"--username", "tereza"}])


def test_init_generated_password_is_printed_once_and_works(password_file):
    args = init_args(password_file)
    args[args.index("--password-file") : args.index("--password-file") + 2] = ["--generate-password"]
    output = run(*args)
    password = next(line.split()[1] for line in output.splitlines() if line.strip().startswith("password:"))
    assert len(password.split("-")) == 7
    assert User.objects.get().check_password(password)


# adduser ---------------------------------------------------------------------------------------------------


def test_adduser_creates_a_member_with_totp(organisation, password_file):
    output = run(
        "adduser",
        "--organisation",
        organisation.slug,
        "--role",
        "documenter",
        "--username",
        "oksana.melnyk",
        "--display-name",
        "Оксана Мельник",
        "--password-file",
        password_file,
    )
    user = User.objects.get(username="oksana.melnyk")
    with acting_as(None):
        assert user.display_name == "Оксана Мельник"
    assert not user.is_platform_admin
    assert Membership.objects.get(user=user).role == "documenter"
    assert user.check_password(GOOD_PASSWORD)
    assert_otpauth_uri_works(otpauth_uri(output), user)
    assert RecoveryCode.objects.filter(device__user=user).count() == 10


def test_adduser_no_totp_leaves_enrolment_for_first_login(organisation):
    output = run(
        "adduser",
        "--organisation",
        organisation.slug,
        "--role",
        "viewer",
        "--username",
        "new.viewer",
        "--generate-password",
        "--no-totp",
    )
    user = User.objects.get(username="new.viewer")
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert "otpauth://" not in output
    assert "first login" in output
    password = next(line.split()[1] for line in output.splitlines() if line.strip().startswith("password:"))
    assert user.check_password(password)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"--role": "superuser"}, "unknown role"),
        ({"--organisation": "no-such-org"}, "no organisation"),
        ({"--username": "Not Valid!"}, "nothing was changed: .*username"),
        ({"--username": "caseworker"}, "exists; .* add --existing"),
    ],
)
def test_adduser_bad_input_changes_nothing(caseworker, organisation, password_file, overrides, message):
    values = {
        "--organisation": organisation.slug,
        "--role": "caseworker",
        "--username": "someone.new",
        "--password-file": password_file,
    } | overrides
    before = counts()
    with pytest.raises(CommandError, match=message):
        run("adduser", *[item for pair in values.items() for item in pair])
    assert counts() == before


def test_adduser_existing_user_joins_another_organisation(caseworker, other_organisation):
    before_devices = TOTPDevice.objects.filter(user=caseworker).count()
    password_hash = caseworker.password
    output = run(
        "adduser",
        "--organisation",
        other_organisation.slug,
        "--role",
        "viewer",
        "--username",
        "caseworker",
        "--existing",
    )
    assert "added as viewer" in output
    assert set(caseworker.memberships.values_list("organisation__slug", "role")) == {
        ("prague-centre", "caseworker"),
        ("berlin-platform", "viewer"),
    }
    caseworker.refresh_from_db()
    assert caseworker.password == password_hash
    assert TOTPDevice.objects.filter(user=caseworker).count() == before_devices
    # Running it again changes nothing and writes no audit event.
    before = counts()
    output = run(
        "adduser",
        "--organisation",
        other_organisation.slug,
        "--role",
        "viewer",
        "--username",
        "caseworker",
        "--existing",
    )
    assert "nothing changed" in output
    assert counts() == before


def test_adduser_existing_refuses_unknown_user_and_credential_flags(caseworker, organisation, password_file):
    before = counts()
    with pytest.raises(CommandError, match="no user"):
        run("adduser", "--organisation", organisation.slug, "--role", "viewer", "--username", "ghost", "--existing")
    with pytest.raises(CommandError, match="only adds a membership"):
        run(
            "adduser",
            "--organisation",
            organisation.slug,
            "--role",
            "viewer",
            "--username",
            "caseworker",
            "--existing",
            "--password-file",
            password_file,
        )
    assert counts() == before


# serve and demo --------------------------------------------------------------------------------------------


@pytest.fixture
def exec_calls(monkeypatch):
    calls: list[list[str]] = []
    monkeypatch.setattr(os, "execv", lambda path, argv: calls.append(list(argv)))
    return calls


def test_serve_collects_static_and_execs_gunicorn_without_an_access_log(exec_calls, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    output = run("serve", "--port", "8123", "--workers", "3")
    assert exec_calls == [
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            "127.0.0.1:8123",
            "--workers",
            "3",
            "--log-level",
            "warning",
            "--error-logfile",
            "-",
        ]
    ]
    assert not any("access" in arg for arg in exec_calls[0])
    assert (tmp_path / "static" / "mosty" / "mosty.css").is_file()
    assert "http://127.0.0.1:8123/" in output


def test_serve_refuses_a_bad_port(exec_calls):
    with pytest.raises(CommandError, match="--port"):
        run("serve", "--port", "0")
    assert exec_calls == []


def test_demo_command_loads_prints_once_then_serves(exec_calls, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    first = run("demo", "--no-serve")
    assert first.count("otpauth://totp/") == User.objects.count()
    assert exec_calls == []

    second = run("demo")
    assert "otpauth://" not in second
    assert "--reset-credentials" in second
    assert len(exec_calls) == 1
    assert "config.wsgi:application" in exec_calls[0]


def test_demo_refuses_an_installation_with_real_organisations(organisation):
    before = counts()
    with pytest.raises(CommandError, match="not demo data"):
        run("demo", "--no-serve")
    assert counts() == before


def test_demo_refuses_production_settings(settings):
    settings.SETTINGS_MODULE = "config.settings.production"
    with pytest.raises(CommandError, match="production"):
        run("demo", "--no-serve")
    assert counts()[:2] == (0, 0)


def test_cli_usage_and_exit_code(capsys):
    assert cli_main(["--help"]) == 0
    assert "audit" in capsys.readouterr().out
