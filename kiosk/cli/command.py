"""`kiosk command keygen | sign | send`: signed remote commands for gates (see kiosk.fleet.commands)."""

from __future__ import annotations

import argparse
import hashlib
import os
import time
from pathlib import Path

from kiosk.cli import EXIT_FAILED, EXIT_OK, Command
from kiosk.errors import UsageError

ACTIONS_HELP = "unlock-once, lock-down, lift-lock-down, evacuate, end-evacuation, reload-trust, revoke"


def _keygen_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", type=Path, help="key path without suffix: writes NAME.key.pem (private) and NAME.pub.pem")


def _keygen(args: argparse.Namespace) -> int:
    from kiosk.credentials.key_roles import OPERATOR, write_key_pair

    private_path, public_path = write_key_pair(args.name, OPERATOR)
    print(f"wrote {private_path} (keep secret: it commands gates) and {public_path} (copy into each gate's commands.operator_keys_dir)")
    return EXIT_OK


def _sign_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--key", type=Path, required=True, help="operator private key (NAME.key.pem from 'kiosk command keygen')")
    parser.add_argument("--gate", required=True, help="the gate_id the command is for")
    parser.add_argument("--action", required=True, help=f"one of: {ACTIONS_HELP}")
    parser.add_argument("--arg", action="append", default=[], metavar="NAME=VALUE", help="an argument of the action (repeatable)")
    parser.add_argument("--update", type=Path, help="reload-trust: a signed trust update ('kiosk credential trust sign-update') for the gate to apply")
    parser.add_argument("--revoke-id", help="revoke: the credential identifier to revoke (a DCC's UVCI, a kiosk pass id); only its SHA-256 is sent")
    parser.add_argument("--out", type=Path, required=True, help="file to write the signed command to (COSE_Sign1)")


def _sign(args: argparse.Namespace) -> int:
    from kiosk.credentials.key_roles import ed25519_private_key
    from kiosk.fleet.commands import ACTIONS, sign_command

    if args.action not in ACTIONS:
        raise UsageError(f"--action {args.action!r}: expected one of {ACTIONS_HELP}")
    try:
        key = ed25519_private_key(args.key.read_bytes())
    except (OSError, ValueError) as err:
        raise UsageError(f"--key '{args.key}': cannot load it ({err}; expected an unencrypted PEM Ed25519 private key)") from err
    extra: dict[str, object] = {}
    for item in args.arg:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--arg {item!r}: expected NAME=VALUE")
        extra[name] = value
    if args.update is not None:
        if args.action != "reload-trust":
            raise UsageError(f"--update: only with --action reload-trust (not {args.action!r})")
        extra["update"] = _read_update(args.update)
    if args.revoke_id is not None:
        if args.action != "revoke" or not args.revoke_id:
            raise UsageError("--revoke-id: expected a non-empty identifier, with --action revoke")
        extra["sha256"] = hashlib.sha256(args.revoke_id.encode("utf-8", "surrogateescape")).hexdigest()
    args.out.write_bytes(sign_command(args.gate, args.action, key, issued_at=time.time(), args=extra))
    print(f"wrote {args.out}: {args.action} for gate {args.gate}, valid for the gate's commands.max_age_s from now")
    return EXIT_OK


def _read_update(path: Path) -> bytes:
    from kiosk.fleet.commands import MAX_COMMAND_BYTES

    try:
        with path.open("rb") as file:
            update = file.read(MAX_COMMAND_BYTES)
    except OSError as err:
        raise UsageError(f"--update '{path}': {err.strerror or err} (expected a signed update file)") from err
    if len(update) >= MAX_COMMAND_BYTES - 1024:
        raise UsageError(f"--update '{path}': too large for one command (expected under {MAX_COMMAND_BYTES // (1024 * 1024)} MiB)")
    return update


def _send_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("command_file", type=Path, help="a file written by 'kiosk command sign'")
    parser.add_argument("--config", type=Path, required=True, help="TOML config naming the broker (privacy.mqtt_broker) and [mqtt]")


def _send(args: argparse.Namespace) -> int:
    import cbor2

    from kiosk.config import KioskConfig, load_config
    from kiosk.fleet.commands import command_topic
    from kiosk.fleet.connection import broker_address, build_client

    config = load_config(KioskConfig, args.config)
    if not config.privacy.mqtt_broker:
        raise UsageError(f"{args.config}: privacy.mqtt_broker is not set (expected the broker the gates listen on)")
    raw = args.command_file.read_bytes()
    try:
        signed = cbor2.loads(raw).value
        content = cbor2.loads(signed[2])
        topic = command_topic(content["gate"], content["action"])
    except (cbor2.CBORDecodeError, AttributeError, IndexError, KeyError, TypeError, ValueError) as err:
        raise UsageError(f"'{args.command_file}': not a command from 'kiosk command sign' ({err.__class__.__name__})") from err
    client = build_client(config, client_id=f"kiosk-command-{os.getpid()}")
    host, port = broker_address(config)
    client.connect(host, port, keepalive=config.mqtt.keepalive_s)
    client.loop_start()
    try:
        info = client.publish(topic, raw, qos=1)
        info.wait_for_publish(timeout=20)
    finally:
        client.disconnect()
        client.loop_stop()
    if not info.is_published():
        print(f"kiosk: the broker {config.privacy.mqtt_broker} did not acknowledge {topic} within 20 s")
        return EXIT_FAILED
    print(f"sent {topic} (acknowledged by {config.privacy.mqtt_broker}); the gate's audit log says whether it ran")
    return EXIT_OK


COMMANDS = [
    Command(("command", "keygen"), "make an operator key pair for signing commands to gates", _keygen, _keygen_arguments),
    Command(("command", "sign"), "sign a command for one gate (unlock-once, lock-down, evacuate, ...)", _sign, _sign_arguments),
    Command(("command", "send"), "publish a signed command to the gate's kiosk/<gate>/cmd/<action> topic", _send, _send_arguments),
]
