"""The screens: the gate screen for the person at the gate, served on localhost beside the gate loop."""
