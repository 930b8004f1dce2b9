"""`kiosk demo`: a scripted visit sequence on simulated devices, with the real capabilities in the loop.

Nothing is faked past the devices: passes are signed with a freshly generated issuer key and
rendered as QR codes into camera frames, which the real decoder reads and the real verifier checks;
temperatures go through the real frame decoder and estimator; decisions go to a real database.
"""
