"""Running the kiosk as a service: assembly from config, systemd notification, structured logs."""
