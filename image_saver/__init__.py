"""image_saver: the separate service that stores and serves image bytes.

A stub for now: the pictures issue builds it out (storage backends, validation).
"""
