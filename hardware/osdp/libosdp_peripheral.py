"""The kiosk as an OSDP peripheral (reader) through libosdp's Python binding.

Serviced by libosdp's own refresh thread (every 20 ms, `osdp.PeripheralDevice.start`), not by the
gate loop: a panel expects a reader's reply within 200 ms of each poll, and one gate-loop iteration
can spend most of that on face analysis. The thread only speaks the protocol; the panel's commands
wait in libosdp's queue until the gate loop takes them with `poll`, so the gate machine stays a
pure state machine and every device is still driven from one thread.
"""

from __future__ import annotations

from typing import Any

from hardware.clock import Clock
from hardware.errors import DeviceUnavailable
from hardware.osdp import OsdpConfig, PanelCommand
from hardware.osdp.indicators import PanelIndicators
from hardware.registry import import_vendor

INSTALL = "pip install 'gatekeeper-kiosk[panel]'"
osdp = import_vendor("osdp", "door.mode 'panel-osdp'", install_hint=INSTALL)


class StreamChannel(osdp.Channel):
    """A libosdp channel over any object with non-blocking `read(n)` and `write(data)` (a pyserial port, a socket wrapper)."""

    def __init__(self, stream: Any) -> None:
        super().__init__()
        self._stream = stream

    # An unplugged adapter raises on every call: read nothing and send nothing, so the panel sees
    # the reader go offline and reports fail (panel-report-failed) instead of the thread dying.
    def read(self, max_bytes: int) -> bytes:
        try:
            return self._stream.read(max_bytes) or b""
        except OSError:
            return b""

    def write(self, buf: bytes) -> int:
        try:
            return self._stream.write(buf) or 0
        except OSError:
            return 0

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self._stream.close()


def open_serial_channel(config: OsdpConfig) -> StreamChannel:
    import serial

    if not config.port:
        raise DeviceUnavailable("panel.osdp.port is empty (expected the RS-485 serial port, e.g. /dev/ttyUSB0)")
    try:
        port = serial.serial_for_url(config.port, baudrate=config.baudrate, timeout=0, write_timeout=0.5)
    except (serial.SerialException, ValueError) as err:
        raise DeviceUnavailable(f"panel.osdp.port '{config.port}': {err} (expected an RS-485 serial device)") from err
    return StreamChannel(port)


CAPABILITIES = [
    (osdp.Capability.CardDataFormat, 1, 1),
    (osdp.Capability.LEDControl, 1, 1),
    (osdp.Capability.AudibleControl, 1, 1),
    (osdp.Capability.TextOutput, 1, 1),
    (osdp.Capability.CommunicationSecurity, 1, 1),
]
COMMAND_KINDS = {osdp.Command.LED: "led", osdp.Command.Buzzer: "buzzer", osdp.Command.Text: "text"}


class LibosdpPeripheral:
    """Serves the panel from start-up; refuses to talk without the secure channel (EnforceSecure)."""

    def __init__(self, channel: StreamChannel, scbk: bytes, address: int, clock: Clock) -> None:
        self._channel = channel
        self._clock = clock
        self._indicators = PanelIndicators()
        info = osdp.PDInfo(address, channel, scbk=scbk, flags=[osdp.LibFlag.EnforceSecure], name="kiosk")
        self._device = osdp.PeripheralDevice(info, osdp.PDCapabilities(CAPABILITIES), log_level=osdp.LogLevel.Error)
        self._device.start()

    @property
    def is_online(self) -> bool:
        return bool(self._device.is_online())

    @property
    def is_secure(self) -> bool:
        return bool(self._device.is_sc_active())

    def report(self, bits: tuple[bool, ...]) -> None:
        """Queue a card read (raw Wiegand bits, parity included) for the panel's next poll."""
        from hardware.wiegand.frames import to_bytes

        if not (self.is_online and self.is_secure):
            raise DeviceUnavailable("osdp: no panel is polling this reader over a secure channel (check the RS-485 wiring, address and key)")
        event = {
            "event": osdp.Event.CardRead,
            "reader_no": 0,
            "direction": 0,
            "format": osdp.CardFormat.Wiegand,
            "length": len(bits),
            "data": to_bytes(bits),
        }
        if self._device.submit_event(event) is False:
            raise DeviceUnavailable("osdp: libosdp refused the card read (event queue full?)")

    def poll(self) -> list[PanelCommand]:
        if not (self.is_online and self.is_secure):
            # A card read queued just before the panel dropped must not be delivered when it comes
            # back, minutes later, to open the door for whoever stands there then.
            with self._device.lock:
                self._device.ctx.flush_events()
        now = self._clock.monotonic()
        commands = self._indicators.expire(now)
        while (command := self._device.get_command(timeout=-1)) is not None:
            kind = COMMAND_KINDS.get(command.get("command"))
            if kind is not None:
                commands += self._indicators.apply(kind, command, now)
        return commands

    def close(self) -> None:
        self._device.teardown()
        self._channel.close()
