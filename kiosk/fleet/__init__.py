"""Many gates, one building: the MQTT connection, the store-and-forward publisher's settings, and what they share."""
