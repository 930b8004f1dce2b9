"""A gate process for the durability test: records decisions up to a total and forwards them, as `kiosk run` does.

Usage: python burst_gate.py BROKER DATABASE TOTAL. It continues from the decisions already in the
database (so a restart after SIGKILL picks up where the killed run stopped), prints "recorded N"
after each decision, and exits 0 once all TOTAL are recorded and acknowledged by the broker.
It uses the service's own parts: Storage, StoreRecorder and MqttPublisher under the database lock.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

from hardware.clock import ManualClock
from kiosk.config import KioskConfig
from kiosk.gate.commands import Decision
from kiosk.service.publisher import MqttPublisher
from kiosk.service.recording import StoreRecorder
from kiosk.storage import DatabaseLock, Storage, StorageConfig

START_WALL = 1_767_225_600.0


def main(broker: str, database: Path, total: int) -> int:
    base = KioskConfig()
    config = replace(base, privacy=replace(base.privacy, mqtt_broker=broker), mqtt=replace(base.mqtt, reconnect_max_s=1))
    with DatabaseLock.acquire(database):
        storage = Storage.open(StorageConfig(path=database, device_key_file=database.with_name("device.key")), ManualClock())
        publisher = MqttPublisher(config)
        try:
            recorder = StoreRecorder(storage, "north-door", publisher)
            done = storage.db.connection.execute("SELECT count(*) FROM events").fetchone()[0]
            for number in range(done, total):
                decision = Decision(float(number), "denied" if number % 7 == 0 else "granted", (), "", "", subject=f"holder-{number}")
                recorder.decision(decision, wall=START_WALL + number)
                print(f"recorded {number + 1}", flush=True)
            give_up = time.monotonic() + 60
            while storage.outbox.depth() and time.monotonic() < give_up:
                publisher.pump(storage.outbox)
                time.sleep(0.005)
            return 0 if storage.outbox.depth() == 0 else 1
        finally:
            publisher.close()
            storage.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])))
