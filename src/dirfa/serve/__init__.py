"""dirfa serve: an HTTP API and a web page for videos and live avatars, on one machine.

Sits around the pipeline: app.py (routes), jobs.py (SQLite + worker processes), webrtc.py (live tracks).
"""
