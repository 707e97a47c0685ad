"""Test set-up that must happen before Qt loads: headless rendering, isolated settings."""
import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("QT_QUICK_BACKEND", "software")
