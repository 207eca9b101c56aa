"""The audit trail's promise: someone who rewrites history is caught.

Events are recorded through the real services on a real database. Tampering is done the way an attacker with
database access would: raw SQL. On PostgreSQL the append-only trigger is switched off first for those tests
(as a table owner could), inside the test's transaction; separate tests prove the trigger itself.
"""

from __future__ import annotations

import base64
import io
import json
import threading
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.utils import timezone

from mosty.accounts import services
from mosty.accounts.tests.factories import make_organisation, make_user
from mosty.core.audit import HEAD_FORMAT, audit_head, audit_record, audit_verify, event_fields
from mosty.core.crypto.chain import GENESIS_HASH, link_hash
from mosty.core.models import AuditEvent

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only trigger exists only on PostgreSQL (run with DATABASE_URL=postgres://...)",
)


# helpers ---------------------------------------------------------------------------------------------------


def run_audit(*args: str) -> tuple[int, str, str]:
    """Run `mosty audit ...`; return (exit code, stdout, stderr) as the shell would see them."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def last_event() -> AuditEvent:
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    return event


def tamper(sql: str, params: tuple[Any, ...] = ()) -> None:
    """Change the audit table behind the application's back, as someone with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_update_delete")
        cursor.execute(sql, params)


def save_head(tmp_path, name: str = "head.json"):
    code, out, _ = run_audit("head")
    assert code == 0
    path = tmp_path / name
    path.write_text(out, encoding="utf-8")
    return path


def rewrite_chain_from(seq: int, *, action: str) -> None:
    """Change event `seq` and recompute every later hash consistently: a careful forger's rewrite."""
    events = list(AuditEvent.objects.order_by("seq"))
    prev_hash = GENESIS_HASH
    for event in events:
        if event.seq == seq:
            event.action = action
        if event.seq >= seq:
            event.prev_hash = prev_hash
            event.hash = link_hash(prev_hash, event_fields(event))
            tamper(
                "UPDATE core_auditevent SET action = %s, prev_hash = %s, hash = %s WHERE seq = %s",
                (event.action, event.prev_hash, event.hash, event.seq),
            )
        prev_hash = event.hash


@pytest.fixture
def history(db):
    """A short, real history written by the services: an organisation, two members with TOTP."""
    organisation = make_organisation("Prague Civil Society Centre", slug="prague", kind="intermediary", country="CZ")
    make_user("jan.novak", organisation=organisation, role="caseworker")
    make_user("olena.k", organisation=organisation, role="documenter")
    assert AuditEvent.objects.count() >= 7
    return organisation


# verify ----------------------------------------------------------------------------------------------------


def test_verify_intact_chain(history):
    last = last_event()
    code, out, err = run_audit("verify")
    assert code == 0, err
    assert out.strip() == f"OK: {AuditEvent.objects.count()} events, head #{last.seq} {last.hash}"


def test_verify_empty_chain(db):
    code, out, _ = run_audit("verify")
    assert code == 0
    assert out.strip() == f"OK: 0 events, head #0 {GENESIS_HASH}"


def test_edited_action_breaks_at_that_event(history):
    tamper("UPDATE core_auditevent SET action = %s WHERE seq = %s", ("user.logged_in", 3))
    code, out, err = run_audit("verify")
    assert code == 1
    assert out == ""
    assert err.strip() == "BROKEN at event #3: stored hash does not match the event's content"


def test_edited_actor_breaks_at_that_event(history):
    tamper("UPDATE core_auditevent SET actor_id = %s WHERE seq = %s", (999, 5))
    code, _, err = run_audit("verify")
    assert code == 1
    assert "BROKEN at event #5:" in err


def test_deleted_middle_event_breaks_at_the_next(history):
    tamper("DELETE FROM core_auditevent WHERE seq = %s", (3,))
    code, _, err = run_audit("verify")
    assert code == 1
    assert err.strip() == "BROKEN at event #4: sequence jumps from 2 to 4"


def test_deleted_and_renumbered_event_breaks_at_the_gap(history):
    """Deleting an event and renumbering the rest leaves a prev_hash pointing at the removed event."""
    last = last_event().seq
    tamper("DELETE FROM core_auditevent WHERE seq = %s", (3,))
    for seq in range(4, last + 1):
        tamper("UPDATE core_auditevent SET seq = %s WHERE seq = %s", (seq - 1, seq))
    code, _, err = run_audit("verify")
    assert code == 1
    assert err.strip() == "BROKEN at event #3: prev_hash does not match the previous event's hash"


def test_rewritten_chain_passes_alone_but_not_against_a_witness(history, tmp_path):
    witness = save_head(tmp_path)
    rewrite_chain_from(2, action="user.unlocked")

    code, _, err = run_audit("verify")
    assert code == 0, "a consistent rewrite is invisible without a witness; that is what witnesses are for"

    code, out, err = run_audit("verify", "--witness", str(witness))
    assert code == 1
    assert out == ""
    head = json.loads(witness.read_text())
    assert f"event #{head['seq']} differs from the witness's copy" in err


def test_truncated_tail_fails_against_a_witness(history, tmp_path):
    witness = save_head(tmp_path)
    last = last_event().seq
    tamper("DELETE FROM core_auditevent WHERE seq = %s", (last,))
    assert run_audit("verify")[0] == 0
    code, _, err = run_audit("verify", "--witness", str(witness))
    assert code == 1
    assert f"witness head #{last} is beyond the end of the chain" in err


def test_witnesses_from_earlier_heads_still_match_as_the_chain_grows(history, tmp_path):
    heads = []
    for _ in range(3):  # as `mosty audit head >> heads.jsonl` run now and then would keep them
        heads.append(run_audit("head")[1])
        audit_record(action="test.event")
    witness = tmp_path / "heads.jsonl"
    witness.write_text("".join(heads))
    code, out, err = run_audit("verify", "--witness", str(witness))
    assert code == 0, err
    assert "3 witness head(s) match" in out


def test_witness_with_forged_signature_fails(history, tmp_path):
    head = audit_head()
    signature = bytearray(base64.b64decode(head["signature"]))
    signature[0] ^= 0x01
    head["signature"] = base64.b64encode(bytes(signature)).decode()
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(head))
    code, _, err = run_audit("verify", "--witness", str(path))
    assert code == 1
    assert f"witness head #{head['seq']} has an invalid signature" in err


def test_witness_signed_by_another_key_fails(history, tmp_path):
    """A forger who rewrote the chain cannot hand out heads signed by this installation's key."""
    rewrite_chain_from(2, action="user.unlocked")
    genuine = audit_head()
    forger = Ed25519PrivateKey.generate()
    message = f"{HEAD_FORMAT}\n{genuine['seq']}\n{genuine['hash']}\n{genuine['at']}".encode()
    forged = dict(
        genuine,
        signature=base64.b64encode(forger.sign(message)).decode(),
        public_key=base64.b64encode(forger.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode(),
    )
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged))
    code, _, err = run_audit("verify", "--witness", str(path))
    assert code == 1
    assert "signed by another key" in err


def test_witness_with_edited_hash_fails(history, tmp_path):
    head = audit_head()
    head["hash"] = "f" * 64
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(head))
    code, _, err = run_audit("verify", "--witness", str(path))
    assert code == 1
    assert "invalid signature" in err


@pytest.mark.parametrize("content", ["not json", "[1, 2]", ""])
def test_unreadable_witness_file_exits_2(history, tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify", "--witness", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert excinfo.value.returncode == 2


def test_missing_witness_file_exits_2(db, tmp_path):
    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify", "--witness", str(tmp_path / "nope.json"), stdout=io.StringIO())
    assert excinfo.value.returncode == 2


def test_malformed_witness_head_is_a_problem_not_a_crash(history):
    result = audit_verify(witness_heads=[{"format": HEAD_FORMAT, "seq": "seven"}, {"seq": 1}])
    assert not result.ok
    assert len(result.witness_problems) == 2


def test_head_is_one_line_of_signed_json(history):
    code, out, _ = run_audit("head")
    assert code == 0
    assert out.count("\n") == 1
    head = json.loads(out)
    last = last_event()
    assert head["format"] == HEAD_FORMAT
    assert (head["seq"], head["hash"]) == (last.seq, last.hash)
    assert audit_verify(witness_heads=[head]).ok


# structure -------------------------------------------------------------------------------------------------


def test_chain_cannot_fork_two_events_with_the_same_prev_hash(history):
    """Two writers that read the same head would both link to it; the unique prev_hash refuses the second."""
    last = last_event()
    fork = AuditEvent(seq=last.seq + 1, at=timezone.now(), action="test.fork", prev_hash=last.prev_hash)
    fork.hash = link_hash(fork.prev_hash, event_fields(fork))
    with pytest.raises(IntegrityError), transaction.atomic():
        fork.save(force_insert=True)


def test_events_carry_no_personal_data(db):
    """Names live in their own tables; the audit trail holds ids, codes and times only."""
    canaries = ["Олена Коваленко", "Дмитрий Орлов", "Kateřina Horáková", "olena.kovalenko", "dmitry.orlov"]
    organisation = services.organisation_create(name="Центр прав людини «Обрій»", slug="obrii", kind="human_rights")
    canaries.append("Обрій")
    for username, display_name in [("olena.kovalenko", "Олена Коваленко"), ("dmitry.orlov", "Дмитрий Орлов")]:
        user = services.user_create(username=username, password="Ein langer Satz 2024!", display_name=display_name)
        services.membership_set(user=user, organisation=organisation, role="documenter")
        services.totp_device_create_confirmed(user=user)
        services.recovery_codes_regenerate(user=user)
    other = services.user_create(username="katerina.h", password="Ein langer Satz 2024!", display_name=canaries[2])
    services.user_password_set(user=other, password="Noch ein langer Satz 2025!")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_auditevent")
        rows = cursor.fetchall()
    assert len(rows) >= 10
    dump = "\n".join("|".join("" if value is None else str(value) for value in row) for row in rows)
    for canary in canaries:
        assert canary not in dump
    assert not any(ord(ch) > 127 for ch in dump), "non-ASCII in the audit table suggests a name slipped in"
    assert "langer Satz" not in dump


# PostgreSQL: the append-only trigger --------------------------------------------------------------------------


def _execute_in_savepoint(*statements: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@postgres_only
def test_postgres_refuses_update(history):
    with pytest.raises(DatabaseError, match="append-only"):
        _execute_in_savepoint("UPDATE core_auditevent SET action = 'x' WHERE seq = 1")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=2).update(action="y")
    assert audit_verify().ok


@postgres_only
def test_postgres_refuses_delete(history):
    with pytest.raises(DatabaseError, match="append-only"):
        _execute_in_savepoint("DELETE FROM core_auditevent WHERE seq = 3")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert audit_verify().ok


@postgres_only
def test_postgres_refuses_truncate_without_the_test_only_setting(history):
    with pytest.raises(DatabaseError, match="append-only"):
        _execute_in_savepoint("SET LOCAL mosty.audit_truncate_allowed = off", "TRUNCATE core_auditevent")
    assert AuditEvent.objects.count() >= 7


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgres_concurrent_writers_keep_one_chain():
    """Writers in parallel transactions each take the chain lock: no fork, no gap, no error."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def writer() -> None:
        try:
            barrier.wait()
            for _ in range(10):
                with transaction.atomic():
                    audit_record(action="test.concurrent")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = audit_verify()
    assert result.ok
    assert result.checked == AuditEvent.objects.count() == 40
