"""onnxruntime, loaded with its usage telemetry switched off. The kiosk imports onnxruntime only from here.

onnxruntime's Linux wheels carry Microsoft's 1DS telemetry: as soon as the native library loads it
creates a device id and an event store under ~/.cache/Microsoft/DeveloperTools/.onnxruntime/ and
queues events there. `onnxruntime.disable_telemetry_events()` does not stop that; the environment
variable ORT_DISABLE_TELEMETRY=1, read while the library loads, does (checked with a temporary HOME
on onnxruntime 1.32). So it is set here, before the import, whatever imported this module first.
"""

import os

os.environ["ORT_DISABLE_TELEMETRY"] = "1"

import onnxruntime as ort  # noqa: E402  (the variable above must be set before the library loads)

ort.disable_telemetry_events()

__all__ = ["ort"]
