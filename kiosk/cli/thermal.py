"""Thermometer commands: `kiosk sim thermometer`, `kiosk thermal calibrate`, `kiosk bench thermal`."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
from pathlib import Path

from kiosk.cli import EXIT_OK, Command
from kiosk.errors import UsageError

MODELS = ("gy-mcu90614", "gy-mcu90640")


def _sim_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", choices=MODELS, default="gy-mcu90614", help="module whose bytes to speak")
    parser.add_argument("--link", type=Path, help="path of the symlink to the pty (default: in a new temporary folder)")
    parser.add_argument("--ambient-c", type=float, default=22.0, help="room temperature, °C")
    parser.add_argument("--noise-c", type=float, default=0.05, help="reading noise (standard deviation), °C")
    parser.add_argument("--seed", type=int, default=0, help="seed for the unit's errors and the noise")


def _sim_thermometer(args: argparse.Namespace) -> int:
    from hardware.clock import SystemClock
    from hardware.thermometer.sim_console import build_simulator, serve

    link = args.link or Path(tempfile.mkdtemp(prefix="kiosk-sim-")) / "ttyIR0"
    simulator = build_simulator(args.model, link, args.seed, args.ambient_c, args.noise_c)
    signal.signal(signal.SIGTERM, _interrupt)  # stop like Ctrl-C, so the pty and its path are removed
    try:
        print(link, flush=True)
        print(
            f"{args.model} simulator on {link}; commands on stdin: arrive SKIN_C [DISTANCE_M], leave, reference C|off, "
            "ambient C, unplug, replug, garbage N, drop N, corrupt [N], stuck on|off, silent on|off, quit",
            file=sys.stderr,
        )
        serve(simulator, SystemClock(), sys.stdin.fileno(), sys.stdout)
    finally:
        simulator.close()
    return EXIT_OK


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _calibrate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, required=True, help="kiosk config file naming the thermometer")
    parser.add_argument("--low-c", type=float, default=30.0, help="temperature of the first reference source, °C")
    parser.add_argument("--high-c", type=float, default=40.0, help="temperature of the second reference source, °C")
    parser.add_argument("--room-c", type=float, help="room temperature from a reference thermometer, °C (corrects the sensor's ambient)")
    parser.add_argument("--settle-s", type=float, default=2.0, help="how long each reference must read steadily, seconds")
    parser.add_argument("--output", type=Path, help="calibration file to write (default: thermal.calibration_file)")


def _calibrate(args: argparse.Namespace) -> int:
    import time

    from hardware.clock import SystemClock
    from hardware.thermometer import open_thermometer
    from hardware.thermometer.simulated import SimulatedThermometer
    from kiosk.config import KioskConfig, load_config
    from kiosk.thermal.calibration import Calibration, measure_reference

    config = load_config(KioskConfig, args.config)
    output = args.output or config.thermal.calibration_file
    if output is None:
        raise UsageError("no calibration file to write: pass --output or set thermal.calibration_file in the config")
    clock = SystemClock()
    thermometer = open_thermometer(config.thermometer, clock)
    points = []
    try:
        for reference_c in (args.low_c, args.high_c):
            if isinstance(thermometer, SimulatedThermometer):
                print(f"simulated thermometer: placing a {reference_c} °C reference in front of it", file=sys.stderr)
                thermometer.hold_reference(reference_c)
            else:
                input(f"Hold the reference source at {reference_c} °C so it fills the sensor's view, then press Enter: ")
            points.append(measure_reference(thermometer, clock, lambda: time.sleep(0.02), reference_c, window_s=args.settle_s))
            print(f"reference {reference_c} °C read as {points[-1].measured_c:.2f} °C", file=sys.stderr)
    finally:
        thermometer.close()
    calibration = Calibration.two_point(points[0], points[1], time.strftime("%Y-%m-%dT%H:%M:%S%z"), room_c=args.room_c)
    calibration.save(Path(output))
    print(f"wrote {output}: gain {calibration.gain:.4f}, offset {calibration.offset_c:+.2f} °C, ambient offset {calibration.ambient_offset_c:+.2f} °C")
    return EXIT_OK


def _bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--subjects", type=int, default=1000, help="number of simulated people")
    parser.add_argument("--seed", type=int, default=0, help="seed for the unit, the people and the noise")
    parser.add_argument("--model", choices=MODELS, default="gy-mcu90614", help="simulated module")
    parser.add_argument(
        "--core-model",
        choices=("offset", "fitted"),
        default="offset",
        help="the estimator's skin-to-core step: 'offset', the simulated people's own physiology, so only sensing errs "
        "(default); 'fitted', the clinical model the gate runs, on simulated people",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _bench_thermal(args: argparse.Namespace) -> int:
    from kiosk.thermal.trial import bench_config, run_trial, summarise

    if args.subjects < 1:
        raise UsageError(f"--subjects {args.subjects}: expected at least 1")
    summary = summarise(run_trial(args.subjects, args.seed, args.model, config=bench_config(args.core_model)))
    if args.json:
        print(json.dumps(summary))
    else:
        for key, value in summary.items():
            print(f"{key}: {value}")
    return EXIT_OK


COMMANDS = [
    Command(("sim", "thermometer"), "run a simulated serial thermometer on a pty; prints its path", _sim_thermometer, _sim_arguments),
    Command(("thermal", "calibrate"), "two-point blackbody calibration of the thermometer", _calibrate, _calibrate_arguments),
    Command(("bench", "thermal"), "screen simulated people through the real decoder and estimator", _bench_thermal, _bench_arguments),
]
