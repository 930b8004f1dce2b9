"""Hardware-abstraction layer: one small protocol per device, real drivers and simulators side by side.

This package never imports `kiosk`. Vendor libraries (RPi.GPIO, picamera2) are imported only
inside the driver that needs them, when that driver is chosen by configuration.
"""
